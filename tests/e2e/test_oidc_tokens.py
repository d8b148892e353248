"""An external OpenID Connect issuer's tokens, checked against keys fetched from its JWKS
address (a local HTTP server here). RSA keys need the `cryptography` package, which is not
installed, so the issuer signs with a symmetric (`oct`) JWK; the fetching, key choice by
`kid`, issuer, audience, expiry and role mapping are the same code path."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import jwt
import pytest

from parity.adapters.clock import SimulatedClock
from parity.domain.users import NotAuthenticated, Principal, Role
from parity.entrypoints.security.tokens import OidcTokens

KEY = "an external issuer's signing key, 32+ bytes long"
JWKS = {
    "keys": [
        {
            "kty": "oct",
            "kid": "k1",
            "alg": "HS256",
            "k": jwt.utils.base64url_encode(KEY.encode()).decode(),
        }
    ]
}
ISSUER = "https://login.plan.example"
NOW = datetime(2026, 6, 1, 17, tzinfo=UTC)


class Keys(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(JWKS).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def jwks_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()


def _signed(claims: dict[str, Any], kid: str = "k1") -> str:
    base = {"sub": "kim@plan.example", "iss": ISSUER, "aud": "parity", "iat": int(NOW.timestamp())}
    base["exp"] = int((NOW + timedelta(minutes=5)).timestamp())
    return jwt.encode(base | claims, KEY, algorithm="HS256", headers={"kid": kid})


def test_an_external_token_is_verified_against_the_issuers_published_keys(jwks_url: str) -> None:
    clock = SimulatedClock(NOW)
    verifier = OidcTokens(clock, ISSUER, "parity", jwks_url, "roles", ("HS256",))
    token = _signed({"roles": ["staff", "auditor"]})
    assert verifier.verify(token) == Principal("kim@plan.example", Role.AUDITOR)
    for bad in (_signed({"roles": ["auditor"], "aud": "other"}), _signed({"roles": ["x"]})):
        with pytest.raises(NotAuthenticated):
            verifier.verify(bad)
    with pytest.raises(NotAuthenticated):
        verifier.verify(_signed({"roles": ["auditor"]}, kid="unknown"))
    clock.advance(timedelta(minutes=6))
    with pytest.raises(NotAuthenticated, match="expired"):
        verifier.verify(token)
