"""Versioned JSON snapshots of the frozen content data: what was approved, kept as it was.

`schedule` stores the Campaign (the plan) and each issue's Digest with the issue, so what was
agreed can be shown and re-sent later even after the campaign file or briefing has changed. Like
APScheduler's persisted state, every snapshot carries a version: `{"version": 1, ...}`.

Conversion follows the dataclasses' type hints both ways, so a field added to the model is
carried without touching this module.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar

from briefcast.campaigns.model import Campaign, CatchUp, Digest
from briefcast.errors import BriefcastError
from briefcast.jsondata import to_plain

VERSION = 1
# Where a file sits on the machine that scheduled it, and the line numbers of its entries,
# are not part of what was approved.
_LEFT_OUT = frozenset({"source_lines"})

T = TypeVar("T")


class SnapshotError(BriefcastError):
    """A stored snapshot this version of briefcast cannot read."""


def campaign_snapshot(campaign: Campaign) -> dict[str, Any]:
    return {"version": VERSION, **_to_json(campaign)}


def digest_snapshot(digest: Digest) -> dict[str, Any]:
    return {"version": VERSION, **_to_json(digest)}


def campaign_from_snapshot(data: Mapping[str, Any]) -> Campaign:
    return _from_json(Campaign, _unversioned(data, "plan"))


def catch_up_from_snapshot(data: Mapping[str, Any]) -> CatchUp:
    """Only the plan's catch-up settings (the defaults when it has none, as a plan stored before
    catch-ups existed): what the worker needs every few seconds, without the whole plan."""
    found = _unversioned(data, "plan").get("catch_up")
    return CatchUp() if found is None else _from_json(CatchUp, found)


def digest_from_snapshot(data: Mapping[str, Any]) -> Digest:
    return _from_json(Digest, _unversioned(data, "digest"))


def _unversioned(data: Mapping[str, Any], what: str) -> dict[str, Any]:
    version = data.get("version")
    if version != VERSION:
        raise SnapshotError(
            f"the stored {what} has version {version!r}; this briefcast reads version {VERSION} "
            "(upgrade briefcast, or schedule the campaign again)"
        )
    return {key: value for key, value in data.items() if key != "version"}


def _to_json(value: Any) -> Any:
    return to_plain(value, leave_out=_LEFT_OUT)


def _from_json(kind: type[T], data: Mapping[str, Any]) -> T:
    hints = typing.get_type_hints(kind)
    values = {
        f.name: _convert(hints[f.name], data[f.name])
        for f in dataclasses.fields(kind)  # type: ignore[arg-type]
        if f.name in data
    }
    return kind(**values)


def _convert(hint: Any, value: Any) -> Any:
    """Rebuild one value by its type hint: nested dataclasses, tuples, optionals, dates, paths."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None:
            return None
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _convert(inner, value)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], item) for item in value)
        return tuple(_convert(arg, item) for arg, item in zip(args, value, strict=True))
    if dataclasses.is_dataclass(hint):
        return _from_json(hint, value)
    if hint in (datetime, date, time):
        return hint.fromisoformat(value)
    if hint is Path:
        return Path(value)
    return value
