"""Signed-in console clients for the campaign page tests: an author, an approver, each a real
account with a real password, signed in through the Sign in page (second factor optional)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from starlette.testclient import TestClient

from briefcast.console import create_app
from briefcast.console.accounts import add_person
from briefcast.settings import Settings
from briefcast.store.audit import Actor

PASSWORD = "correct horse battery staple 42"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def console_settings(database_url: str, folder: Path, **changes: object) -> Settings:
    settings = Settings(
        database_url=database_url,
        outbox=folder / "outbox",
        base_url="http://links.example.org",
        secret_key="a console test key",
    )
    return replace(settings, console_2fa="optional", **changes)


def add_staff(engine, settings: Settings, email: str, name: str, *roles: str) -> None:
    add_person(engine, settings, email, name, roles, Actor.process("test"), password=PASSWORD)


def signed_in(engine, settings: Settings, email: str) -> TestClient:
    client = TestClient(create_app(settings, engine), base_url="http://localhost:8026")
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"csrf_token": token(page.text), "email": email, "password": PASSWORD},
    )
    assert response.status_code in (200, 303), response.text
    assert "Sign out" in client.get("/").text
    return client


def token(html: str) -> str:
    return CSRF.search(html).group(1)
