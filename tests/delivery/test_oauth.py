"""Access tokens (delivery/oauth.py) from a real token endpoint on 127.0.0.1, and their settings.

The endpoint (tests/m365_server.py) checks the client credentials grant as Entra ID
documents it, so a secret or a client assertion it accepts is one the code really built right.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
from pathlib import Path

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from m365_server import CLIENT_ID, MAILBOX, TENANT, TOKEN_KEY, Clock, M365Server

from briefcast.delivery.oauth import GRAPH_SCOPE, SMTP_SCOPE, TokenError, TokenSource, xoauth2
from briefcast.settings import RateLimits, Settings, SettingsError


def claims(token: str) -> dict:
    return jwt.decode(token, TOKEN_KEY, algorithms=["HS256"], options={"verify_aud": False})


def make_certificate(folder: Path, name: str = "app") -> tuple[bytes, bytes]:
    """A self-signed RSA certificate as an app registration would have uploaded: (key, cert)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"briefcast {name}")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path, bytes]:
    """(key and certificate in one PEM file, the certificate alone, the key alone)."""
    key, cert = make_certificate(tmp_path)
    both, alone = tmp_path / "app.pem", tmp_path / "app.crt"
    both.write_bytes(key + cert)
    alone.write_bytes(cert)
    return both, alone, key


# -- tokens ------------------------------------------------------------------------------------


def test_a_client_secret_gets_a_token_for_the_scope_asked(cloud):
    graph = TokenSource(cloud.oauth(), GRAPH_SCOPE, timeout=5)
    smtp = TokenSource(cloud.oauth(), SMTP_SCOPE, timeout=5)
    assert claims(graph.token())["aud"] == "https://graph.microsoft.com"
    assert claims(graph.token())["roles"] == ["Mail.Send"]
    assert claims(smtp())["aud"] == "https://outlook.office365.com"  # callable, for IMAP later
    assert (graph.requests, smtp.requests, len(cloud.tokens)) == (1, 1, 2)


def test_a_token_is_kept_then_renewed_before_it_expires(cloud):
    clock = Clock()
    tokens = TokenSource(cloud.oauth(), GRAPH_SCOPE, timeout=5, clock=clock)
    first = tokens.token()
    clock.now += 3599 - 300 - 1  # the endpoint gives 3599 s; renewed with 5 minutes left
    assert tokens.token() == first
    assert tokens.requests == 1
    clock.now += 1
    second = tokens.token()
    assert second != first and tokens.requests == 2
    assert claims(second)["jti"] == cloud.tokens[-1]["jti"]


def test_a_short_lived_token_is_renewed_with_a_quarter_of_its_life_left(cloud):
    cloud.token_lifetime = 60
    clock = Clock()
    tokens = TokenSource(cloud.oauth(), GRAPH_SCOPE, timeout=5, clock=clock)
    first = tokens.token()
    clock.now += 44
    assert tokens.token() == first
    clock.now += 1
    assert tokens.token() != first


def test_renew_gets_a_new_token_at_once(cloud):
    tokens = TokenSource(cloud.oauth(), SMTP_SCOPE, timeout=5)
    first = tokens.token()
    assert tokens.renew() != first
    assert tokens.token() == cloud_token(cloud, -1) and tokens.requests == 2


def cloud_token(cloud: M365Server, index: int) -> str:
    return jwt.encode(cloud.tokens[index], TOKEN_KEY, algorithm="HS256")


def test_a_wrong_secret_is_one_line_naming_the_settings(cloud):
    tokens = TokenSource(cloud.oauth(client_secret="not the secret"), SMTP_SCOPE, timeout=5)
    with pytest.raises(TokenError) as caught:
        tokens.token()
    message = str(caught.value)
    assert not caught.value.temporary
    assert "invalid_client: AADSTS7000215" in message and "BRIEFCAST_OAUTH_TENANT" in message
    assert "\n" not in message and "Trace ID" not in message


def test_a_failing_endpoint_is_temporary(cloud):
    cloud.token_failures.append((503, {"error": "temporarily_unavailable"}))
    tokens = TokenSource(cloud.oauth(), SMTP_SCOPE, timeout=5)
    with pytest.raises(TokenError, match="temporarily_unavailable") as caught:
        tokens.token()
    assert caught.value.temporary
    assert tokens.token()  # the endpoint is back


def test_an_unreachable_endpoint_is_temporary(cloud):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    url = f"http://127.0.0.1:{port}/{TENANT}/oauth2/v2.0/token"
    with pytest.raises(TokenError, match="refused the connection") as caught:
        TokenSource(cloud.oauth(token_url=url), SMTP_SCOPE, timeout=5).token()
    assert caught.value.temporary and "\n" not in str(caught.value)


def test_an_answer_without_a_token_is_refused(cloud):
    cloud.token_failures.append((200, {"token_type": "Bearer", "expires_in": 3599}))
    with pytest.raises(TokenError, match="without a usable token"):
        TokenSource(cloud.oauth(), SMTP_SCOPE, timeout=5).token()


def test_xoauth2_is_the_documented_initial_response():
    assert xoauth2(MAILBOX, "t0k3n") == f"user={MAILBOX}\x01auth=Bearer t0k3n\x01\x01"


# -- certificate credentials (a client assertion, RFC 7523) -------------------------------------


def test_a_certificate_signs_an_assertion_the_endpoint_accepts(certificate):
    both, alone, _ = certificate
    with M365Server(certificate=alone) as cloud:
        tokens = TokenSource(cloud.oauth(certificate_file=both), GRAPH_SCOPE, timeout=5)
        assert claims(tokens.token())["appid"] == CLIENT_ID
        tokens.renew()  # a new assertion each time: the endpoint refuses a replayed one
        assert tokens.requests == 2


def test_a_key_alone_with_the_sha1_thumbprint_uses_the_older_documented_form(certificate, tmp_path):
    _, alone, key = certificate
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(key)
    der = x509.load_pem_x509_certificate(alone.read_bytes()).public_bytes(
        serialization.Encoding.DER
    )
    thumbprint = hashlib.sha1(der).hexdigest().upper()  # as the app registration shows it
    with M365Server(certificate=alone) as cloud:
        settings = cloud.oauth(certificate_file=key_file, certificate_thumbprint=thumbprint)
        tokens = TokenSource(settings, SMTP_SCOPE, timeout=5)
        assert claims(tokens.token())["aud"] == "https://outlook.office365.com"


def test_a_certificate_the_app_does_not_have_is_refused(certificate, tmp_path):
    both, _, _ = certificate
    _, other_cert = make_certificate(tmp_path, "other")
    registered = tmp_path / "registered.crt"
    registered.write_bytes(other_cert)
    with M365Server(certificate=registered) as cloud:
        tokens = TokenSource(cloud.oauth(certificate_file=both), SMTP_SCOPE, timeout=5)
        with pytest.raises(TokenError, match="invalid_client"):
            tokens.token()


@pytest.mark.parametrize(
    ("contents", "thumbprint", "expected"),
    [
        ("nothing", None, "holds no PEM private key"),
        ("key", None, "holds no certificate"),
        ("key", "not hex!", "must be hexadecimal"),
        ("key+cert", "AB" * 20, "thumbprint is"),
        ("key+other cert", None, "do not belong together"),
    ],
)
def test_a_bad_certificate_file_is_one_line_at_start(
    certificate, tmp_path, contents, thumbprint, expected
):
    _, alone, key = certificate
    _, other = make_certificate(tmp_path, "other")
    parts = {"nothing": b"no PEM here\n", "key": key, "key+cert": key + alone.read_bytes()}
    parts["key+other cert"] = key + other
    path = tmp_path / "credential.pem"
    path.write_bytes(parts[contents])
    with M365Server() as cloud:
        settings = cloud.oauth(certificate_file=path, certificate_thumbprint=thumbprint)
        with pytest.raises(TokenError, match=expected) as caught:
            TokenSource(settings, SMTP_SCOPE)  # at construction: before anything is sent
        assert cloud.tokens == []
    assert "\n" not in str(caught.value)
    assert "BRIEFCAST_OAUTH_CERTIFICATE" in str(caught.value)


# -- settings ----------------------------------------------------------------------------------

OAUTH = {
    "BRIEFCAST_OAUTH_TENANT": TENANT,
    "BRIEFCAST_OAUTH_CLIENT_ID": CLIENT_ID,
    "BRIEFCAST_OAUTH_CLIENT_SECRET": "secret",
}
SMTP_OAUTH = {
    "BRIEFCAST_TRANSPORT": "smtp",
    "BRIEFCAST_SMTP_HOST": "smtp.office365.com",
    "BRIEFCAST_SMTP_AUTH": "oauth2",
    "BRIEFCAST_SMTP_USERNAME": MAILBOX,
    **OAUTH,
}
GRAPH = {"BRIEFCAST_TRANSPORT": "graph", "BRIEFCAST_GRAPH_MAILBOX": MAILBOX, **OAUTH}


def test_oauth_settings_for_smtp(tmp_path):
    settings = Settings.from_env(SMTP_OAUTH, workdir=tmp_path)
    assert settings.smtp.auth == "oauth2" and settings.smtp.username == MAILBOX
    assert settings.oauth.token_url == (
        f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
    )
    assert "secret" not in repr(settings)


def test_graph_settings_keep_to_exchange_limits_unless_told(tmp_path):
    settings = Settings.from_env(GRAPH, workdir=tmp_path)
    assert settings.graph.url == "https://graph.microsoft.com"
    assert settings.limits == RateLimits(per_minute=30, per_day=10_000)
    faster = Settings.from_env({**GRAPH, "BRIEFCAST_MAX_PER_MINUTE": "60"}, workdir=tmp_path)
    assert faster.limits.per_minute == 60
    assert Settings.from_env({}, workdir=tmp_path).oauth is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"BRIEFCAST_OAUTH_TOKEN_URL": "http://login.example.org/token"}, "http:// only to this"),
        ({"BRIEFCAST_GRAPH_URL": "http://graph.example.org"}, "BRIEFCAST_GRAPH_URL must be"),
        ({"BRIEFCAST_OAUTH_CLIENT_ID": ""}, "BRIEFCAST_OAUTH_CLIENT_ID"),
        ({"BRIEFCAST_OAUTH_TENANT": ""}, "BRIEFCAST_OAUTH_TENANT"),
        ({"BRIEFCAST_OAUTH_TENANT": "a/../b"}, "tenant id or domain"),
        ({"BRIEFCAST_OAUTH_CLIENT_SECRET": ""}, "not both or neither"),
        ({"BRIEFCAST_OAUTH_CERTIFICATE_FILE": "/nowhere/app.pem"}, "not both or neither"),
        ({"BRIEFCAST_GRAPH_MAILBOX": ""}, "BRIEFCAST_GRAPH_MAILBOX"),
    ],
)
def test_bad_graph_settings_are_one_line(tmp_path, changes, expected):
    with pytest.raises(SettingsError, match=expected) as caught:
        Settings.from_env({**GRAPH, **changes}, workdir=tmp_path)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"BRIEFCAST_SMTP_USERNAME": ""}, "set BRIEFCAST_SMTP_USERNAME to the sending mailbox"),
        ({"BRIEFCAST_SMTP_PASSWORD": "a password"}, "leave BRIEFCAST_SMTP_PASSWORD unset"),
        ({"BRIEFCAST_SMTP_SECURITY": "none"}, "the token would cross the network"),
        ({"BRIEFCAST_SMTP_AUTH": "kerberos"}, "BRIEFCAST_SMTP_AUTH must be one of"),
    ],
)
def test_bad_smtp_oauth_settings_are_one_line(tmp_path, changes, expected):
    with pytest.raises(SettingsError, match=expected):
        Settings.from_env({**SMTP_OAUTH, **changes}, workdir=tmp_path)


def test_a_loopback_token_url_may_be_http_and_needs_no_tenant(tmp_path):
    environ = {**GRAPH, "BRIEFCAST_OAUTH_TENANT": ""}
    environ["BRIEFCAST_OAUTH_TOKEN_URL"] = "http://127.0.0.1:8400/token"
    assert Settings.from_env(environ, workdir=tmp_path).oauth.token_url == (
        "http://127.0.0.1:8400/token"
    )


def test_the_client_secret_is_refused_in_a_settings_file(tmp_path):
    (tmp_path / "settings.toml").write_text('oauth_client_secret = "secret"\n')
    environ = {**GRAPH, "BRIEFCAST_SETTINGS": str(tmp_path / "settings.toml")}
    del environ["BRIEFCAST_OAUTH_CLIENT_SECRET"]
    with pytest.raises(SettingsError, match="must not be kept in a file"):
        Settings.from_env(environ, workdir=tmp_path)
