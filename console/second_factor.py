"""The second factor: TOTP codes (RFC 6238, 30 seconds, 6 digits) from an authenticator app, and
the QR code that gives the app its secret, drawn here as SVG (no outside service sees it)."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pyotp
import segno

ISSUER = "briefcast console"
STEP = 30  # seconds: what every authenticator app uses
DRIFT = 1  # steps either side accepted: a phone's clock a little off, a code typed slowly
_SECRET = re.compile(r"[A-Z2-7]{32}")


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, the length RFC 4226 recommends


def is_secret(text: str) -> bool:
    return bool(_SECRET.fullmatch(text))


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code this is (within DRIFT of now), or None. The caller records the
    step so the same code cannot be used again."""
    code = re.sub(r"\s", "", code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret, interval=STEP)
    current = int(now.timestamp()) // STEP
    for step in range(current - DRIFT, current + DRIFT + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def app_link(secret: str, email: str) -> str:
    """The otpauth:// link an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, interval=STEP).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(link: str) -> str:
    """The link as an inline SVG QR code (dark on white, with the quiet zone apps need)."""
    out = io.BytesIO()
    segno.make(link, error="m").save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        scale=4,
        dark="#1a1a1a",
        light="#ffffff",
        title="QR code for your authenticator app",
        svgclass="qr",
    )
    return out.getvalue().decode("ascii")


def spaced(secret: str) -> str:
    """The secret in groups of four, as a person types it into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
