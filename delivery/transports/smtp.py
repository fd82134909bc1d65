"""The smtp transport: hands messages to a relay over one reused connection (smtplib); another()
makes one more for a worker's next connection.

One connection carries many messages; it is opened on the first send() (or by open()) and kept
until close(). Every smtplib outcome is sorted into the three failures of the contract:

- TemporaryFailure: a 4xx reply, a dropped connection, a timeout. Try the message again later.
- OutcomeUnknown: the connection dropped or timed out after the final `.` of DATA was sent,
  before the reply: the relay may have kept the message. Never retried here.
- PermanentFailure: a 5xx reply to RCPT TO or to the message (`.enhanced` from the reply text,
  "5.1.1" and the like), or an international address the relay cannot take. Don't retry.
- TransportUnavailable: what a person must fix and what would fail every message the same way:
  login refused (530/534/535/538), a password where the relay wants OAuth (5.7.30, as Exchange
  Online answers once basic authentication is off), TLS impossible, host unknown or refusing
  connections, the sender refused with a 5xx.

With `auth="oauth2"` the transport logs in with SASL XOAUTH2: the sending mailbox and an access
token from delivery/oauth.py. A 535 then gets one more try with a new token, on a new connection
(the token may have been revoked or expired early), before the transport is unavailable.

A relay may drop an idle connection or close it with 421 after its own per-connection limit, so
a 421 reply or a dropped connection during send() is retried once, at once, on a new connection
before it is reported, unless the whole message had gone (then the outcome is unknown). A
timeout is not retried: a relay that stalled once is likely to stall again, and the send loop
retries later with backoff anyway.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from briefcast.delivery.oauth import TokenError, TokenSource, xoauth2
from briefcast.delivery.transports.base import (
    Envelope,
    OutcomeUnknown,
    PermanentFailure,
    TemporaryFailure,
    TransportBase,
    TransportError,
    TransportUnavailable,
    check_envelope,
    once,
)
from briefcast.settings import SmtpSettings

# Replies that mean our credentials or our right to send are wrong: no message can go out.
LOGIN_CODES = frozenset({530, 534, 535, 538})
# "5.1.1 ..." at the start of a reply line (RFC 3463).
ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})\b")
# Exchange Online's answer to a password once basic authentication is off for SMTP AUTH.
BASIC_AUTH_REFUSED = "5.7.30"
USE_OAUTH = (
    "the relay no longer accepts a password; set BRIEFCAST_SMTP_AUTH=oauth2 with the "
    "BRIEFCAST_OAUTH_* settings, or BRIEFCAST_TRANSPORT=graph (see docs/microsoft365.md)"
)


class ConnectionLost(TemporaryFailure):
    """The connection went away (a drop, or a 421 reply): worth one retry on a new one."""


class _TokenRefused(Exception):
    """A 535 to a token: worth one new token on a new connection (SmtpTransport._connect)."""


class SmtpTransport(TransportBase):
    name = "smtp"

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        ssl_context: ssl.SSLContext | None = None,
        tokens: TokenSource | None = None,
    ):
        """`ssl_context` replaces the default (system CAs, hostname checked), e.g. in tests;
        `tokens` gives the access tokens when `settings.auth` is oauth2."""
        if settings.auth == "oauth2" and (tokens is None or not settings.username):
            raise ValueError("oauth2 needs a TokenSource and the mailbox as the username")
        self.settings = settings
        self.tokens = tokens
        self.connections = 0  # connections opened so far, for tests and logs
        self._ssl_context = ssl_context
        self._client: smtplib.SMTP | None = None

    def another(self) -> SmtpTransport:
        """A transport like this one with a connection of its own (delivery/connections.py)."""
        return SmtpTransport(self.settings, ssl_context=self._ssl_context, tokens=self.tokens)

    @property
    def address(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def open(self) -> None:
        if self._client is None:
            self._client = self._connect()
            self.connections += 1

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with suppress(smtplib.SMTPException, OSError):
                client.quit()
            client.close()

    def send(
        self,
        envelope: Envelope,
        message: bytes,
        meanwhile: Callable[[], None] | None = None,
        idle: Callable[[], None] | None = None,
    ) -> None:
        check_envelope(envelope)
        meanwhile, idle = once(meanwhile), once(idle)
        try:
            self._send_once(envelope, message, meanwhile, idle)
        except ConnectionLost:
            self._send_once(envelope, message, meanwhile, idle)  # a second loss is as it is

    # -- one attempt --------------------------------------------------------------------------

    def _send_once(
        self,
        envelope: Envelope,
        message: bytes,
        meanwhile: Callable[[], None],
        idle: Callable[[], None],
    ) -> None:
        """MAIL, RCPT, DATA as smtplib's sendmail() does them, with `meanwhile` run while the
        relay answers MAIL FROM and `idle` while it reads the message, and without two of
        sendmail's per-message costs that buy nothing here: check_envelope already made the
        addresses safe to write as <address> (sendmail parses each with the email package), and
        dot-stuffing is a bytes.replace (sendmail's multi-line regex costs as much as a reply).
        The callbacks' own errors are theirs: they come out unchanged, the connection dropped."""
        self.open()
        client = self._client
        assert client is not None
        with self._failures(client):
            options = self._mail_options(client, envelope, message)
            client.command_encoding = "utf-8" if "SMTPUTF8" in options else "ascii"
            client.putcmd("mail", f"FROM:<{envelope.sender}>{''.join(' ' + o for o in options)}")
        with self._failures(client):
            code, reply = client.getreply()
            if code != 250:
                raise self._sender_refused(code, reply, envelope.sender)
            code, reply = client.docmd("rcpt", f"TO:<{envelope.recipient}>")
            if code not in (250, 251):
                raise reply_error(code, reply, f"{envelope.recipient} refused")
            code, reply = client.docmd("data")
            if code != 354:
                raise reply_error(code, reply, "message refused")
        # As late as it can be: the caller's work (the last message's commit) has had the three
        # exchanges above to get done. If it fails, the message must not follow.
        self._call(meanwhile)
        with self._failures(client):
            client.send(dot_stuffed(message))
        self._call(idle)  # if it fails, the reply is unread: the connection is of no more use
        # The final `.` has gone: from here a drop or a timeout leaves the outcome unknown.
        with self._failures(client, handed_over=True):
            code, reply = client.getreply()
            if code != 250:
                raise reply_error(code, reply, "message refused")

    def _call(self, callback: Callable[[], None]) -> None:
        """The caller's callback, mid-transaction: its error comes out unchanged, and the
        connection is dropped so the relay discards the half-sent message."""
        try:
            callback()
        except BaseException:
            self._discard()
            raise

    @contextmanager
    def _failures(self, client: smtplib.SMTP, *, handed_over: bool = False) -> Iterator[None]:
        """smtplib's errors as the contract's; the connection reset or dropped after one.
        `handed_over`: the whole message was sent, so no answer is OutcomeUnknown."""
        try:
            yield
        except TransportError as error:
            if error.code == 421:  # the relay is closing the connection
                self._discard()
            elif self._client is not None:
                self._reset(client)
            raise
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            if handed_over:
                raise self._unanswered(error) from None
            raise self._lost(error, "during the send") from None
        finally:
            if client.sock is None:  # smtplib closed it (a drop, a timeout)
                self._client = None

    def _reset(self, client: smtplib.SMTP) -> None:
        """RSET after a refusal, so the connection can carry the next message (or is closed)."""
        try:
            code, _ = client.docmd("rset")
        except (smtplib.SMTPException, OSError):
            code = 0
        if code != 250:
            self._discard()

    def _mail_options(self, client: smtplib.SMTP, envelope: Envelope, message: bytes) -> list[str]:
        options = []
        if client.has_extn("size"):
            options.append(f"SIZE={len(message)}")  # an oversized message is refused at once
        if not (envelope.sender.isascii() and envelope.recipient.isascii()):
            if not client.has_extn("smtputf8"):
                raise PermanentFailure(
                    f"{envelope.recipient}: the relay {self.address} does not accept "
                    "international addresses (it does not offer SMTPUTF8)"
                )
            options.append("SMTPUTF8")
        if not message.isascii() and client.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        return options

    def _sender_refused(self, code: int, reply: bytes, sender: str) -> TransportError:
        failure = reply_error(code, reply, f"sender {sender} refused")
        if isinstance(failure, PermanentFailure):
            # Every message has this sender, so every one would be refused the same way.
            return TransportUnavailable(f"{failure}; check the campaign's sender", failure.code)
        return failure

    def _lost(self, error: OSError, when: str) -> TemporaryFailure:
        self._discard()
        if timed_out(error):
            return TemporaryFailure(
                f"the relay {self.address} did not answer within {self.settings.timeout:g} s {when}"
            )
        return ConnectionLost(f"the relay {self.address} dropped the connection {when}")

    def _unanswered(self, error: OSError) -> OutcomeUnknown:
        self._discard()
        how = (
            f"did not answer within {self.settings.timeout:g} s"
            if timed_out(error)
            else "dropped the connection"
        )
        return OutcomeUnknown(
            f"the relay {self.address} {how} after the end of the message, before its reply: "
            "it may have been delivered"
        )

    def _discard(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    # -- connecting ---------------------------------------------------------------------------

    def _connect(self) -> smtplib.SMTP:
        try:
            return self._connect_once(renew=False)
        except _TokenRefused:
            return self._connect_once(renew=True)

    def _connect_once(self, *, renew: bool) -> smtplib.SMTP:
        client: smtplib.SMTP | None = None
        try:
            client = self._greeted()
            client.ehlo_or_helo_if_needed()
            if self.settings.security == "starttls":
                self._start_tls(client)
            if self.tokens is not None:
                self._log_in_with_token(client, renew)
            elif self.settings.username:
                client.login(self.settings.username, self.settings.password or "")
            return client
        except Exception as error:
            if client is not None:
                client.close()
            if self._token_refused(error) and not renew:
                raise _TokenRefused from None
            failure = self._connect_error(error)
            if isinstance(failure, ConnectionLost):
                # Refused or dropped at connect: the relay is busy; send() must not retry at once.
                failure = TemporaryFailure(str(failure), failure.code)
            raise failure from None

    def _greeted(self) -> smtplib.SMTP:
        settings = self.settings
        if settings.security == "tls":
            return smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=self._context()
            )
        return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)

    def _log_in_with_token(self, client: smtplib.SMTP, renew: bool) -> None:
        assert self.tokens is not None and self.settings.username
        mechanisms = client.esmtp_features.get("auth", "").upper().split()
        if "XOAUTH2" not in mechanisms:
            raise TransportUnavailable(
                f"the relay {self.address} does not offer AUTH XOAUTH2 (only "
                f"{' '.join(mechanisms) or 'no AUTH'}); check BRIEFCAST_SMTP_HOST, or set "
                "BRIEFCAST_SMTP_AUTH=password"
            )
        try:
            token = self.tokens.renew() if renew else self.tokens.token()
        except TokenError as error:
            failure = TemporaryFailure if error.temporary else TransportUnavailable
            raise failure(str(error)) from None
        response = xoauth2(self.settings.username, token)
        # After a refusal the server sends a 334 with a JSON error; an empty reply ends the
        # exchange so the relay gives its 535 (the XOAUTH2 protocol).
        client.auth("XOAUTH2", lambda challenge=None: "" if challenge else response)

    def _token_refused(self, error: Exception) -> bool:
        return (
            self.tokens is not None
            and isinstance(error, smtplib.SMTPAuthenticationError)
            and error.smtp_code == 535
        )

    def _start_tls(self, client: smtplib.SMTP) -> None:
        if not client.has_extn("starttls"):
            raise TransportUnavailable(
                f"the relay {self.address} does not offer STARTTLS; check BRIEFCAST_SMTP_PORT "
                "or set BRIEFCAST_SMTP_SECURITY to tls (implicit TLS) or none"
            )
        client.starttls(context=self._context())
        client.ehlo()

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    def _login_refused(self, code: int, reply: str) -> TransportError:
        """A refused AUTH, in one line that starts with the reply and says what to change."""
        if enhanced_status(reply) == BASIC_AUTH_REFUSED:
            return TransportUnavailable(f"{code} {reply}: {USE_OAUTH}", code)
        if self.tokens is not None:
            again = " twice (the second one new)" if code == 535 else ""
            return TransportUnavailable(
                f"{code} {reply}: the relay {self.address} refused the OAuth token for "
                f"{self.settings.username}{again}; check the app's "
                "SMTP.SendAsApp permission, its Exchange service principal and its right to "
                "that mailbox (see docs/microsoft365.md)",
                code,
            )
        return TransportUnavailable(
            f"{code} {reply}: the relay {self.address} refused the login; "
            "check BRIEFCAST_SMTP_USERNAME and BRIEFCAST_SMTP_PASSWORD",
            code,
        )

    def _connect_error(self, error: Exception) -> TransportError:
        where = self.address
        if isinstance(error, TransportError):
            return error
        if isinstance(error, smtplib.SMTPAuthenticationError):
            return self._login_refused(error.smtp_code, reply_text(error))
        if isinstance(error, smtplib.SMTPResponseException):  # a refusing greeting, EHLO, ...
            failure = reply_error(error.smtp_code, error.smtp_error, f"the relay {where}")
            if isinstance(failure, PermanentFailure):
                return TransportUnavailable(str(failure), failure.code)
            return failure
        if isinstance(error, smtplib.SMTPServerDisconnected):
            return self._lost(error, "while connecting")
        if isinstance(error, smtplib.SMTPException):  # no AUTH offered, no usable mechanism
            return TransportUnavailable(f"cannot log in to the relay {where}: {error}")
        if isinstance(error, ssl.SSLError | ssl.CertificateError):
            reason = getattr(error, "verify_message", None) or getattr(error, "reason", None)
            return TransportUnavailable(
                f"TLS with the relay {where} failed ({reason or error}); "
                "check BRIEFCAST_SMTP_SECURITY and the relay's certificate"
            )
        if isinstance(error, socket.gaierror):
            return TransportUnavailable(
                f"the relay host {self.settings.host!r} is unknown; check BRIEFCAST_SMTP_HOST"
            )
        if isinstance(error, ConnectionRefusedError):
            return TransportUnavailable(
                f"the relay {where} refused the connection; check BRIEFCAST_SMTP_HOST and "
                "BRIEFCAST_SMTP_PORT"
            )
        if isinstance(error, OSError):
            return self._lost(error, "while connecting")
        raise error  # a bug, not a relay problem


def reply_error(code: int, reply: bytes | str, context: str) -> TransportError:
    """The contract's failure for an SMTP reply: 421 lost, 4xx temporary, login, 5xx permanent."""
    text = reply_text(reply)
    message = f"{context}: {code} {text}"
    if code >= 500 and enhanced_status(text) == BASIC_AUTH_REFUSED:
        return TransportUnavailable(f"{code} {text}: {USE_OAUTH}", code)
    if code == 421:
        return ConnectionLost(message, code)
    if code in LOGIN_CODES:
        return TransportUnavailable(message, code)
    if 400 <= code < 500:
        return TemporaryFailure(message, code)
    return PermanentFailure(message, code, enhanced_status(text))


def dot_stuffed(message: bytes) -> bytes:
    """The DATA payload: a dot doubled at the start of every line (RFC 5321 4.5.2; after any
    LF, as smtplib does), a line break at the end, and the lone dot that ends it."""
    data = message.replace(b"\n.", b"\n..")
    if data.startswith(b"."):
        data = b"." + data
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def enhanced_status(reply: str) -> str | None:
    """'5.1.1' from '5.1.1 <ann@example.org>: user unknown'; None when the reply has none."""
    match = ENHANCED.match(reply.strip())
    return ".".join(match.groups()) if match else None


def reply_text(reply: bytes | str | smtplib.SMTPResponseException) -> str:
    """A reply as one printable line (multi-line replies joined)."""
    if isinstance(reply, smtplib.SMTPResponseException):
        reply = reply.smtp_error
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", errors="replace")
    return " ".join(reply.split())


def timed_out(error: BaseException) -> bool:
    """smtplib reports a read timeout as SMTPServerDisconnected; the cause tells them apart."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, TimeoutError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False
