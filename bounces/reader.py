"""The sending mailbox over IMAP: the messages in its folder, and moving one to the done folder
(the contract is bounces/mailbox.py; bounces/graph_reader.py is the other source).

    with open_imap_mailbox(settings.bounces, token=None) as mailbox:
        for uid, data in mailbox.messages():
            ...
            mailbox.move(uid)

imaplib over TLS (implicit, or STARTTLS), signed in with a password or with SASL XOAUTH2, which
Microsoft 365 requires once Basic authentication is off: `token` is a callable returning an
access token for the mailbox (delivery/oauth.py makes them, with the scopes Microsoft documents for
IMAP, https://outlook.office365.com/IMAP.AccessAsUser.All or .AccessAsApp). Messages are read
with BODY.PEEK, so a message left in place (a person's mail) stays unread for its person.
Folder names are written with "/" in the settings and translated to the server's separator
(Exchange uses "/", Dovecot's Maildir "."); the done folder is made if missing.
"""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from briefcast.bounces.mailbox import MailboxError, TokenProvider
from briefcast.delivery.oauth import xoauth2
from briefcast.settings import BounceSettings

__all__ = ["ImapMailbox", "MailboxError", "open_imap_mailbox"]
_LIST_LINE = re.compile(rb'\((?P<flags>[^)]*)\) (?P<sep>"[^"]*"|NIL) (?P<name>.+)')


@contextmanager
def open_imap_mailbox(
    settings: BounceSettings,
    token: TokenProvider | None = None,
    *,
    ssl_context: ssl.SSLContext | None = None,
) -> Iterator[ImapMailbox]:
    where = f"IMAP {settings.host}:{settings.port}"
    try:
        imap = _connect(settings, ssl_context)
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxError(f"{where}: cannot connect ({_words(error)})") from None
    try:
        _sign_in(imap, settings, token, where)
        mailbox = ImapMailbox(imap, settings, where)
        mailbox.prepare()
        yield mailbox
    except (OSError, imaplib.IMAP4.abort) as error:
        raise MailboxError(f"{where}: the connection failed ({_words(error)})") from None
    finally:
        with suppress(OSError, imaplib.IMAP4.error):
            imap.logout()


class ImapMailbox:
    def __init__(self, imap: imaplib.IMAP4, settings: BounceSettings, where: str) -> None:
        self.imap = imap
        self.settings = settings
        self.where = where
        self.can_move = False
        self.folder = settings.folder
        self.done_folder = settings.done_folder

    def prepare(self) -> None:
        """Find the server's separator, make the done folder if missing, open the folder."""
        separator = self._separator()
        self.folder = _quote(self.settings.folder.replace("/", separator))
        self.done_folder = _quote(self.settings.done_folder.replace("/", separator))
        status, _ = self.imap.select(self.done_folder)
        if status != "OK":
            status, answer = self.imap.create(self.done_folder)
            if status != "OK":
                raise MailboxError(
                    f"{self.where}: cannot make the folder {self.settings.done_folder!r} "
                    f"({_answer(answer)}); make it by hand or set BRIEFCAST_BOUNCE_IMAP_DONE_FOLDER"
                )
        status, answer = self.imap.select(self.folder)
        if status != "OK":
            raise MailboxError(
                f"{self.where}: no folder {self.settings.folder!r} ({_answer(answer)}); "
                "check BRIEFCAST_BOUNCE_IMAP_FOLDER"
            )
        self.can_move = "MOVE" in self.imap.capabilities

    def messages(self) -> Iterator[tuple[bytes, bytes]]:
        """(uid, the raw message) for every message in the folder, oldest first."""
        status, answer = self.imap.uid("SEARCH", None, "ALL")
        if status != "OK":
            raise MailboxError(f"{self.where}: cannot list the folder ({_answer(answer)})")
        for uid in (answer[0] or b"").split():
            status, parts = self.imap.uid("FETCH", uid, "(BODY.PEEK[])")
            data = (
                next((p[1] for p in parts if isinstance(p, tuple)), None)
                if status == "OK"
                else None
            )
            if data is not None:  # gone meanwhile (another reader moved it): nothing to do
                yield uid, data

    def move(self, uid: bytes) -> None:
        """Into the done folder: MOVE where the server has it (RFC 6851), else copy and expunge."""
        if self.can_move:
            status, answer = self.imap.uid("MOVE", uid, self.done_folder)
        else:
            status, answer = self.imap.uid("COPY", uid, self.done_folder)
            if status == "OK":
                self.imap.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
                # Only this message where the server can (UIDPLUS): not one a person deleted.
                if "UIDPLUS" in self.imap.capabilities:
                    status, answer = self.imap.uid("EXPUNGE", uid)
                else:
                    status, answer = self.imap.expunge()
        if status != "OK":
            raise MailboxError(
                f"{self.where}: cannot move a message to {self.settings.done_folder!r} "
                f"({_answer(answer)})"
            )

    def _separator(self) -> str:
        status, answer = self.imap.list('""', '""')
        if status == "OK" and answer and isinstance(answer[0], bytes):
            found = _LIST_LINE.match(answer[0])
            if found and found["sep"] != b"NIL":
                return found["sep"].strip(b'"').decode() or "/"
        return "/"


def _connect(settings: BounceSettings, context: ssl.SSLContext | None) -> imaplib.IMAP4:
    context = context or ssl.create_default_context()
    if settings.security == "tls":
        return imaplib.IMAP4_SSL(
            settings.host, settings.port, ssl_context=context, timeout=settings.timeout
        )
    imap = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
    if settings.security == "starttls":
        imap.starttls(ssl_context=context)
    return imap


def _sign_in(
    imap: imaplib.IMAP4, settings: BounceSettings, token: TokenProvider | None, where: str
) -> None:
    try:
        if settings.auth == "oauth2":
            if token is None:
                raise MailboxError(
                    f"{where}: BRIEFCAST_BOUNCE_IMAP_AUTH is oauth2 but no token source is "
                    "configured; set the OAuth settings (docs/microsoft365.md)"
                )
            # imaplib base64-encodes what the callback returns (as smtplib does).
            initial = xoauth2(settings.username, token()).encode()
            imap.authenticate("XOAUTH2", lambda _challenge: initial)
        else:
            imap.login(settings.username, settings.password or "")
    except imaplib.IMAP4.error as error:
        raise MailboxError(
            f"{where}: sign-in refused for {settings.username} ({_words(error)}); check "
            + (
                "the app's IMAP permission and the mailbox's access"
                if settings.auth == "oauth2"
                else "BRIEFCAST_BOUNCE_IMAP_USERNAME and BRIEFCAST_BOUNCE_IMAP_PASSWORD"
            )
        ) from None


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _answer(answer: object) -> str:
    if isinstance(answer, list) and answer and isinstance(answer[0], bytes):
        return answer[0].decode("utf-8", "replace")
    return str(answer)


def _words(error: BaseException) -> str:
    if isinstance(error, socket.timeout | TimeoutError):
        return "timed out"
    text = str(error) or type(error).__name__
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return text.splitlines()[0]
