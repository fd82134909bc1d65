"""The `console` fixture: a console app's world on a fresh database (SQLite and PostgreSQL); `page`:
a new browser tab of its own for a browser test."""

from __future__ import annotations

from pathlib import Path

import pytest
from console_helpers import Console, make_settings
from sqlalchemy import Engine


@pytest.fixture
def console(engine: Engine, database_url: str, tmp_path: Path) -> Console:
    return Console(engine, make_settings(database_url, tmp_path))


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A tab in a browser context of its own: no cookie carried over from another test."""
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()
