"""The console tests' world: people added through the library, a TestClient, and helpers to sign
in the way a browser does (the CSRF token read from the page, the code from pyotp); for the
browser tests, the console served by uvicorn and the Sign in page filled in Chromium."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pyotp
from sqlalchemy import Engine
from starlette.testclient import TestClient

from briefcast.console import create_app
from briefcast.console.accounts import NewPerson, add_person
from briefcast.settings import Settings
from briefcast.store import open_database
from briefcast.store.audit import Actor
from briefcast.web import BackgroundServer

CONSOLE_URL = "http://testserver"
PASSWORD = "a long pass phrase for tests"
ADMIN = Actor.person("Test Runner")


def make_settings(database_url: str, folder: Path, **changes: object) -> Settings:
    settings = Settings(
        database_url=database_url,
        outbox=folder / "outbox",
        base_url="http://links.example.org",
        secret_key="a console test key, not a real one",
        console_url=CONSOLE_URL,
    )
    return replace(settings, **changes)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def code_for(person: NewPerson) -> str:
    """The code the person's app shows now (it works once: sign in a second time as another
    person, or with a code of another 30-second step)."""
    return pyotp.TOTP(person.totp_secret).at(time.time())


def h1_of(html: str) -> str:
    (title,) = re.findall(r"<h1>(.*?)</h1>", html, re.S)
    return title.strip()


@dataclass
class Console:
    engine: Engine
    settings: Settings

    def with_settings(self, **changes: object) -> Console:
        return Console(self.engine, replace(self.settings, **changes))

    def client(self, **settings_changes: object) -> TestClient:
        settings = replace(self.settings, **settings_changes)
        # an https console's cookies are Secure: the client must then speak https to keep them
        base = settings.console_url if settings.console_url.startswith("https") else CONSOLE_URL
        return TestClient(create_app(settings, self.engine), base_url=base)

    def person(
        self, email: str, name: str, *roles: str, password: str | None = PASSWORD
    ) -> NewPerson:
        return add_person(
            self.engine,
            self.settings,
            email,
            name,
            roles or ("author",),
            ADMIN,
            password=password,
        )

    def sign_in(
        self, client: TestClient, person: NewPerson, password: str = PASSWORD
    ) -> str | None:
        """Password, then the code from the person's app (returned: it works only once); ends
        on the Campaigns page."""
        page = client.get("/sign-in")
        answer = client.post(
            "/sign-in",
            data={
                "email": person.user.email,
                "password": password,
                "csrf_token": csrf_of(page.text),
            },
        )
        code = None
        if person.totp_secret:
            assert h1_of(answer.text) == "Enter the code from your authenticator app"
            code = code_for(person)
            answer = client.post(
                "/sign-in/code", data={"code": code, "csrf_token": csrf_of(answer.text)}
            )
        assert answer.status_code == 200 and h1_of(answer.text) == "Campaigns", answer.text
        return code


# -- in a browser --------------------------------------------------------------------------------


@contextmanager
def served_console(folder: Path, **changes: object) -> Iterator[tuple[Console, str]]:
    """The console served by uvicorn on a free port of 127.0.0.1, over a new SQLite database in
    `folder`; its console URL is that address (the links, the cookies and the form checks rely on
    it). Yields the console's world and the URL; `changes` go to the settings."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    database = f"sqlite:///{folder / 'briefcast.db'}"
    settings = make_settings(database, folder, console_url=url, **changes)
    engine = open_database(settings.database_url)
    try:
        with BackgroundServer(create_app(settings, engine), port=port) as server:
            assert server.url == url
            yield Console(engine, settings), url
    finally:
        engine.dispose()


def h1_on(page) -> str:  # type: ignore[no-untyped-def]
    """The heading of the page the browser shows."""
    return page.locator("h1").inner_text()


def sign_in_on_page(  # type: ignore[no-untyped-def]
    page, email: str, password: str = PASSWORD, code: str | None = None
) -> None:
    """On the Sign in page, as a person fills it: address, password, then the code from their
    app when `code` is given."""
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if code is not None:
        enter_code(page, code)


def enter_code(page, code: str) -> None:  # type: ignore[no-untyped-def]
    """The second step of signing in: the code from the person's app."""
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Continue").click()
