"""The hardening of docs/adr/0012: security headers, the API viewers off by default, tokens
revoked at sign-out and refused when too long-lived or issued in the future, a burst of
concurrent password guesses mostly refused before argon2, `X-Forwarded-For` believed only
from configured proxies, strong passwords, the secret file in the data directory, and an
oversized CSV field refused as input."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import Region, auth_headers
from security_support import PASSWORD, add_login_user

from parity.adapters.passwords import refuse_weak
from parity.config import Settings
from parity.domain.errors import InvalidInput
from parity.entrypoints.api import create_app
from parity.entrypoints.security.context import SecurityConfig, security_of
from parity.entrypoints.security.proxies import uvicorn_proxy_options
from parity.entrypoints.web.comparisons import comparison_from_csv


def test_every_response_carries_the_security_headers(app: FastAPI) -> None:
    with TestClient(app) as client:
        fhir = client.get("/Patient/ada", headers=auth_headers(app))
        page = client.get("/app/login")
        asset = client.get("/health")
    for answer in (fhir, page):
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["cache-control"] == "no-store"
    assert "no-store" not in asset.headers.get("cache-control", "")


def test_the_api_viewers_are_off_unless_enabled(region: Region) -> None:
    quiet = create_app(lambda: region.store, region.policy, region.clock)
    loud = create_app(
        lambda: region.store,
        region.policy,
        region.clock,
        SecurityConfig("s" * 40, api_docs=True),
    )
    with TestClient(quiet) as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/redoc").status_code == 404
        assert client.get("/openapi.json").status_code == 200
    with TestClient(loud) as client:
        assert client.get("/docs").status_code == 200


def test_signing_out_revokes_the_token(app: FastAPI, region: Region) -> None:
    headers = auth_headers(app)
    with TestClient(app) as client:
        assert client.get("/Patient/ada", headers=headers).status_code == 200
        assert client.post("/logout", headers=headers).json() == {"revoked": True}
        after = client.get("/Patient/ada", headers=headers)
        region.clock.advance(timedelta(minutes=5))
        later = client.get("/Patient/ada", headers=headers)
    assert after.status_code == 401
    assert "signed out" in after.text
    assert later.status_code == 401


def test_signing_out_of_the_pages_revokes_the_session(app: FastAPI, region: Region) -> None:
    add_login_user(region)
    with TestClient(app, follow_redirects=False) as client:
        client.post("/app/login", data={"username": "matrix", "password": PASSWORD})
        cookie = dict(client.cookies)
        assert client.get("/app/dashboard").status_code == 200
        form = client.get("/app/dashboard").text
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/app/logout", data={"csrf_token": token})
        client.cookies.update(cookie)  # the old cookie, replayed
        assert client.get("/app/dashboard").status_code in (303, 401)


def _signed(app: FastAPI, issued: int, expires: int) -> dict[str, str]:
    claims = {
        "sub": "forger",
        "role": "admin",
        "iat": issued,
        "exp": expires,
        "jti": "x",
        "iss": "parity",
        "aud": "parity-api",
    }
    secret = security_of(app).config.secret
    return {"Authorization": f"Bearer {jwt.encode(claims, secret, algorithm='HS256')}"}


def test_a_token_living_longer_than_allowed_or_issued_in_the_future_is_refused(
    app: FastAPI, region: Region
) -> None:
    now = int(region.clock.now().timestamp())
    with TestClient(app) as client:
        fine = client.get("/Patient/ada", headers=_signed(app, now, now + 600))
        year = client.get("/Patient/ada", headers=_signed(app, now, now + 365 * 86400))
        future = client.get("/Patient/ada", headers=_signed(app, now + 3600, now + 4000))
    assert fine.status_code == 200
    assert year.status_code == 401
    assert future.status_code == 401


def test_of_twenty_concurrent_guesses_at_most_five_reach_argon2(
    app: FastAPI, region: Region
) -> None:
    add_login_user(region)
    security = security_of(app)
    checked: list[int] = []
    real = security.passwords

    class Counting:
        def hash(self, password: str) -> str:
            return real.hash(password)

        def matches(self, stored_hash: str | None, password: str) -> bool:
            checked.append(1)
            time.sleep(0.05)  # keep the guesses in flight together
            return real.matches(stored_hash, password)

    security.passwords = Counting()
    answers: list[int] = []

    def guess(n: int) -> None:
        with TestClient(app) as client:
            sent = {"username": "matrix", "password": f"guess-{n}"}
            answers.append(client.post("/token", data=sent).status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) <= 5
    assert sorted(set(answers)) == [401, 429]
    assert answers.count(429) >= 15


def test_x_forwarded_for_is_believed_only_from_configured_proxies() -> None:
    assert uvicorn_proxy_options(Settings()) == {"proxy_headers": False, "forwarded_allow_ips": ""}
    behind = Settings(trusted_proxies="10.0.0.1, 10.1.0.0/16")
    assert uvicorn_proxy_options(behind) == {
        "proxy_headers": True,
        "forwarded_allow_ips": "10.0.0.1,10.1.0.0/16",
    }
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        uvicorn_proxy_options(Settings(trusted_proxies="everyone"))


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaaaa", "password1234", "123456789012", "qwertyuiopas", "sam.jones-2026"]
)
def test_weak_or_personal_passwords_are_refused(password: str) -> None:
    with pytest.raises(InvalidInput):
        refuse_weak(password, ["sam.jones", "sam", "jones"])


def test_a_long_unpredictable_password_is_accepted() -> None:
    refuse_weak("correct horse battery staple 93!", ["sam.jones", "sam", "jones"])


def test_the_secret_file_lives_in_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'data' / 'parity.db'}")
    first = SecurityConfig.from_settings(settings)
    assert (tmp_path / "data" / "parity-secret.key").is_file()
    assert not list(elsewhere.iterdir()), "nothing is written where the server was started"
    assert SecurityConfig.from_settings(settings).secret == first.secret


def test_an_oversized_csv_field_is_refused_as_input() -> None:
    text = "scenario,month,metric,mean,p5,p95\n" + "a," * 5 + '"' + "x" * 200_000 + '"\n'
    with pytest.raises(InvalidInput):
        comparison_from_csv("huge.csv", text.encode())
