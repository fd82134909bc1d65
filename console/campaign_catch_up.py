"""*People who join a list after the series starts* on *Plan the series*: the campaign file's
catch-up keys as a form, read back by the campaign file's own rules (campaign_file.read_catch_up).

    catch_up_form(campaign) -> what the fieldset shows
    catch_up_change(data, campaign) -> (change, field, summary), or FieldErrors

The note is a person's words, never the product's: left empty while catch-ups are on, it is
stored as still to write ("TODO: write …"), so the page asks for it and submitting is refused,
as for an issue's texts.
"""

from __future__ import annotations

from dataclasses import replace

from starlette.datastructures import FormData

from briefcast.campaigns.campaign_file import (
    CATCH_UP_KEYS,
    CatchUpValueError,
    is_unwritten,
    read_catch_up,
    unwritten,
)
from briefcast.campaigns.model import Campaign, CatchUp
from briefcast.console.campaign_helpers import text
from briefcast.console.campaign_texts import FieldErrors
from briefcast.workflow.plan_words import CATCH_UP, CATCH_UP_MODES

# The page's words for the modes and the keys live with the plan's other labels.
MODES = CATCH_UP_MODES
LABELS = CATCH_UP
NOTE_REQUEST = "why someone who joins a list late is getting this"  # the mark's request


def field_of(key: str) -> str:
    """The field an error about `key` is shown at: the first radio button for the choice."""
    return f"catch_up-{next(iter(MODES))}" if key == "catch_up" else key


def catch_up_form(campaign: Campaign, refused: FormData | None = None) -> dict[str, object]:
    """What the fieldset shows: the plan's catch-up, or what was typed in a `refused` form (so
    a mistake is mended, not everything typed again)."""
    catch_up = campaign.catch_up
    note = catch_up.note
    shown = {
        "mode": catch_up.mode,
        "modes": MODES,
        "labels": LABELS,
        "until": catch_up.until.isoformat() if catch_up.until else "",
        "replay_every": catch_up.replay_every_days,
        "replay_cap": catch_up.replay_cap,
        "note": "" if note is None or is_unwritten(note) else note,
        # Catch-ups on with no note at all: nothing goes until one is written (check allows it).
        "waiting_for_note": catch_up.mode != "off" and note is None,
    }
    if refused is not None:
        typed = {key: text(refused, key) for key in CATCH_UP_KEYS}
        shown |= {
            "mode": typed["catch_up"] if typed["catch_up"] in MODES else catch_up.mode,
            "until": typed["catch_up_until"],
            "replay_every": typed["replay_every"],
            "replay_cap": typed["replay_cap"],
            "note": typed["catch_up_note"],
        }
    return shown


def catch_up_change(data: FormData, campaign: Campaign):  # type: ignore[no-untyped-def]
    """(the change, the field an error belongs to, what it did) for the catch-up fieldset."""
    values = {key: text(data, key) for key in CATCH_UP_KEYS}
    values["catch_up_note"] = _posted_note(values, campaign.catch_up)
    try:
        catch_up = read_catch_up(values)
    except CatchUpValueError as error:
        raise FieldErrors({field_of(error.key): f"{LABELS[error.key]}: {error.problem}"}) from None

    def change(c: Campaign) -> Campaign:
        return replace(c, catch_up=catch_up, source_lines={})

    return change, field_of("catch_up"), "saved what people who join late get"


def _posted_note(values: dict[str, str], current: CatchUp) -> str:
    """The note as posted; empty while catch-ups are on, still to write (a mark already there
    keeps its own request)."""
    if values["catch_up_note"] or values["catch_up"] == "off":
        return values["catch_up_note"]
    if current.note and is_unwritten(current.note):
        return current.note
    return unwritten(NOTE_REQUEST)
