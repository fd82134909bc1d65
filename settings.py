"""One typed settings object, read once at the entry point and passed down.

Values come from the environment (`BRIEFCAST_*`) and, optionally, a TOML settings file named by
`BRIEFCAST_SETTINGS` (keys as the variable names without the prefix, lower case); the
environment wins. Secrets (the SMTP password, the secret key) are read from the environment only,
so a settings file can be committed or shared without leaking them. Everything is validated here,
at start, so a wrong value is a one-line error before anything is sent, not a failure mid-send.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
import tomllib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from briefcast.errors import BriefcastError, os_reason

TRANSPORTS = ("outbox", "smtp", "graph", "memory")
SMTP_SECURITY = ("starttls", "tls", "none")
SECRETS = frozenset(
    {
        "SMTP_PASSWORD",
        "SECRET_KEY",
        "OAUTH_CLIENT_SECRET",
        "BOUNCE_IMAP_PASSWORD",
        "OIDC_CLIENT_SECRET",
    }
)
# How the smtp transport logs in: a password, or an OAuth 2.0 token (SASL XOAUTH2).
SMTP_AUTH = ("password", "oauth2")
# Microsoft's token endpoint; BRIEFCAST_OAUTH_TOKEN_URL replaces it (any OAuth 2.0 provider).
MICROSOFT_TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
GRAPH_URL = "https://graph.microsoft.com"
# Entra ID's issuer for one tenant (v2.0 tokens); BRIEFCAST_OIDC_ISSUER replaces it.
MICROSOFT_ISSUER = "https://login.microsoftonline.com/{tenant}/v2.0"
OIDC_METADATA_PATH = "/.well-known/openid-configuration"
CONSOLE_2FA = ("required", "optional")
IMAP_SECURITY = ("tls", "starttls", "none")
IMAP_AUTH = ("password", "oauth2")
# Where delivery reports are read: the sending mailbox over IMAP, or through Microsoft Graph (for
# tenants that turned IMAP off). Chosen explicitly, never from the transport: reading needs its
# own permission (Mail.ReadWrite), which a tenant sending through Graph may not have granted.
BOUNCE_SOURCES = ("imap", "graph")
DONE_FOLDER = "briefcast/processed"
# The key signs every link and salts the erased people's hashes: guessable if short.
SECRET_KEY_MIN_LENGTH = 32

# Relay presets: what the provider enforces, so a send never trips its throttling.
# Microsoft 365 (Exchange Online): 30 messages a minute, 10,000 recipients a day per mailbox.
RELAY_PRESETS: dict[str, tuple[int, int]] = {"microsoft365": (30, 10_000)}
# SMTP connections per worker to a relay without a preset (BRIEFCAST_SMTP_CONNECTIONS).
SMTP_CONNECTIONS = 4


class SettingsError(BriefcastError):
    pass


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "starttls" (port 587), "tls" (implicit TLS, port 465) or "none" (a local relay)
    username: str | None
    password: str | None = field(repr=False)
    timeout: float  # seconds for connect and each command: a stalled relay must not hang a send
    # "password", or "oauth2": log in as `username` (the sending mailbox) with a token (XOAUTH2).
    auth: str = "password"
    # Connections a worker opens to the relay at once, each sending its own messages: a relay
    # that answers each message in tens of milliseconds is then no longer the bottleneck.
    connections: int = 1


@dataclass(frozen=True)
class OAuthSettings:
    """The app briefcast signs in as (client credentials): for SMTP's XOAUTH2 and for Graph."""

    token_url: str  # Microsoft's for the tenant, or BRIEFCAST_OAUTH_TOKEN_URL
    client_id: str
    # One of the two: a client secret (environment only), or a PEM file with the private key
    # (and its certificate) for a signed client assertion (RFC 7523).
    client_secret: str | None = field(default=None, repr=False)
    certificate_file: Path | None = None
    # The certificate's SHA-1 or SHA-256 thumbprint (hex), as the app registration shows it.
    certificate_thumbprint: str | None = None
    # The scope asked for, instead of Microsoft's for the transport (another OAuth 2.0 provider).
    scope: str | None = None


@dataclass(frozen=True)
class OidcSettings:
    """Staff sign-in to the console with their work account (OpenID Connect, one tenant)."""

    tenant: str  # the directory (tenant) id: every ID token's `tid` must be exactly this
    client_id: str  # the app registration's client id: every ID token's `aud`
    client_secret: str = field(repr=False)  # environment only
    issuer: str = ""  # Entra's for the tenant, or BRIEFCAST_OIDC_ISSUER (another provider)
    metadata_url: str = ""  # the issuer's discovery document, or BRIEFCAST_OIDC_METADATA_URL
    timeout: float = 15.0  # seconds for each request to the provider


@dataclass(frozen=True)
class GraphSettings:
    mailbox: str  # the mailbox that sends (POST /users/{mailbox}/sendMail)
    url: str = GRAPH_URL  # BRIEFCAST_GRAPH_URL: another endpoint (a test server, a national cloud)
    timeout: float = 30.0  # seconds for each request


@dataclass(frozen=True)
class BounceSettings:
    """The sending mailbox, read over IMAP for delivery reports (`briefcast bounces fetch`)."""

    source: ClassVar[str] = "imap"

    host: str
    port: int
    security: str  # "tls" (implicit, port 993), "starttls" (143) or "none" (this machine only)
    username: str  # the sending mailbox
    password: str | None = field(repr=False)  # with auth "password"; from the environment only
    auth: str = "password"  # or "oauth2": SASL XOAUTH2 with a token (bounces/reader.py)
    folder: str = "INBOX"  # where the reports arrive
    done_folder: str = DONE_FOLDER  # where read reports go, so a fetch is idempotent
    timeout: float = 30.0


@dataclass(frozen=True)
class GraphBounceSettings:
    """The sending mailbox, read through Microsoft Graph for delivery reports (Mail.ReadWrite)."""

    source: ClassVar[str] = "graph"
    mailbox: str  # the mailbox's address or user id (GET /users/{mailbox}/mailFolders/...)
    url: str = GRAPH_URL  # BRIEFCAST_GRAPH_URL, shared with the graph transport
    # Paths as over IMAP on Exchange, "/" between levels: "inbox" is the well-known Inbox (its
    # display name is in the mailbox's language), the rest are display names under the top.
    folder: str = "inbox"
    done_folder: str = DONE_FOLDER
    timeout: float = 30.0  # seconds for each request (BRIEFCAST_GRAPH_TIMEOUT)


@dataclass(frozen=True)
class RateLimits:
    per_minute: int | None = None  # messages in any rolling 60 seconds
    per_day: int | None = None  # recipients in any rolling 24 hours


@dataclass(frozen=True)
class DkimSettings:
    key_file: Path  # PEM private key; a path, not the key, so it can live outside any file we keep
    selector: str
    domain: str


@dataclass(frozen=True)
class Settings:
    # Where everything is stored; any SQLAlchemy URL. SQLite under ./var/ by default.
    database_url: str
    # The Maildir folder the `outbox` transport writes to (the embedded default transport).
    outbox: Path
    # Public address of the web endpoints (unsubscribe, acknowledge, web view) used in every link.
    base_url: str
    # Where files holding personal data are written for people (the rejected rows of imports):
    # owner-only, never beside an agency's file. Default: `reports` next to the SQLite database,
    # else in the working directory. `recipients forget` looks here for files naming the person.
    reports: Path = Path("reports")
    # Signs the tokens in links and keys the hash kept for erased people. Optional: without it a
    # random key is made once and kept in the database (fine for one machine; set it when the web
    # endpoints run elsewhere). Once people have been erased it must not change.
    secret_key: str | None = field(default=None, repr=False)
    # How messages leave: "outbox" (Maildir, the default), "smtp" (a relay), "graph" (Microsoft
    # Graph's sendMail) or "memory" (tests).
    transport: str = "outbox"
    smtp: SmtpSettings | None = None
    graph: GraphSettings | None = None
    # The OAuth 2.0 app, when smtp logs in with oauth2 or the transport is graph.
    oauth: OAuthSettings | None = None
    # Delivery reports read back from the sending mailbox, over IMAP or through Graph
    # (BRIEFCAST_BOUNCE_SOURCE); None when neither is set up (then `bounces fetch` says so, and
    # the worker does not look).
    bounces: BounceSettings | GraphBounceSettings | None = None
    limits: RateLimits = RateLimits()
    dkim: DkimSettings | None = None
    # An issue whose time passed while no worker ran is still sent if at most this late...
    grace_period: timedelta = timedelta(hours=6)
    # ...and only inside these local hours; otherwise it is marked missed and waits for a person.
    sending_hours: tuple[time, time] = (time(7, 0), time(19, 0))
    # Tells this worker's claims apart. The host name by default: stable across restarts, so a
    # restarted worker takes back at once the claims its crashed predecessor left. Two workers on
    # one machine need their own.
    worker_id: str = field(default_factory=socket.gethostname)
    # Show the traceback of an internal error instead of the one-line "this is a bug" message.
    debug: bool = False
    # The staff console's own address (`briefcast console`), kept apart from base_url so it can
    # stay on the internal network; set-up links point here. Cookies are Secure when it is https.
    console_url: str = "http://localhost:8026"
    # "required": every person signs in with a password and a code from an authenticator app;
    # "optional": the code only for those who set one up (a trial, a one-machine install).
    console_2fa: str = "required"
    # The approver of a series must not be someone who edited it since it was last approved;
    # false lets a one-person team approve its own, and each such approval is marked.
    four_eyes: bool = True
    # A console session ends after this long without a request, and after this long whatever.
    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=12)
    # Staff sign-in with the work account (Entra ID), when BRIEFCAST_OIDC_TENANT is set.
    oidc: OidcSettings | None = None
    # The email-and-password form on Sign in; false leaves only the work account (needs oidc).
    console_password_sign_in: bool = True

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, workdir: Path | None = None
    ) -> Settings:
        env = _Source(os.environ if environ is None else environ)
        root = Path.cwd() if workdir is None else workdir
        transport = env.choice("TRANSPORT", TRANSPORTS, "outbox")
        database_url = env.get("DATABASE_URL") or f"sqlite:///{root / 'var' / 'briefcast.db'}"
        smtp = _smtp(env) if transport == "smtp" else None
        bounces = _bounces(env)
        # Who needs an OAuth app: the Graph transport, SMTP with XOAUTH2, IMAP with XOAUTH2.
        oauth_for = (
            "BRIEFCAST_TRANSPORT is graph"
            if transport == "graph"
            else "BRIEFCAST_SMTP_AUTH is oauth2"
            if smtp and smtp.auth == "oauth2"
            else "BRIEFCAST_BOUNCE_IMAP_AUTH is oauth2"
            if isinstance(bounces, BounceSettings) and bounces.auth == "oauth2"
            else "BRIEFCAST_BOUNCE_SOURCE is graph"
            if isinstance(bounces, GraphBounceSettings)
            else None
        )
        settings = cls(
            database_url=database_url,
            outbox=Path(env.get("OUTBOX") or root / "var" / "outbox"),
            base_url=_base_url(env.get("BASE_URL") or "http://localhost:8025"),
            reports=Path(env.get("REPORTS") or _reports_default(database_url, root)),
            secret_key=_secret_key(env.get("SECRET_KEY")),
            transport=transport,
            smtp=smtp,
            graph=_graph(env) if transport == "graph" else None,
            oauth=_oauth(env, oauth_for) if oauth_for else None,
            bounces=bounces,
            limits=_limits(env, transport),
            dkim=_dkim(env),
            grace_period=timedelta(hours=env.number("GRACE_HOURS", 6, minimum=0)),
            sending_hours=_hours(env.get("SENDING_HOURS") or "07:00-19:00"),
            worker_id=_worker_id(env.get("WORKER_ID")),
            debug=debug_enabled(environ),
            console_url=_url("CONSOLE_URL", env.get("CONSOLE_URL") or "http://localhost:8026"),
            console_2fa=env.choice("CONSOLE_2FA", CONSOLE_2FA, "required"),
            four_eyes=env.flag("FOUR_EYES", True),
            session_idle=timedelta(minutes=env.number("SESSION_IDLE_MINUTES", 30)),
            session_absolute=timedelta(hours=env.number("SESSION_HOURS", 12)),
            oidc=_oidc(env),
            console_password_sign_in=_password_sign_in(env),
        )
        for warning in settings.warnings():
            print(f"warning: {warning}", file=sys.stderr)
        return settings

    def warnings(self) -> list[str]:
        """Settings that work but put people at risk: said once, on stderr, at start."""
        host = urlsplit(self.base_url).hostname or ""
        if self.base_url.startswith("http://") and not _is_loopback(host):
            return [
                f"BRIEFCAST_BASE_URL is {self.base_url}: links in emails will travel unencrypted "
                "and Gmail and Yahoo offer no one-click unsubscribe without https; use https:// "
                "(a reverse proxy with HTTPS) outside a test"
            ]
        return []


def debug_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """BRIEFCAST_DEBUG: also read on its own, by the error handler of a command whose settings
    could not be loaded."""
    value = (os.environ if environ is None else environ).get("BRIEFCAST_DEBUG", "")
    return value.strip().lower() not in {"", "0", "false", "no", "off"}


class _Source:
    """BRIEFCAST_* values: the environment first, then the settings file, each checked on read."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.file = _settings_file(environ.get("BRIEFCAST_SETTINGS"))

    def get(self, name: str) -> str | None:
        value = self.environ.get(f"BRIEFCAST_{name}")
        if value is None and name not in SECRETS:
            value = self.file.get(name.lower())
        if value is None:
            return None
        return str(value).strip() or None  # set but empty counts as not set

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = (self.get(name) or default).lower()
        if value not in allowed:
            raise SettingsError(
                f"BRIEFCAST_{name} must be one of {', '.join(allowed)}, not {value!r}"
            )
        return value

    def flag(self, name: str, default: bool) -> bool:
        value = self.get(name)
        if value is None:
            return default
        answer = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        if value.lower() not in answer:
            raise SettingsError(f"BRIEFCAST_{name} must be true or false, not {value!r}")
        return answer[value.lower()]

    def number(self, name: str, default: float | None, *, minimum: float = 1) -> float | None:
        value = self.get(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise SettingsError(f"BRIEFCAST_{name} must be a number, not {value!r}") from None
        if number < minimum:
            raise SettingsError(f"BRIEFCAST_{name} must be at least {minimum:g}, not {value}")
        return number


def _settings_file(path: str | None) -> dict[str, object]:
    if not path:
        return {}
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise SettingsError(f"{path}: cannot read the settings file ({os_reason(error)})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: not a valid TOML settings file ({error})") from None
    secrets = sorted(key for key in data if key.upper() in SECRETS)
    if secrets:
        raise SettingsError(
            f"{path}: {', '.join(secrets)} must not be kept in a file; "
            f"set BRIEFCAST_{secrets[0].upper()} in the environment instead"
        )
    return data


def _base_url(value: str) -> str:
    return _url("BASE_URL", value)


def _url(name: str, value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise SettingsError(f"BRIEFCAST_{name} must start with http:// or https://, not {value!r}")
    if "@" in urlsplit(value).netloc:
        # A base URL is in every email, a console URL in every set-up link.
        raise SettingsError(
            f"BRIEFCAST_{name} must not hold a user name or password (it is in every link)"
        )
    return value.rstrip("/")


def _secret_key(value: str | None) -> str | None:
    if value is not None and len(value) < SECRET_KEY_MIN_LENGTH:
        raise SettingsError(
            f"BRIEFCAST_SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters, not "
            f"{len(value)}; make one with: python3 -c 'import secrets; print(secrets.token_hex())'"
        )
    return value


def _reports_default(database_url: str, root: Path) -> Path:
    prefix = "sqlite:///"
    path = database_url[len(prefix) :] if database_url.startswith(prefix) else ""
    if path and path != ":memory:" and not path.startswith("file:"):
        return Path(path).parent / "reports"
    return root / "reports"


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _smtp(env: _Source) -> SmtpSettings:
    host = env.get("SMTP_HOST")
    if not host:
        raise SettingsError("BRIEFCAST_TRANSPORT is smtp but BRIEFCAST_SMTP_HOST is not set")
    security = env.choice("SMTP_SECURITY", SMTP_SECURITY, "starttls")
    default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
    auth = env.choice("SMTP_AUTH", SMTP_AUTH, "password")
    username, password = env.get("SMTP_USERNAME"), env.get("SMTP_PASSWORD")
    if auth == "oauth2" and (not username or password):
        raise SettingsError(
            "BRIEFCAST_SMTP_AUTH is oauth2: set BRIEFCAST_SMTP_USERNAME to the sending mailbox "
            "and leave BRIEFCAST_SMTP_PASSWORD unset (the token replaces it)"
        )
    if auth == "password" and bool(username) != bool(password):
        raise SettingsError(
            "set both BRIEFCAST_SMTP_USERNAME and BRIEFCAST_SMTP_PASSWORD, or neither"
        )
    if (password or auth == "oauth2") and security == "none" and not _is_loopback(host):
        raise SettingsError(
            f"BRIEFCAST_SMTP_SECURITY is none: the {'password' if password else 'token'} would "
            f"cross the network to {host} unencrypted; use starttls or tls (none is for a relay "
            "on this machine)"
        )
    return SmtpSettings(
        host=host,
        port=int(env.number("SMTP_PORT", default_port)),
        security=security,
        username=username,
        password=password,
        timeout=env.number("SMTP_TIMEOUT", 30),
        auth=auth,
        connections=int(env.number("SMTP_CONNECTIONS", _default_connections(env))),
    )


# The variables of each bounce source, so one left over from the other is refused, not ignored.
_BOUNCE_VARIABLES = {
    "imap": (
        "BOUNCE_IMAP_HOST",
        "BOUNCE_IMAP_PORT",
        "BOUNCE_IMAP_SECURITY",
        "BOUNCE_IMAP_USERNAME",
        "BOUNCE_IMAP_PASSWORD",
        "BOUNCE_IMAP_AUTH",
        "BOUNCE_IMAP_FOLDER",
        "BOUNCE_IMAP_DONE_FOLDER",
        "BOUNCE_IMAP_TIMEOUT",
    ),
    "graph": ("BOUNCE_GRAPH_MAILBOX", "BOUNCE_GRAPH_FOLDER", "BOUNCE_GRAPH_DONE_FOLDER"),
}


def _bounces(env: _Source) -> BounceSettings | GraphBounceSettings | None:
    if not env.get("BOUNCE_SOURCE") and not env.get("BOUNCE_IMAP_HOST"):
        stray = [name for name in _BOUNCE_VARIABLES["graph"] if env.get(name)]
        if stray:
            raise SettingsError(
                f"BRIEFCAST_{stray[0]} is set but BRIEFCAST_BOUNCE_SOURCE is not: set "
                "BRIEFCAST_BOUNCE_SOURCE=graph to read the reports through Microsoft Graph"
            )
        return None  # nothing set up: reports are not read
    source = env.choice("BOUNCE_SOURCE", BOUNCE_SOURCES, "imap")
    other = next(name for name in BOUNCE_SOURCES if name != source)
    stray = [name for name in _BOUNCE_VARIABLES[other] if env.get(name)]
    if stray:
        raise SettingsError(
            f"BRIEFCAST_{stray[0]} is set but BRIEFCAST_BOUNCE_SOURCE is {source}: unset it, "
            f"or set BRIEFCAST_BOUNCE_SOURCE={other}"
        )
    return _imap_bounces(env) if source == "imap" else _graph_bounces(env)


def _imap_bounces(env: _Source) -> BounceSettings:
    host = env.get("BOUNCE_IMAP_HOST")
    if not host:
        raise SettingsError(
            "BRIEFCAST_BOUNCE_SOURCE is imap but BRIEFCAST_BOUNCE_IMAP_HOST is not set"
        )
    security = env.choice("BOUNCE_IMAP_SECURITY", IMAP_SECURITY, "tls")
    auth = env.choice("BOUNCE_IMAP_AUTH", IMAP_AUTH, "password")
    username, password = env.get("BOUNCE_IMAP_USERNAME"), env.get("BOUNCE_IMAP_PASSWORD")
    if not username:
        raise SettingsError(
            "BRIEFCAST_BOUNCE_IMAP_HOST is set but BRIEFCAST_BOUNCE_IMAP_USERNAME is not"
        )
    if auth == "password" and not password:
        raise SettingsError(
            "BRIEFCAST_BOUNCE_IMAP_PASSWORD is not set (or set BRIEFCAST_BOUNCE_IMAP_AUTH=oauth2)"
        )
    if security == "none" and not _is_loopback(host):
        raise SettingsError(
            f"BRIEFCAST_BOUNCE_IMAP_SECURITY is none: the login would cross the network to {host} "
            "unencrypted; use tls or starttls (none is for a server on this machine)"
        )
    folder, done = _bounce_folders(env, "BOUNCE_IMAP_", "INBOX")
    return BounceSettings(
        host=host,
        port=int(
            env.number("BOUNCE_IMAP_PORT", {"tls": 993, "starttls": 143, "none": 143}[security])
        ),
        security=security,
        username=username,
        password=password,
        auth=auth,
        folder=folder,
        done_folder=done,
        timeout=env.number("BOUNCE_IMAP_TIMEOUT", 30),
    )


def _graph_bounces(env: _Source) -> GraphBounceSettings:
    # The reports arrive in the mailbox that sent the messages: the graph transport's, if set.
    mailbox = env.get("BOUNCE_GRAPH_MAILBOX") or env.get("GRAPH_MAILBOX")
    if not mailbox or not _is_mailbox(mailbox, user_id=True):
        raise SettingsError(
            "BRIEFCAST_BOUNCE_SOURCE is graph: set BRIEFCAST_BOUNCE_GRAPH_MAILBOX to the sending "
            f"mailbox's address or user id, not {mailbox!r}"
        )
    folder, done = _bounce_folders(env, "BOUNCE_GRAPH_", "inbox")
    return GraphBounceSettings(
        mailbox=mailbox,
        url=_secure_url("GRAPH_URL", env.get("GRAPH_URL") or GRAPH_URL),
        folder=folder,
        done_folder=done,
        timeout=env.number("GRAPH_TIMEOUT", 30),
    )


def _bounce_folders(env: _Source, prefix: str, default: str) -> tuple[str, str]:
    """The folder reports arrive in and the done folder, for either source: "/" between levels."""
    folder = env.get(f"{prefix}FOLDER") or default
    done = env.get(f"{prefix}DONE_FOLDER") or DONE_FOLDER
    for name, path in (("FOLDER", folder), ("DONE_FOLDER", done)):
        if "" in path.strip("/").split("/") or not path.isprintable():
            raise SettingsError(
                f"BRIEFCAST_{prefix}{name} must be folder names with / between levels, not {path!r}"
            )
    if done.strip("/").lower() == folder.strip("/").lower():
        raise SettingsError(
            f"BRIEFCAST_{prefix}DONE_FOLDER must differ from BRIEFCAST_{prefix}FOLDER, "
            "or every fetch would read the same reports again"
        )
    return folder.strip("/"), done.strip("/")


def _is_mailbox(value: str, *, user_id: bool = False) -> bool:
    """An address (what Graph's /users/{...} takes), or with `user_id` also an Entra user id."""
    if not value.isprintable() or any(c in value for c in " /\\?#"):
        return False
    if "@" in value:
        return True
    try:
        return user_id and bool(uuid.UUID(value))
    except ValueError:
        return False


def _default_connections(env: _Source) -> int:
    # Exchange Online allows few concurrent connections per mailbox and 30 messages a minute,
    # which one connection already carries; other relays (Postfix, Exchange on premises) take
    # several at once.
    preset = (env.get("RELAY_PRESET") or "").lower()
    return 1 if preset == "microsoft365" else SMTP_CONNECTIONS


def _oauth(env: _Source, why: str) -> OAuthSettings:
    client_id, tenant = env.get("OAUTH_CLIENT_ID"), env.get("OAUTH_TENANT")
    secret, certificate = env.get("OAUTH_CLIENT_SECRET"), env.get("OAUTH_CERTIFICATE_FILE")
    token_url = env.get("OAUTH_TOKEN_URL")
    if not client_id:
        raise SettingsError(f"{why} but BRIEFCAST_OAUTH_CLIENT_ID (the app's client id) is not set")
    if token_url:
        token_url = _secure_url("OAUTH_TOKEN_URL", token_url)
    elif not tenant:
        raise SettingsError(
            f"{why} but BRIEFCAST_OAUTH_TENANT (the directory (tenant) id or domain) is not set"
        )
    elif not tenant.replace("-", "").replace(".", "").isalnum():
        raise SettingsError(f"BRIEFCAST_OAUTH_TENANT must be a tenant id or domain, not {tenant!r}")
    else:
        token_url = MICROSOFT_TOKEN_URL.format(tenant=tenant)
    if bool(secret) == bool(certificate):
        raise SettingsError(
            "set one of BRIEFCAST_OAUTH_CLIENT_SECRET (in the environment) and "
            "BRIEFCAST_OAUTH_CERTIFICATE_FILE, not both or neither"
        )
    if certificate and not Path(certificate).is_file():
        raise SettingsError(f"BRIEFCAST_OAUTH_CERTIFICATE_FILE: no such file {certificate!r}")
    return OAuthSettings(
        token_url=token_url,
        client_id=client_id,
        client_secret=secret,
        certificate_file=Path(certificate) if certificate else None,
        certificate_thumbprint=env.get("OAUTH_CERTIFICATE_THUMBPRINT"),
        scope=env.get("OAUTH_SCOPE"),
    )


def _graph(env: _Source) -> GraphSettings:
    mailbox = env.get("GRAPH_MAILBOX")
    if not mailbox or not _is_mailbox(mailbox):
        raise SettingsError(
            "BRIEFCAST_TRANSPORT is graph: set BRIEFCAST_GRAPH_MAILBOX to the sending mailbox's "
            f"address, not {mailbox!r}"
        )
    return GraphSettings(
        mailbox=mailbox,
        url=_secure_url("GRAPH_URL", env.get("GRAPH_URL") or GRAPH_URL),
        timeout=env.number("GRAPH_TIMEOUT", 30),
    )


def is_secure_url(value: str) -> bool:
    """https, or plain http to this machine only (a test server): for URLs that carry secrets,
    named in the settings or learnt from a provider (an OpenID provider's endpoints)."""
    parts = urlsplit(value)
    if parts.scheme == "http":
        return _is_loopback(parts.hostname or "")
    return parts.scheme == "https" and bool(parts.hostname)


def _secure_url(name: str, value: str) -> str:
    if not is_secure_url(value):
        raise SettingsError(
            f"BRIEFCAST_{name} must be an https:// URL (http:// only to this machine), "
            f"not {value!r}"
        )
    return value.rstrip("/")


def _oidc(env: _Source) -> OidcSettings | None:
    tenant = env.get("OIDC_TENANT")
    client_id, secret = env.get("OIDC_CLIENT_ID"), env.get("OIDC_CLIENT_SECRET")
    if not tenant:
        if client_id or secret:
            raise SettingsError(
                f"BRIEFCAST_OIDC_{'CLIENT_ID' if client_id else 'CLIENT_SECRET'} is set but "
                "BRIEFCAST_OIDC_TENANT (the directory (tenant) id) is not: set it too, or neither "
                "for password sign-in only"
            )
        return None
    try:
        tenant = str(uuid.UUID(tenant))
    except ValueError:
        # Tokens name the tenant by its id (`tid`), never by a domain, and it is compared as is.
        raise SettingsError(
            "BRIEFCAST_OIDC_TENANT must be the directory (tenant) id, a GUID such as "
            f"00000000-0000-0000-0000-000000000000, not {tenant!r}"
        ) from None
    if not client_id or not secret:
        raise SettingsError(
            "BRIEFCAST_OIDC_TENANT is set: set BRIEFCAST_OIDC_CLIENT_ID and, in the environment, "
            "BRIEFCAST_OIDC_CLIENT_SECRET (the app registration's)"
        )
    issuer = env.get("OIDC_ISSUER")
    issuer = (
        _secure_url("OIDC_ISSUER", issuer) if issuer else MICROSOFT_ISSUER.format(tenant=tenant)
    )
    metadata = env.get("OIDC_METADATA_URL")
    return OidcSettings(
        tenant=tenant,
        client_id=client_id,
        client_secret=secret,
        issuer=issuer,
        metadata_url=_secure_url("OIDC_METADATA_URL", metadata)
        if metadata
        else issuer + OIDC_METADATA_PATH,
        timeout=env.number("OIDC_TIMEOUT", 15),
    )


def _password_sign_in(env: _Source) -> bool:
    allowed = env.flag("CONSOLE_PASSWORD_SIGN_IN", True)
    if not allowed and not env.get("OIDC_TENANT"):
        raise SettingsError(
            "BRIEFCAST_CONSOLE_PASSWORD_SIGN_IN is false but BRIEFCAST_OIDC_TENANT is not set: "
            "nobody could sign in to the console"
        )
    return allowed


def _limits(env: _Source, transport: str) -> RateLimits:
    # Graph sends from an Exchange Online mailbox, so Exchange's sending limits apply to it.
    preset = env.get("RELAY_PRESET") or ("microsoft365" if transport == "graph" else None)
    per_minute, per_day = None, None
    if preset:
        if preset.lower() not in RELAY_PRESETS:
            raise SettingsError(
                f"BRIEFCAST_RELAY_PRESET must be one of {', '.join(RELAY_PRESETS)}, not {preset!r}"
            )
        per_minute, per_day = RELAY_PRESETS[preset.lower()]
    minute, day = env.number("MAX_PER_MINUTE", per_minute), env.number("MAX_PER_DAY", per_day)
    return RateLimits(
        per_minute=int(minute) if minute is not None else None,
        per_day=int(day) if day is not None else None,
    )


def _dkim(env: _Source) -> DkimSettings | None:
    key_file = env.get("DKIM_KEY_FILE")
    if not key_file:
        return None
    selector, domain = env.get("DKIM_SELECTOR"), env.get("DKIM_DOMAIN")
    if not selector or not domain:
        raise SettingsError("BRIEFCAST_DKIM_KEY_FILE needs BRIEFCAST_DKIM_SELECTOR and _DOMAIN too")
    if not Path(key_file).is_file():
        raise SettingsError(f"BRIEFCAST_DKIM_KEY_FILE: no such file {key_file!r}")
    return DkimSettings(key_file=Path(key_file), selector=selector, domain=domain)


def _worker_id(value: str | None) -> str:
    worker = value or socket.gethostname()
    if len(worker) > 90 or not worker.isprintable():
        raise SettingsError(
            f"BRIEFCAST_WORKER_ID must be printable and at most 90 characters, not {worker!r}"
        )
    return worker


def _hours(value: str) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise SettingsError(
            f"BRIEFCAST_SENDING_HOURS must look like 07:00-19:00, not {value!r}"
        ) from None
    if start >= end:
        raise SettingsError(f"BRIEFCAST_SENDING_HOURS must end after it starts, not {value!r}")
    return start, end
