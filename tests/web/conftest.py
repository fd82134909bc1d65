"""A small world for the web tests: one campaign, two lists (one statutory), three ledger rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from ledger_rows import add_campaign, add_delivery, add_issue, add_list, add_person
from sqlalchemy import Engine
from starlette.testclient import TestClient

from briefcast.delivery.tokens import Signer, signing_key
from briefcast.links import Purpose, link
from briefcast.settings import Settings
from briefcast.store.schema import IssueState
from briefcast.web import create_app

SECRET = "a test secret key, not a real one"
BASE_URL = "http://testserver"  # the TestClient's own address, as BRIEFCAST_BASE_URL


@dataclass
class World:
    engine: Engine
    settings: Settings
    client: TestClient
    signer: Signer
    campaign_id: int
    alice: int  # delivery on the Health list (offers unsubscribing)
    bob: int  # delivery on the Police list (statutory: no unsubscribe)
    erased: int  # delivery whose person has been erased
    health_list: int

    def token(self, purpose: Purpose, delivery_id: int) -> str:
        return self.signer.make(purpose, delivery_id)

    def path(self, purpose: Purpose, delivery_id: int) -> str:
        return link("", purpose, self.token(purpose, delivery_id))  # "/u/<token>"


def make_settings(database_url: str, folder: Path, base_url: str = BASE_URL) -> Settings:
    return Settings(
        database_url=database_url,
        outbox=folder / "outbox",
        base_url=base_url,
        secret_key=SECRET,
    )


@pytest.fixture
def world(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[World]:
    with engine.begin() as conn:
        health = add_list(conn, "health", "Health")
        police = add_list(conn, "police", "Police (statutory)", unsubscribe_offered=False)
        alice = add_person(conn, "alice@example.org", "Alice Example", "Example Health Trust")
        bob = add_person(conn, "bob@example.net", "Bob Sample", "Example Police")
        campaign = add_campaign(conn)
        issue = add_issue(conn, campaign, 1)
        add_issue(
            conn, campaign, 2, title="Including men", state=IssueState.SCHEDULED, started_at=None
        )
        deliveries = (
            add_delivery(conn, issue, alice, health),
            add_delivery(conn, issue, bob, police),
            add_delivery(conn, issue, None, health),
        )
        signer = Signer(signing_key(conn, SECRET))
    settings = make_settings(database_url, tmp_path)
    with TestClient(create_app(settings, engine), base_url=BASE_URL) as client:
        yield World(engine, settings, client, signer, campaign, *deliveries, health_list=health)
