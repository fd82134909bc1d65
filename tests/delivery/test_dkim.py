"""DKIM signing: a signature that verifies, covers the list headers, breaks when they change."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import dkim
import pytest
from digests import SAMPLE_FIELDS, make_digest

from briefcast.campaigns.render import render_digest
from briefcast.delivery.dkim import DkimError, sign
from briefcast.delivery.message import Addressing, build_message, make_list_id
from briefcast.delivery.transports import Envelope, SmtpTransport
from briefcast.settings import DkimSettings

SELECTOR, DOMAIN = "briefcast", "example.org"


def openssl(*args: str) -> bytes:
    return subprocess.run(["openssl", *args], check=True, capture_output=True).stdout


@pytest.fixture(scope="module")
def key_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dkim") / "private.pem"
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(path))
    return path


@pytest.fixture(scope="module")
def dns(key_file):
    """A DNS lookup answering the selector's TXT record, as the receiving server would."""
    public = base64.b64encode(openssl("pkey", "-in", str(key_file), "-pubout", "-outform", "DER"))
    record = b"v=DKIM1; k=rsa; p=" + public

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name == f"{SELECTOR}._domainkey.{DOMAIN}.".encode() else None

    return lookup


@pytest.fixture(scope="module")
def settings(key_file) -> DkimSettings:
    return DkimSettings(key_file=key_file, selector=SELECTOR, domain=DOMAIN)


@pytest.fixture(scope="module")
def rendered():
    return render_digest(make_digest())


def make_message(rendered, **changes) -> bytes:
    arguments = dict(
        to="sam.sample@example.org",
        to_name="Zoë Sample",
        list_id=make_list_id("Learning from reviews", "national-panel-2020", DOMAIN),
        unsubscribe_url=SAMPLE_FIELDS["unsubscribe_url"],
        unsubscribe_mailto="unsubscribe@example.org",
    )
    arguments.update(changes)
    return bytes(build_message(rendered, SAMPLE_FIELDS, Addressing(**arguments)))


def signed_headers(signed: bytes) -> list[str]:
    signature = dkim.DKIM(signed)
    signature.verify_headerprep()
    return [name.decode() for name in signature.include_headers]


def test_the_signature_verifies_and_covers_the_list_headers(rendered, settings, dns):
    message = make_message(rendered)
    signed = sign(message, settings)
    assert signed.startswith(b"DKIM-Signature: ") and signed.endswith(message)
    assert dkim.verify(signed, dnsfunc=dns)
    covered = signed_headers(signed)
    for header in ("from", "to", "subject", "date", "message-id", "list-id"):
        assert header in covered
    assert "list-unsubscribe" in covered and "list-unsubscribe-post" in covered


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"List-Unsubscribe: <https://", b"List-Unsubscribe: <http://"),
        (b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: No"),
        (b"Subject: Part 2", b"Subject: Part 3"),
        (b"Dear ", b"Hello "),
    ],
)
def test_a_changed_header_or_body_breaks_the_signature(rendered, settings, dns, old, new):
    signed = sign(make_message(rendered), settings)
    assert old in signed
    assert not dkim.verify(signed.replace(old, new, 1), dnsfunc=dns)


def test_the_signature_survives_the_trip_through_an_smtp_relay(
    rendered, settings, dns, smtp_server
):
    signed = sign(make_message(rendered), settings)
    with SmtpTransport(smtp_server.settings()) as transport:
        transport.send(Envelope("learning@example.org", "sam.sample@example.org"), signed)
    [received] = smtp_server.messages()
    assert dkim.verify(received.data, dnsfunc=dns)


def test_headers_a_message_lacks_are_left_out(settings, dns):
    message = b"From: learning@example.org\r\nTo: sam@example.org\r\nSubject: Hi\r\n\r\nBody\r\n"
    signed = sign(message, settings)
    assert signed_headers(signed) == ["from", "to", "subject"]
    assert dkim.verify(signed, dnsfunc=dns)


def test_a_traditional_rsa_key_with_windows_line_endings_works(tmp_path, key_file, dns):
    traditional = openssl("pkey", "-in", str(key_file), "-traditional")
    assert traditional.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    path = tmp_path / "windows.pem"
    path.write_bytes(traditional.replace(b"\n", b"\r\n"))
    signed = sign(
        b"From: learning@example.org\r\n\r\nBody\r\n", DkimSettings(path, SELECTOR, DOMAIN)
    )
    assert dkim.verify(signed, dnsfunc=dns)


@pytest.mark.parametrize(
    "content",
    [
        b"not a key at all",
        b"-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
        b"-----BEGIN PRIVATE KEY-----\n!!! not base64 !!!\n-----END PRIVATE KEY-----\n",
    ],
)
def test_a_bad_key_file_is_one_clear_line(tmp_path, content):
    path = tmp_path / "bad.pem"
    path.write_bytes(content)
    with pytest.raises(DkimError) as caught:
        sign(b"From: learning@example.org\r\n\r\nBody\r\n", DkimSettings(path, SELECTOR, DOMAIN))
    message = str(caught.value)
    assert message.startswith(f"{path}: not a PEM RSA private key")
    assert "BRIEFCAST_DKIM_KEY_FILE" in message and "\n" not in message


def test_a_missing_key_file_is_one_clear_line(tmp_path):
    path = tmp_path / "gone.pem"
    with pytest.raises(DkimError, match="cannot read the DKIM key") as caught:
        sign(b"From: learning@example.org\r\n\r\nBody\r\n", DkimSettings(path, SELECTOR, DOMAIN))
    assert "\n" not in str(caught.value)
