"""The catch-up keys of a campaign file (what new starters get), read from the file or from the
console's form by the same rules: `read_catch_up()` for a form, `catch_up()` for campaign_file.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from briefcast.campaigns.campaign_values import CampaignFileError, Reader, compose
from briefcast.campaigns.model import CATCH_UP_MODES, CatchUp

CATCH_UP_KEYS = ("catch_up", "catch_up_until", "replay_every", "replay_cap", "catch_up_note")


class CatchUpValueError(CampaignFileError):
    """A catch-up value refused by the campaign file's own rules; `key` names it."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}", problem=problem)
        self.key = key


def catch_up(reader: Reader, keys: dict[str, yaml.Node]) -> CatchUp:
    """The catch-up keys, each optional: new starters get one digest by default."""
    mode = "digest"
    if "catch_up" in keys:
        node = keys["catch_up"]
        # YAML reads a bare `off` as false: take the word as written.
        mode = node.value.strip().lower() if isinstance(node, yaml.ScalarNode) else ""
        if mode not in CATCH_UP_MODES:
            reader.fail(node, "catch_up: expected one of " + ", ".join(CATCH_UP_MODES))
    until = keys.get("catch_up_until")
    every, cap = keys.get("replay_every"), keys.get("replay_cap")
    return CatchUp(
        mode=mode,
        until=reader.day(until, "catch_up_until") if until else None,
        replay_every_days=reader.days(every, "replay_every") if every else 2,
        replay_cap=reader.count(cap, "replay_cap") if cap else 3,
        note=reader.optional_text(keys.get("catch_up_note"), "catch_up_note"),
    )


def read_catch_up(values: Mapping[str, str]) -> CatchUp:
    """The catch-up keys given as text (the console's form), read by the very rules that read
    them in a campaign file; an empty value is a key left out. A mistake raises
    CatchUpValueError naming the key and what is wrong with its value."""
    given = {key: value.strip() for key, value in values.items() if value.strip()}
    if unknown := sorted(set(given) - set(CATCH_UP_KEYS)):
        raise ValueError(f"not catch-up keys: {', '.join(unknown)}")
    source = Path("catch-up")
    reader = Reader(source)
    # Written as a campaign file's keys, one to a line (a long note stays on its key's line).
    text = yaml.safe_dump(given, sort_keys=False, allow_unicode=True, width=1 << 30)
    keys = reader.mapping(compose(text, source), "", dict.fromkeys(CATCH_UP_KEYS, False))
    try:
        return catch_up(reader, keys)
    except CampaignFileError as error:
        key = next(k for k, line in reader.lines.items() if line == error.line)
        raise CatchUpValueError(key, (error.problem or "").removeprefix(f"{key}: ")) from None
