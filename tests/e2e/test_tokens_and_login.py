"""Tokens and logins over HTTP: the password grant, refusals with WWW-Authenticate, expiry
on the app's clock, forged signatures, and the login throttle (429 with Retry-After)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import jwt
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import Region, auth_headers, validate
from security_support import PASSWORD, add_login_user

from parity.domain.users import Role


def _token(
    client: TestClient, password: str = PASSWORD, username: str = "matrix"
) -> httpx.Response:
    return client.post("/token", data={"username": username, "password": password})


def test_the_password_grant_issues_a_signed_expiring_token(app: FastAPI, region: Region) -> None:
    add_login_user(region, "sam", Role.SCHEDULER, clinic_ids=("san-diego",))
    with TestClient(app) as client:
        answer = client.post("/token", data={"username": "sam", "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 30 * 60
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["sub"] == "sam"
        assert claims["role"] == "scheduler"
        assert claims["exp"] - claims["iat"] == 30 * 60
        assert {"jti", "iss", "aud"} <= set(claims)
        headers = {"Authorization": f"Bearer {body['access_token']}"}
        assert client.get("/ServiceRequest?status=active", headers=headers).status_code == 200


def test_a_wrong_password_and_an_unknown_user_get_the_same_401(
    app: FastAPI, region: Region
) -> None:
    add_login_user(region)
    with TestClient(app) as client:
        wrong = client.post("/token", data={"username": "matrix", "password": "nope-nope-nope"})
        unknown = client.post("/token", data={"username": "nobody", "password": PASSWORD})
    for answer in (wrong, unknown):
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"].startswith("Bearer")
        outcome = validate(answer.json())
        assert outcome["issue"][0]["code"] == "login"
    assert wrong.json()["issue"][0]["diagnostics"] == unknown.json()["issue"][0]["diagnostics"]


def test_no_token_a_forged_token_and_an_expired_token_are_401(app: FastAPI, region: Region) -> None:
    good = auth_headers(app, Role.ADMIN)["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(good, options={"verify_signature": False})
    forged = jwt.encode(claims, "a-guessed-secret-a-guessed-secret!!", algorithm="HS256")
    with TestClient(app) as client:
        assert client.get("/Patient/ada").status_code == 401
        forged_answer = client.get("/Patient/ada", headers={"Authorization": f"Bearer {forged}"})
        assert forged_answer.status_code == 401
        headers = {"Authorization": f"Bearer {good}"}
        assert client.get("/Patient/ada", headers=headers).status_code == 200
        region.clock.advance(timedelta(minutes=31))
        expired = client.get("/Patient/ada", headers=headers)
    assert expired.status_code == 401
    assert "expired" in expired.json()["issue"][0]["diagnostics"]


def test_five_failed_logins_lock_the_user_name_with_retry_after(
    app: FastAPI, region: Region
) -> None:
    add_login_user(region)
    with TestClient(app) as client:
        failures = [_token(client, "wrong-password!") for _ in range(5)]
        locked = _token(client)  # even the right password waits now
        assert [f.status_code for f in failures] == [401] * 5
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) > 0
        assert validate(locked.json())["issue"][0]["code"] == "throttled"
        region.clock.advance(timedelta(minutes=15, seconds=1))
        assert _token(client).status_code == 200


def test_the_throttle_counts_failures_per_address_across_user_names(
    app: FastAPI, region: Region
) -> None:
    with TestClient(app) as client:
        for n in range(20):  # the address ceiling: twenty tries over any user names
            assert _token(client, "whatever-password", f"guess{n}").status_code == 401
        assert _token(client, "whatever-password", "guess99").status_code == 429
