"""Helpers for the recipients tests: writing CSV files as agencies' systems do."""

from collections.abc import Callable
from pathlib import Path

import pytest

WriteCsv = Callable[..., Path]


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    """write_csv(text, name="list.csv", encoding="utf-8") -> path; "\\n" in text becomes CRLF."""

    def write(text: str, name: str = "list.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
        return path

    return write
