"""The `console` fixture: a console app's world on a fresh database (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from console_helpers import Console, make_settings
from sqlalchemy import Engine


@pytest.fixture
def console(engine: Engine, database_url: str, tmp_path: Path) -> Console:
    return Console(engine, make_settings(database_url, tmp_path))
