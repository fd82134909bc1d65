"""A real SMTP server (aiosmtpd) in another process, with fault injection, for tests.

    from smtp_server import ALWAYS, Faults, SmtpServer

    with SmtpServer() as server:                      # started, accepting on 127.0.0.1:server.port
        ...send to server.host, server.port...
        server.messages()                             # [Received(mail_from, rcpt_tos, data, ...)]
        server.wait_for(3)                            # the first 3 messages, waiting up to 10 s
        server.connections()                          # connections made so far (refused ones too)
        server.set_faults(Faults(temporary={"ann@example.org": 2}))   # takes effect at once
        server.reset()                                # forget what was received; no faults
        server.settings()                             # SmtpSettings for it (5 s timeout)
        server.environ()                              # BRIEFCAST_SMTP_* for a child process

`SmtpServer(faults=Faults(...), tls="none"|"starttls"|"tls", credentials=("user", "secret"),
smtputf8=True)`:
- `tls="starttls"` offers STARTTLS, `tls="tls"` is implicit TLS (SMTP_SSL), both with a self-signed
  certificate made for 127.0.0.1 and localhost; trust it with `ssl.create_default_context(
  cafile=server.cafile)` (or SSL_CERT_FILE=server.cafile for a child process).
- `credentials` requires AUTH (LOGIN or PLAIN, over plain text too) with that user and password;
  anything else gets 535. Without credentials AUTH is offered and any login is accepted.
- `xoauth2=XOAuth2(key, mailbox)` makes an OAuth-only relay, as Exchange Online is for an app: AUTH
  XOAUTH2 only (RFC-less but documented by Google and Microsoft), the user must be `mailbox` and
  the bearer token a JWT signed with `key` (HS256) for https://outlook.office365.com holding the
  role SMTP.SendAsApp; anything else gets a 334 JSON error, then 535 5.7.3 once the client
  answers it with an empty line. `server.logins()` lists who logged in, with which token (jti).

What the server received is recorded by the server process as JSON lines in `server.directory`:
each `Received` has the envelope, the raw bytes exactly as they arrived (CRLF line endings, dot
stuffing undone), `received_at` (the server's clock, epoch seconds: measure rates from it) and the
number of the connection that carried it (1, 2, ...). Faults are written to a control file that
the server re-reads before every decision, so `set_faults()` applies to the next command; the
"first N times" counters restart whenever faults are set. See `Faults` for what can go wrong.

Run as a script (`python smtp_server.py DIRECTORY`), this file is the server process itself.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import email.policy
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from briefcast.settings import SmtpSettings

ALWAYS = 1_000_000_000  # "first N times" with this N means every time
HOST = "127.0.0.1"
STALL_POINTS = ("connect", "EHLO", "MAIL", "RCPT", "DATA")


@dataclass(frozen=True)
class Faults:
    """What the server does wrong. Counts are "the first N times" since the faults were set."""

    # Reply "421 4.3.2 Service not available" at connect, then close, for the first N connections.
    refuse_connections: int = 0
    # Recipient -> N: reply "451 4.3.0" to RCPT TO for that recipient the first N times.
    # The key "*" means any recipient (counted together).
    temporary: Mapping[str, int] = field(default_factory=dict)
    # Recipients that do not exist: "550 5.1.1 <address>: user unknown" to RCPT TO, every time.
    unknown: tuple[str, ...] = ()
    # Recipient (or "*") -> the reply to the end of DATA instead of 250, e.g. "552 5.3.4 Too big",
    # "554 5.6.0 Rejected" or "451 4.3.0 Try later". The message is not recorded.
    data_replies: Mapping[str, str] = field(default_factory=dict)
    # Drop the connection at the DATA command, before any of the message text; first N times.
    # The client had not finished the message, so it knows nothing was kept.
    drop_during_data: int = 0
    # Record the message as received, then drop the connection before the 250 reply; first N
    # times: the in-flight case where the sender cannot know the message arrived.
    drop_after_data: int = 0
    # Recipient (or "*") -> "drop" or "stall": for that recipient's messages, every time, read
    # the whole message and record it, then drop the connection, or stay silent for
    # `stall_seconds` before the (too late) 250: the relay kept it, the sender never heard.
    unanswered: Mapping[str, str] = field(default_factory=dict)
    # After N messages on one connection, reply "421 4.7.0 Too many messages" to the next MAIL
    # FROM and close (as Exchange Online does).
    messages_per_connection: int | None = None
    # Sleep `stall_seconds` before answering at this point ("connect" = no greeting, or a
    # command: "EHLO", "MAIL", "RCPT", "DATA" = after the message text), the first N times.
    stall_on: str | None = None
    stall_seconds: float = 30.0
    stall_times: int = ALWAYS
    # Reply "535 5.7.8 Authentication credentials invalid" to every AUTH on the first N
    # connections that try to log in.
    reject_auth: int = 0
    # The reply to every password AUTH (LOGIN, PLAIN) instead of checking it, e.g. Exchange
    # Online's "550 5.7.30 Basic authentication is not supported for Client Submission".
    auth_reply: str | None = None

    def __post_init__(self) -> None:
        if self.stall_on is not None and self.stall_on not in STALL_POINTS:
            raise ValueError(f"stall_on must be one of {STALL_POINTS}, not {self.stall_on!r}")


@dataclass(frozen=True)
class XOAuth2:
    """What an OAuth-only relay accepts: tokens signed with `key` for `mailbox`."""

    key: str
    mailbox: str


@dataclass(frozen=True)
class Received:
    """One message the server accepted (or recorded before a drop_after_data)."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes  # the raw message as it arrived
    received_at: float  # the server's time.time() when the message text had arrived
    connection: (
        int  # which connection carried it, numbered from 1 at start (reset() keeps counting)
    )
    smtputf8: bool  # whether MAIL FROM asked for SMTPUTF8

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=email.policy.default).parsebytes(self.data)


class SmtpServer:
    """An aiosmtpd server process on 127.0.0.1 and a free port; see the module docstring."""

    def __init__(
        self,
        faults: Faults | None = None,
        *,
        tls: str = "none",
        credentials: tuple[str, str] | None = None,
        xoauth2: XOAuth2 | None = None,
        smtputf8: bool = True,
        start_timeout: float = 15.0,
    ) -> None:
        if tls not in ("none", "starttls", "tls"):
            raise ValueError(f"tls must be none, starttls or tls, not {tls!r}")
        self.host = HOST
        self.port = 0
        self.tls = tls
        self.credentials = credentials
        self.xoauth2 = xoauth2
        self.directory = Path(tempfile.mkdtemp(prefix="briefcast-smtp-"))
        self.cafile: Path | None = None
        self._smtputf8 = smtputf8
        self._start_timeout = start_timeout
        self._faults = faults or Faults()
        self._generation = 0
        self._marks = {"messages": 0, "connections": 0, "logins": 0}
        self._process: subprocess.Popen[bytes] | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        if self.tls != "none":
            self.cafile = _self_signed_certificate(self.directory)
        self.set_faults(self._faults)
        config = {
            "smtputf8": self._smtputf8,
            "tls": self.tls,
            "credentials": list(self.credentials) if self.credentials else None,
            "xoauth2": asdict(self.xoauth2) if self.xoauth2 else None,
        }
        (self.directory / "config.json").write_text(json.dumps(config))
        log = (self.directory / "server.log").open("wb")
        self._process = subprocess.Popen(
            [sys.executable, __file__, str(self.directory)], stdout=log, stderr=log
        )
        log.close()
        try:
            self.port = self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- steering -----------------------------------------------------------------------------

    def set_faults(self, faults: Faults) -> None:
        """Replace the faults; the server applies them from its next decision on."""
        self._faults = faults
        self._generation += 1
        control = {"generation": self._generation, "faults": asdict(faults)}
        _write_atomically(self.directory / "faults.json", json.dumps(control))

    def reset(self) -> None:
        """Forget what was received and the connections so far, and clear the faults."""
        self._marks = {name: self._size(name) for name in self._marks}
        self.set_faults(Faults())

    # -- what happened ------------------------------------------------------------------------

    def messages(self) -> list[Received]:
        """Every message received since start (or the last reset), in order of arrival."""
        return [
            Received(
                mail_from=line["mail_from"],
                rcpt_tos=tuple(line["rcpt_tos"]),
                data=base64.b64decode(line["data"]),
                received_at=line["received_at"],
                connection=line["connection"],
                smtputf8=line["smtputf8"],
            )
            for line in self._lines("messages")
        ]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The messages once at least `count` arrived; AssertionError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            received = self.messages()
            if len(received) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        assert len(received) >= count, f"expected {count} messages, received {len(received)}"
        return received

    def connections(self) -> int:
        """Connections made since start (or the last reset), including refused ones."""
        return len(self._lines("connections"))

    def logins(self) -> list[dict]:
        """Each successful XOAUTH2 login: {"user", "jti" (the token's id), "connection"}."""
        return self._lines("logins")

    def settings(self, **changes: object) -> SmtpSettings:
        """SmtpSettings for this server (its TLS mode and credentials, a 5 s timeout; with
        xoauth2, auth "oauth2" as the mailbox)."""
        from briefcast.settings import SmtpSettings

        username, password = self.credentials or (None, None)
        values: dict = dict(host=self.host, port=self.port, security=self.tls, username=username,
                            password=password, timeout=5.0)  # fmt: skip
        if self.xoauth2:
            values.update(username=self.xoauth2.mailbox, auth="oauth2")
        values.update(changes)
        return SmtpSettings(**values)

    def environ(self) -> dict[str, str]:
        """BRIEFCAST_* variables (and SSL_CERT_FILE) sending through this server from a child
        process: `subprocess.run([...], env={**os.environ, **server.environ()})`."""
        variables = {
            "BRIEFCAST_TRANSPORT": "smtp",
            "BRIEFCAST_SMTP_HOST": self.host,
            "BRIEFCAST_SMTP_PORT": str(self.port),
            "BRIEFCAST_SMTP_SECURITY": self.tls,
            "BRIEFCAST_SMTP_TIMEOUT": "5",
        }
        if self.credentials:
            variables["BRIEFCAST_SMTP_USERNAME"], variables["BRIEFCAST_SMTP_PASSWORD"] = (
                self.credentials
            )
        if self.cafile:
            variables["SSL_CERT_FILE"] = str(self.cafile)
        return variables

    def log(self) -> str:
        """The server process's own log, for a failing test's message."""
        return (self.directory / "server.log").read_text(errors="replace")

    # -- internals ----------------------------------------------------------------------------

    def _wait_until_ready(self) -> int:
        assert self._process is not None
        ready = self.directory / "ready.json"
        deadline = time.monotonic() + self._start_timeout
        while not ready.exists():
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the test SMTP server did not start:\n{self.log()}")
            time.sleep(0.01)
        return json.loads(ready.read_text())["port"]

    def _size(self, name: str) -> int:
        path = self.directory / f"{name}.jsonl"
        return path.stat().st_size if path.exists() else 0

    def _lines(self, name: str) -> list[dict]:
        path = self.directory / f"{name}.jsonl"
        if not path.exists():
            return []
        with path.open("rb") as file:
            file.seek(self._marks[name])
            text = file.read()
        # A line still being written has no newline yet: leave it for the next read.
        complete = text[: text.rfind(b"\n") + 1]
        return [json.loads(line) for line in complete.splitlines()]


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def _self_signed_certificate(directory: Path) -> Path:
    """A throwaway certificate for 127.0.0.1 and localhost (openssl CLI, an EC key: ~20 ms)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert


# ============================================================================================
# The server process. Everything below runs in the child, started as `python smtp_server.py DIR`.
# ============================================================================================


class _Control:
    """The faults from the control file, re-read when it changes, and their "first N" counters."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stamp: tuple[int, int] | None = None
        self.generation = -1
        self.faults: dict = {}
        self.counts: dict[str, int] = {}

    def current(self) -> dict:
        stat = self.path.stat()
        stamp = (stat.st_ino, stat.st_mtime_ns)
        if stamp != self.stamp:
            control = json.loads(self.path.read_text())
            self.stamp = stamp
            if control["generation"] != self.generation:
                self.generation = control["generation"]
                self.faults = control["faults"]
                self.counts = {}
        return self.faults

    def take(self, key: str, limit: int) -> bool:
        """True the first `limit` times `key` is taken (since the faults were last set)."""
        used = self.counts.get(key, 0)
        if used >= limit:
            return False
        self.counts[key] = used + 1
        return True


class _Journal:
    """Appends JSON lines; one write() per line so a reader never sees half a line as whole."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def append(self, record: dict) -> None:
        os.write(self.fd, json.dumps(record).encode() + b"\n")


def _serve(directory: Path) -> None:
    import asyncio
    import logging
    import ssl
    import warnings

    from aiosmtpd.smtp import SMTP, AuthResult

    # Plain-text AUTH is the point of a test server; keep the log for real problems.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    config = json.loads((directory / "config.json").read_text())
    control = _Control(directory / "faults.json")
    messages = _Journal(directory / "messages.jsonl")
    connections = _Journal(directory / "connections.jsonl")
    logins = _Journal(directory / "logins.jsonl")
    credentials = tuple(config["credentials"]) if config["credentials"] else None
    xoauth2 = config.get("xoauth2")
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    tls_context = None
    if config["tls"] != "none":
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(directory / "cert.pem", directory / "key.pem")

    async def stall(point: str) -> None:
        faults = control.current()
        if faults["stall_on"] == point and control.take("stall", faults["stall_times"]):
            await asyncio.sleep(faults["stall_seconds"])

    class Handler:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            await stall("EHLO")
            session.host_name = hostname
            return responses

        async def handle_MAIL(self, server, session, envelope, address, options):
            await stall("MAIL")
            limit = control.current()["messages_per_connection"]
            if limit is not None and server.delivered >= limit:
                loop.call_soon(server.transport.close)
                return "421 4.7.0 Too many messages on this connection, closing"
            envelope.mail_from = address
            envelope.mail_options.extend(options)
            return "250 OK"

        async def handle_RCPT(self, server, session, envelope, address, options):
            await stall("RCPT")
            faults = control.current()
            if address in faults["unknown"]:
                return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
            for key in (address, "*"):
                if key in faults["temporary"] and control.take(
                    f"451 {key}", faults["temporary"][key]
                ):
                    return f"451 4.3.0 <{address}>: Temporary failure, try again later"
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(options)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            await stall("DATA")
            faults = control.current()
            for key in (*envelope.rcpt_tos, "*"):
                how = faults["unanswered"].get(key)
                if how is not None:
                    record(server, envelope)
                    if how == "drop":
                        return await drop(server)
                    await asyncio.sleep(faults["stall_seconds"])
                    return "250 2.0.0 OK queued"
            for key in (*envelope.rcpt_tos, "*"):
                if key in faults["data_replies"]:
                    return faults["data_replies"][key]
            record(server, envelope)
            if control.take("drop after data", faults["drop_after_data"]):
                return await drop(server)
            return "250 2.0.0 OK queued"

    async def drop(server) -> str:
        server.transport.abort()
        await asyncio.sleep(60)  # cancelled by connection_lost: no reply is ever sent
        return "421 unreachable"

    def record(server, envelope) -> None:
        server.delivered += 1
        messages.append(
            {
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "data": base64.b64encode(envelope.original_content).decode(),
                "received_at": time.time(),
                "connection": server.number,
                "smtputf8": bool(envelope.smtp_utf8),
            }
        )

    def rejects_auth(server) -> bool:
        # Per connection, not per attempt: smtplib tries PLAIN, then LOGIN, on one connection.
        if server.rejecting_auth is None:
            server.rejecting_auth = control.take("535", control.current()["reject_auth"])
        return server.rejecting_auth

    def authenticate(server, session, envelope, mechanism, login) -> AuthResult:
        if rejects_auth(server):
            return AuthResult(success=False, handled=False)
        if control.current()["auth_reply"]:
            return AuthResult(success=False, handled=False, message=control.current()["auth_reply"])
        given = (login.login.decode(), login.password.decode())
        if credentials is None or given == credentials:
            return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)  # aiosmtpd replies 535

    class Session(SMTP):
        def __init__(self, number: int) -> None:
            super().__init__(
                Handler(),
                loop=loop,
                hostname="smtp.example.org",
                enable_SMTPUTF8=config["smtputf8"],
                tls_context=tls_context if config["tls"] == "starttls" else None,
                auth_require_tls=False,
                auth_required=credentials is not None or xoauth2 is not None,
                authenticator=authenticate,
            )
            self.number = number
            self.delivered = 0  # messages accepted on this connection
            self.rejecting_auth: bool | None = None  # decided at the first AUTH

        async def smtp_DATA(self, arg):
            # Before the 354: the client then knows the message did not go whole.
            if control.take("drop during data", control.current()["drop_during_data"]):
                self.transport.abort()
                return None
            return await super().smtp_DATA(arg)

    def bearer_claims(user: str, token: str) -> dict | None:
        """The token's claims if it lets `user` send here, as Exchange Online checks them."""
        import jwt

        try:
            claims = jwt.decode(
                token, xoauth2["key"], algorithms=["HS256"],
                audience="https://outlook.office365.com",
            )  # fmt: skip
        except jwt.InvalidTokenError:
            return None
        fits = user == xoauth2["mailbox"] and "SMTP.SendAsApp" in claims.get("roles", [])
        return claims if fits else None

    class OAuthSession(Session):
        """An OAuth-only relay: AUTH XOAUTH2, checked like Exchange Online checks it."""

        # Entra ID's tokens run to a few thousand characters on the AUTH line.
        command_size_limit = 16384

        def __init__(self, number: int) -> None:
            super().__init__(number)
            # aiosmtpd's per-command limits are a class-wide dict defaulting to 512: this
            # session's own, so only this relay takes the long AUTH line.
            self.command_size_limits = collections.defaultdict(lambda: self.command_size_limit)
            self._auth_methods.pop("LOGIN", None)
            self._auth_methods.pop("PLAIN", None)

        async def auth_XOAUTH2(self, _, args) -> AuthResult:
            if len(args) == 2:
                blob = base64.b64decode(args[1])
            else:
                blob = await self.challenge_auth("")
                if not isinstance(blob, bytes):
                    return AuthResult(success=False, handled=True)
            parts = blob.decode(errors="replace").split("\x01")
            user = parts[0].removeprefix("user=")
            bearer = parts[1].removeprefix("auth=Bearer ") if len(parts) == 4 else ""
            well_formed = parts[0].startswith("user=") and parts[1:2] != [bearer]
            claims = bearer_claims(user, bearer) if well_formed and parts[2:] == ["", ""] else None
            if claims is not None and not rejects_auth(self):
                logins.append({"user": user, "jti": claims.get("jti"), "connection": self.number})
                return AuthResult(success=True, auth_data=user)
            error = {
                "status": "401",
                "schemes": "bearer",
                "scope": "https://outlook.office365.com/",
            }
            answer = await self.challenge_auth(json.dumps(error))
            if not isinstance(answer, bytes):  # "*": aiosmtpd has answered 501 already
                return AuthResult(success=False, handled=True)
            if answer != b"":  # the protocol: the client ends a failed exchange with an empty line
                return AuthResult(success=False, handled=False, message="501 5.5.2 Expected empty")
            return AuthResult(
                success=False, handled=False, message="535 5.7.3 Authentication unsuccessful"
            )

    class Refuse(asyncio.Protocol):
        def connection_made(self, transport) -> None:
            transport.write(b"421 4.3.2 Service not available, try again later\r\n")
            transport.close()

    class Silent(asyncio.Protocol):
        def connection_made(self, transport) -> None:
            loop.call_later(control.current()["stall_seconds"], transport.close)

    numbers = iter(range(1, 1 << 62))

    def accept() -> asyncio.BaseProtocol:
        number = next(numbers)
        faults = control.current()
        refused = control.take("421 at connect", faults["refuse_connections"])
        connections.append({"number": number, "at": time.time(), "refused": refused})
        if refused:
            return Refuse()
        if faults["stall_on"] == "connect" and control.take("stall", faults["stall_times"]):
            return Silent()
        return OAuthSession(number) if xoauth2 else Session(number)

    implicit = tls_context if config["tls"] == "tls" else None
    server = loop.run_until_complete(loop.create_server(accept, HOST, 0, ssl=implicit))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    port = server.sockets[0].getsockname()[1]
    _write_atomically(directory / "ready.json", json.dumps({"port": port}))
    try:
        loop.run_forever()
    finally:
        server.close()
        with contextlib.suppress(Exception):
            loop.run_until_complete(server.wait_closed())


if __name__ == "__main__":
    _serve(Path(sys.argv[1]))
