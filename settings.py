"""One typed settings object, read once from the environment at the entry point and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from briefcast.errors import BriefcastError


class SettingsError(BriefcastError):
    pass


@dataclass(frozen=True)
class Settings:
    # Where everything is stored; any SQLAlchemy URL. SQLite under ./var/ by default.
    database_url: str
    # The Maildir folder the `outbox` transport writes to (the embedded default transport).
    outbox: Path
    # Public address of the web endpoints (unsubscribe, acknowledge, web view) used in every link.
    base_url: str
    # Keys the salted hash kept for erased people (recipients/erasure.py). Optional: without it a
    # random salt is kept in the database. Once people have been erased it must not change.
    secret_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, workdir: Path | None = None
    ) -> Settings:
        env = os.environ if environ is None else environ
        root = Path.cwd() if workdir is None else workdir
        base_url = env.get("BRIEFCAST_BASE_URL", "http://localhost:8025").rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise SettingsError(
                f"BRIEFCAST_BASE_URL must start with http:// or https://, not {base_url!r}"
            )
        return cls(
            database_url=env.get("BRIEFCAST_DATABASE_URL")
            or f"sqlite:///{root / 'var' / 'briefcast.db'}",
            outbox=Path(env.get("BRIEFCAST_OUTBOX") or root / "var" / "outbox"),
            base_url=base_url,
            secret_key=env.get("BRIEFCAST_SECRET_KEY") or None,
        )
