"""What a delivery report's status code means for us: one small pure policy.

    kind_of("5.1.10", action="failed") -> BounceKind.NO_SUCH_ADDRESS

The codes are RFC 3463 enhanced status codes as Exchange Online and other servers report them
(Microsoft documents each of these in "Email non-delivery reports and SMTP errors in Exchange
Online"). Ours to act on are the ones that say the address is gone, that the far side refuses
outside senders, that our own mailbox hit its quota, or that our account or tenant is blocked.
"""

from __future__ import annotations

import re

from briefcast.store.schema import BounceKind

# An enhanced status code anywhere in a line of text (a Diagnostic-Code, an NDR's body).
CODE = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")

NO_SUCH_ADDRESS = frozenset({"5.1.1", "5.1.10", "5.4.1"})
REFUSED = frozenset({"5.7.1", "5.7.124", "5.7.133", "5.7.134"})
OUR_QUOTA = frozenset({"5.2.2", "5.1.90"})
WE_ARE_BLOCKED = frozenset({"5.1.8"})  # and 5.7.500-599, 5.7.700-709, below


def normalise(code: str | None) -> str | None:
    """ "5.01.001" and " 5.1.1 " alike as "5.1.1"; None for anything that is not a code."""
    found = CODE.search(code or "")
    if not found:
        return None
    return ".".join(str(int(part)) for part in found.groups())


def find_code(text: str | None) -> str | None:
    """The first enhanced status code in free text (a Diagnostic-Code: "smtp; 550 5.1.10 ...")."""
    return normalise(text)


def kind_of(code: str | None, *, action: str = "failed") -> BounceKind:
    """The kind of a report for one recipient; `action` is the DSN's (failed, delayed, ...)."""
    if action.lower() == "delayed":
        return BounceKind.DELAYED
    code = normalise(code)
    if code is None:
        return BounceKind.OTHER
    klass, subject, detail = (int(part) for part in code.split("."))
    if klass == 4:
        return BounceKind.SOFT
    if klass != 5:
        return BounceKind.OTHER
    if code in NO_SUCH_ADDRESS:
        return BounceKind.NO_SUCH_ADDRESS
    if code in REFUSED:
        return BounceKind.REFUSED
    if code in OUR_QUOTA:
        return BounceKind.OUR_QUOTA
    if code in WE_ARE_BLOCKED or (subject == 7 and (500 <= detail <= 599 or 700 <= detail <= 709)):
        return BounceKind.WE_ARE_BLOCKED
    return BounceKind.OTHER
