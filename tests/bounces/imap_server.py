"""A real IMAP server for tests: Dovecot from Debian (`.ci/run` installs dovecot-imapd), run as a
throwaway instance in a temporary folder.

    with Dovecot() as server:          # started on 127.0.0.1:server.port, one passwd-file user
        server.append("INBOX", data)   # a message into a folder
        server.folder("INBOX")         # the raw messages in a folder now
        server.settings()              # BounceSettings for it (plain text on loopback)

Its own configuration file, its own port, plaintext sign-in allowed (loopback only), Maildir
under the folder. SASL XOAUTH2 is offered too: Dovecot checks the token against the passdb as
it would a password, so PASSWORD doubles as the one valid access token.
Run as root (CI), Dovecot's login and internal processes use Debian's
`dovenull` and `dovecot` accounts and the mail is kept as `dovecot`; otherwise all runs as us.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from briefcast.settings import BounceSettings

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "learning@example.org"
PASSWORD = "not-a-real-password-1"


def available() -> bool:
    return Path(DOVECOT).exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Dovecot:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="briefcast-imap-"))
        self.port = _free_port()

    def __enter__(self) -> Dovecot:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        root = self.root
        for name in ("run", "state", "mail"):
            (root / name).mkdir()
        if os.geteuid() == 0:
            login, internal, mail = "dovenull", "dovecot", "dovecot"
            root.chmod(0o755)
            (root / "run").chmod(0o755)
            shutil.chown(root / "mail", mail, mail)
        else:
            login = internal = mail = pwd.getpwuid(os.geteuid()).pw_name
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::\n")
        (root / "passwd").chmod(0o644)
        (root / "dovecot.conf").write_text(
            f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
first_valid_uid = 1
mail_location = maildir:{root}/mail/%n
default_login_user = {login}
default_internal_user = {internal}
default_internal_group = {internal}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail} gid={mail} home={root}/mail/%n
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""
        )
        # Not captured: the daemon keeps its standard streams, so a pipe would never end.
        subprocess.run(
            [DOVECOT, "-c", str(root / "dovecot.conf")],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"dovecot did not start: {self.log()}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        try:
            subprocess.run(
                [DOVECOT, "-c", str(self.root / "dovecot.conf"), "stop"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=15,
            )
            pid_file = self.root / "run" / "master.pid"
            deadline = time.monotonic() + 10
            while pid_file.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def settings(self, **changes: object) -> BounceSettings:
        values: dict[str, object] = dict(
            host="127.0.0.1",
            port=self.port,
            security="none",
            username=USER,
            password=PASSWORD,
            folder="INBOX",
            done_folder="briefcast/processed",
            timeout=10.0,
        )
        values.update(changes)
        return BounceSettings(**values)  # type: ignore[arg-type]

    def _client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(USER, PASSWORD)
        return imap

    def append(self, folder: str, data: bytes) -> None:
        imap = self._client()
        try:
            if folder != "INBOX":
                imap.create(folder)
            status, answer = imap.append(folder, None, None, data)
            assert status == "OK", answer
        finally:
            imap.logout()

    def folder(self, name: str) -> list[bytes]:
        """The raw messages in a folder ("briefcast.processed": Dovecot's Maildir uses ".")."""
        imap = self._client()
        try:
            status, _ = imap.select(f'"{name}"', readonly=True)
            if status != "OK":
                return []
            _, found = imap.uid("SEARCH", None, "ALL")
            messages = []
            for uid in (found[0] or b"").split():
                _, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
                messages.extend(p[1] for p in parts if isinstance(p, tuple))
            return messages
        finally:
            imap.logout()
