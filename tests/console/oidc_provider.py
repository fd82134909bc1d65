"""A small OpenID provider on 127.0.0.1 for the tests, in a thread: discovery, JWKS, /authorize
(the test person consents at once and goes back with a code) and /token (checks the code, the
PKCE verifier, the client secret and the redirect URI; answers with an RS256 ID token).

    with OpenIdProvider(TENANT, CLIENT_ID, SECRET) as provider:
        provider.person = {"oid": ..., "tid": ...}   # who signs in at /authorize
        provider.tamper = {"aud": "another app"}     # claims of the next ID tokens changed
        provider.settings()                          # OidcSettings pointing here
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from briefcast.settings import OidcSettings


class OpenIdProvider:
    def __init__(self, tenant: str, client_id: str, client_secret: str) -> None:
        self.tenant, self.client_id, self.client_secret = tenant, client_id, client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-key-1"
        self.person: dict[str, Any] = {}
        self.tamper: dict[str, Any] = {}  # claims replaced (a None value: the claim left out)
        self.signing_key: Any = None  # another key to sign with (a forged token)
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_requests: list[dict[str, str]] = []
        self.refusals: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.issuer = f"{self.url}/{tenant}/v2.0"

    def __enter__(self) -> OpenIdProvider:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def settings(self) -> OidcSettings:
        return OidcSettings(
            tenant=self.tenant,
            client_id=self.client_id,
            client_secret=self.client_secret,
            issuer=self.issuer,
            metadata_url=f"{self.issuer}/.well-known/openid-configuration",
            timeout=5,
        )

    # -- the endpoints ----------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/keys",
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str]]:
        """The person is signed in and consents at once: back to the app with a code."""
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return 400, {}
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {}
        code = secrets.token_urlsafe(24)
        self.codes[code] = {**query, "person": dict(self.person)}
        back = {"code": code, "state": query.get("state", "")}
        return 302, {"Location": f"{query['redirect_uri']}?{urlencode(back)}"}

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        asked = self.codes.pop(form.get("code", ""), None)  # a code works once
        problem = self._token_problem(form, asked)
        if problem:
            self.refusals.append(problem)
            return 400, {"error": "invalid_grant", "error_description": problem}
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "nonce": asked["nonce"],
            "tid": self.tenant,
            "sub": "pairwise-" + str(asked["person"].get("oid")),
            "email": "someone@example.net",
            **asked["person"],
        }
        if "profile" not in asked.get("scope", "").split():
            claims.pop("oid", None)  # as Entra ID: the object id only with the profile scope
        for name, value in self.tamper.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        key = self.signing_key or self.key
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})
        return 200, {"token_type": "Bearer", "id_token": token, "access_token": "unused"}

    def _token_problem(self, form: dict[str, str], asked: dict[str, Any] | None) -> str | None:
        if form.get("grant_type") != "authorization_code":
            return "grant_type"
        if asked is None:
            return "unknown or used code"
        if form.get("client_id") != self.client_id or form.get("client_secret") != (
            self.client_secret
        ):
            return "client authentication"
        if form.get("redirect_uri") != asked["redirect_uri"]:
            return "redirect_uri differs from the authorization request's"
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if challenge.decode() != asked["code_challenge"]:
            return "PKCE verifier does not match the challenge"
        return None


def _handler(provider: OpenIdProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path == f"/{provider.tenant}/v2.0/.well-known/openid-configuration":
                self._json(200, provider.metadata())
            elif parts.path == "/keys":
                self._json(200, provider.jwks())
            elif parts.path == "/authorize":
                status, headers = provider.authorize(query)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._json(404, {"error": "not found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if urlsplit(self.path).path == "/token":
                self._json(*provider.token(form))
            else:
                self._json(404, {"error": "not found"})

        def _json(self, status: int, data: dict[str, Any]) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
