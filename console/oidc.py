"""Signing in to the console with the work account: OpenID Connect's authorization code flow with
PKCE, state and nonce, against one tenant (Entra ID, or any provider named by the settings).

    url, pending = start(settings)                      # send the browser to url; keep pending
    outcome = finish(engine, settings, pending, query)  # the provider sent it back with ?code=
    outcome.user -> sign in (no TOTP: the second factor is the provider's); else outcome.refusal

The ID token is checked here (signature by the provider's JWKS, issuer, audience, expiry, nonce,
and `tid` equal to the configured tenant), then the person is found by (tid, oid) alone, which an
admin linked with `link_person` (`briefcast users link`). The email claim is never used: another
tenant's admin can put anyone's address in it. Roles stay in briefcast. Every sign-in and every
refusal is an audit row. The provider's documents are fetched at each sign-in (a rare event), so
a rotated signing key is simply the next sign-in's key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from briefcast.console.accounts import AccountError, NoSuchPerson, staff_email
from briefcast.delivery.https import Unreachable, get, post
from briefcast.errors import BriefcastError
from briefcast.settings import OidcSettings, Settings, is_secure_url
from briefcast.store import staff
from briefcast.store.audit import Actor, record
from briefcast.store.engine import read, write
from briefcast.store.staff import StaffUser

CALLBACK_PATH = "/sign-in/work-account/back"
CONSOLE = Actor.process("console sign-in")
LEEWAY = 60  # seconds of clock difference allowed on the token's times
ALGORITHMS = ["RS256"]  # what Entra ID signs with; "none" and HMAC are never accepted


class ProviderError(BriefcastError):
    """The provider could not be asked, or answered something unusable: one line why."""


@dataclass(frozen=True)
class Pending:
    """What the browser carries (in a signed cookie) between leaving for the provider and
    coming back: the values the answer must match."""

    state: str
    nonce: str
    verifier: str  # the PKCE code verifier; only its S256 hash went to the provider


@dataclass(frozen=True)
class Outcome:
    user: StaffUser | None = None  # signed in
    refusal: str | None = None  # one line for the Sign in page


def start(settings: Settings) -> tuple[str, Pending]:
    """Where to send the browser to sign in, and what to keep until it comes back."""
    oidc = _configured(settings)
    endpoints = _metadata(oidc)
    pending = Pending(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(64),  # 86 characters: within RFC 7636's 43-128
    )
    query = {
        "client_id": oidc.client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri(settings),
        # The ID token's tid and oid are all we read; Entra ID puts oid in it only with profile.
        "scope": "openid profile",
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": _challenge(pending.verifier),
        "code_challenge_method": "S256",
        "prompt": "select_account",  # a shared computer: the person picks who they are
    }
    return f"{endpoints['authorization_endpoint']}?{urlencode(query)}", pending


def finish(
    engine: Engine, settings: Settings, pending: Pending | None, query: Mapping[str, str]
) -> Outcome:
    """The provider's answer (the callback's query) turned into a signed-in person or a refusal;
    either way written to the audit trail."""
    oidc = _configured(settings)
    if pending is None or not _same(query.get("state", ""), pending.state):
        return _refused(None, "the answer did not match a sign-in started here", _STARTED_ELSEWHERE)
    if query.get("error"):
        code = "".join(c for c in query["error"][:60] if c.isalnum() or c in "_.-")
        return _refused(
            engine, f"the provider answered {code}", _PROVIDER_REFUSED.format(code=code)
        )
    if not query.get("code"):
        return _refused(None, "the provider sent no code", _STARTED_ELSEWHERE)
    try:
        claims = _id_token(oidc, settings, query["code"], pending)
    except ProviderError as error:
        return _refused(engine, str(error), _NOT_VERIFIED)
    tid, oid = claims["tid"], claims["oid"]
    with read(engine) as conn:
        user = staff.user_by_work_account(conn, tid, oid)
    if user is None:
        return _refused(engine, "not linked", _NOT_LINKED.format(oid=oid), subject=oid)
    if user.disabled:
        return _refused(engine, "account disabled", _DISABLED, user=user)
    with write(engine) as conn:
        record(
            conn,
            Actor.person(user.name, user.id),
            "user.signed_in",
            subject=user.email,
            details={"work_account": True},
        )
    return Outcome(user=user)


def redirect_uri(settings: Settings) -> str:
    """Where the provider sends the browser back: register exactly this in the app registration."""
    return settings.console_url + CALLBACK_PATH


# -- linking a person to their work account ----------------------------------------------------


def link_person(
    engine: Engine, settings: Settings, email: str, oid: str | None, actor: Actor
) -> StaffUser:
    """Link the person to the work account with this object id in the configured tenant (None:
    unlink). The email is briefcast's own, never matched against the provider's claim."""
    tenant = _configured(settings, AccountError).tenant
    if oid is not None:
        try:
            oid = str(uuid.UUID(oid.strip()))
        except ValueError:
            raise AccountError(
                f"--oid must be the person's object id in Entra ID (a GUID), not {oid!r}"
            ) from None
    email = staff_email(email)
    with write(engine) as conn:
        found = staff.user_by_email(conn, email)
        if found is None:
            raise NoSuchPerson(email)
        holder = staff.user_by_work_account(conn, tenant, oid) if oid else None
        if holder is not None and holder.id != found.user.id:
            raise AccountError(f"{oid} is already linked to {holder.email}: unlink it there first")
        try:
            staff.link_work_account(conn, found.user.id, tenant if oid else None, oid)
        except IntegrityError:  # linked by someone else meanwhile
            raise AccountError(f"{oid} is already linked to another person") from None
        record(
            conn,
            actor,
            "user.work_account_linked" if oid else "user.work_account_unlinked",
            subject=email,
            details={"tid": tenant, "oid": oid} if oid else None,
        )
        return staff.user_by_id(conn, found.user.id).user


# -- the protocol --------------------------------------------------------------------------------


def _id_token(oidc: OidcSettings, settings: Settings, code: str, pending: Pending) -> dict:
    endpoints = _metadata(oidc)
    body = urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri(settings),
            "client_id": oidc.client_id,
            "client_secret": oidc.client_secret,
            "code_verifier": pending.verifier,
        }
    ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    answer = _ask(lambda: post(endpoints["token_endpoint"], body, headers, timeout=oidc.timeout))
    data = answer.json()
    if answer.status != 200 or not isinstance(data.get("id_token"), str):
        why = data.get("error") or f"HTTP {answer.status}"
        raise ProviderError(f"the token endpoint refused the code ({str(why)[:80]})")
    return _verified(oidc, endpoints, data["id_token"], pending)


def _verified(oidc: OidcSettings, endpoints: dict, token: str, pending: Pending) -> dict:
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        keys = _ask(lambda: get(endpoints["jwks_uri"], timeout=oidc.timeout)).json()
        key = next((k for k in jwt.PyJWKSet.from_dict(keys).keys if k.key_id == kid), None)
        if key is None:
            raise ProviderError(f"the ID token's signing key {kid!r} is not in the provider's JWKS")
        claims = jwt.decode(
            token,
            key.key,
            algorithms=ALGORITHMS,
            audience=oidc.client_id,
            issuer=oidc.issuer,
            leeway=LEEWAY,
            options={"require": ["exp", "iat", "iss", "aud", "nonce"]},
        )
    except (jwt.InvalidTokenError, jwt.PyJWKSetError, jwt.PyJWKError) as error:
        raise ProviderError(f"the ID token was refused: {_why(error)}") from None
    if not _same(str(claims["nonce"]), pending.nonce):
        raise ProviderError("the ID token was refused: its nonce is not this sign-in's")
    if claims.get("tid") != oidc.tenant:
        raise ProviderError(f"the ID token is from another tenant ({str(claims.get('tid'))[:64]})")
    oid = claims.get("oid")
    if not isinstance(oid, str) or not 0 < len(oid) <= 64:
        raise ProviderError("the ID token has no object id (oid)")
    return claims


def _metadata(oidc: OidcSettings) -> dict[str, str]:
    """The provider's discovery document: its endpoints, each https (or http to this machine)."""
    data = _ask(lambda: get(oidc.metadata_url, timeout=oidc.timeout)).json()
    if data.get("issuer") != oidc.issuer:
        # OpenID Connect Discovery 4.3: a document for another issuer is not this provider's.
        raise ProviderError(
            f"{oidc.metadata_url} names the issuer {str(data.get('issuer'))[:100]!r}, "
            f"not {oidc.issuer!r}"
        )
    wanted = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    for name in wanted:
        if not isinstance(data.get(name), str) or not is_secure_url(data[name]):
            raise ProviderError(f"{oidc.metadata_url}: {name} is missing or not an https URL")
    return {name: data[name] for name in wanted}


def _ask(call: Any) -> Any:
    try:
        answer = call()
    except Unreachable as error:
        raise ProviderError(f"the sign-in provider could not be reached: {error}") from None
    if answer.status >= 500:
        raise ProviderError(f"the sign-in provider failed (HTTP {answer.status})")
    return answer


def _same(given: str, expected: str) -> bool:
    # As bytes: compare_digest refuses a str with characters beyond ASCII (a forged link's).
    return hmac.compare_digest(given.encode(), expected.encode())


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _why(error: Exception) -> str:
    reasons = {
        jwt.ExpiredSignatureError: "it has expired",
        jwt.InvalidAudienceError: "it is for another app (audience)",
        jwt.InvalidIssuerError: "it is from another issuer",
        jwt.InvalidSignatureError: "its signature does not match the provider's key",
        jwt.ImmatureSignatureError: "it is not valid yet",
    }
    for kind, reason in reasons.items():
        if isinstance(error, kind):
            return reason
    return str(error)[:120] or type(error).__name__


def _configured(settings: Settings, error: type[BriefcastError] = ProviderError) -> OidcSettings:
    if settings.oidc is None:
        raise error("sign-in with the work account is not set up: set BRIEFCAST_OIDC_TENANT")
    return settings.oidc


def _refused(
    engine: Engine | None,
    reason: str,
    message: str,
    *,
    user: StaffUser | None = None,
    subject: str | None = None,
) -> Outcome:
    """A refusal, in the audit trail when it got as far as the provider's token (before that, it
    is a stale or forged link that names nobody)."""
    if engine is not None:
        with write(engine) as conn:
            record(
                conn,
                Actor.person(user.name, user.id) if user else CONSOLE,
                "user.sign_in_refused",
                subject=user.email if user else (f"work account {subject}" if subject else None),
                reason=f"work account: {reason}",
            )
    return Outcome(refusal=message)


_STARTED_ELSEWHERE = (
    "This sign-in has expired or was started in another browser. Start again with the button below"
)
_PROVIDER_REFUSED = "Your work account sign-in did not finish ({code}). Try again, or ask an admin"
_NOT_VERIFIED = (
    "Your work account sign-in could not be checked, so you are not signed in. Try again, or "
    "ask an admin to look at the console's audit trail"
)
_NOT_LINKED = (
    "Your work account is not linked to a console account yet. Ask an admin to link it with: "
    "briefcast users link YOUR-EMAIL --oid {oid}"
)
_DISABLED = "Your console account is disabled. Ask an admin if you need it again"
