"""Tokens Parity signs (HS256, on the app's clock), the claim mapping an external OpenID
Connect issuer goes through, and where the signing secret comes from."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from parity.adapters.clock import SimulatedClock
from parity.config import Settings
from parity.domain.users import NotAuthenticated, Principal, Role
from parity.entrypoints.security.context import SecurityConfig
from parity.entrypoints.security.tokens import AnyOf, LocalTokens, principal_from_claims

SECRET = "s" * 40
WHO = Principal("sam", Role.SCHEDULER, clinic_ids=("san-diego", "fontana"))


def _tokens(
    clock: SimulatedClock, secret: str = SECRET, audience: str = "parity-api"
) -> LocalTokens:
    return LocalTokens(secret, clock, timedelta(minutes=30), "parity", audience)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(datetime(2026, 6, 1, 17, tzinfo=UTC))


def test_a_token_carries_the_principal_and_verifies_until_it_expires(clock: SimulatedClock) -> None:
    tokens = _tokens(clock)
    issued = tokens.issue(WHO)
    assert tokens.verify(issued.token) == WHO
    claims = jwt.decode(
        issued.token,
        SECRET,
        algorithms=["HS256"],
        audience="parity-api",
        options={"verify_exp": False},  # exp is on the simulated clock, checked below
    )
    assert claims["exp"] - claims["iat"] == issued.expires_in_seconds == 1800
    assert claims["jti"] == issued.jti
    clock.advance(timedelta(minutes=29, seconds=59))
    assert tokens.verify(issued.token) == WHO
    clock.advance(timedelta(seconds=1))
    with pytest.raises(NotAuthenticated, match="expired"):
        tokens.verify(issued.token)


def test_a_token_from_another_secret_or_for_another_audience_is_refused(
    clock: SimulatedClock,
) -> None:
    forged = _tokens(clock, secret="t" * 40).issue(WHO).token
    elsewhere = _tokens(clock, audience="another-api").issue(WHO).token
    for token in (forged, elsewhere, "not.a.token", ""):
        with pytest.raises(NotAuthenticated):
            _tokens(clock).verify(token)


def test_a_token_with_no_expiry_or_an_unknown_role_is_refused(clock: SimulatedClock) -> None:
    now = int(clock.now().timestamp())
    base = {"sub": "sam", "iat": now, "iss": "parity", "aud": "parity-api", "jti": "x"}
    no_expiry = jwt.encode({**base, "role": "admin"}, SECRET, algorithm="HS256")
    unknown = jwt.encode({**base, "role": "root", "exp": now + 60}, SECRET, algorithm="HS256")
    for token in (no_expiry, unknown):
        with pytest.raises(NotAuthenticated):
            _tokens(clock).verify(token)


def test_an_external_issuers_group_claim_maps_to_a_parity_role() -> None:
    claims = {"sub": "kim@plan.example", "groups": ["staff", "parity-auditors"]}
    role_map = {"parity-auditors": Role.AUDITOR, "parity-admins": Role.ADMIN}
    assert principal_from_claims(claims, "groups", role_map) == Principal(
        "kim@plan.example", Role.AUDITOR
    )
    with pytest.raises(NotAuthenticated):
        principal_from_claims({"sub": "kim", "groups": ["staff"]}, "groups", role_map)
    therapist = principal_from_claims(
        {"sub": "t", "parity_role": "therapist", "clinician_id": "c1"}, "parity_role"
    )
    assert therapist.clinician_id == "c1"


def test_any_of_tries_each_verifier_in_turn(clock: SimulatedClock) -> None:
    other = _tokens(clock, secret="u" * 40)
    token = other.issue(WHO).token
    assert AnyOf(_tokens(clock), other).verify(token) == WHO
    with pytest.raises(NotAuthenticated):
        AnyOf(_tokens(clock)).verify(token)


def test_a_short_secret_and_a_missing_one_on_postgresql_stop_the_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 32"):
        SecurityConfig.from_settings(Settings(secret_key="short"), tmp_path / "key")
    postgres = Settings(database_url="postgresql://db/parity")
    with pytest.raises(ValueError, match="required with PostgreSQL"):
        SecurityConfig.from_settings(postgres, tmp_path / "key")
    assert not (tmp_path / "key").exists()


def test_sqlite_without_a_secret_makes_one_private_file_and_keeps_using_it(tmp_path: Path) -> None:
    path = tmp_path / "var" / "secret"
    first = SecurityConfig.from_settings(Settings(), path)
    again = SecurityConfig.from_settings(Settings(), path)
    assert first.secret == again.secret
    assert len(first.secret) >= 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_token_lifetime_and_the_oidc_issuer_come_from_the_environment() -> None:
    env = {
        "PARITY_SECRET_KEY": "k" * 32,
        "PARITY_TOKEN_MINUTES": "5",
        "PARITY_OIDC_ISSUER": "https://login.plan.example/",
        "PARITY_OIDC_AUDIENCE": "parity",
    }
    config = SecurityConfig.from_settings(Settings.from_env(env))
    assert config.token_lifetime == timedelta(minutes=5)
    assert config.oidc_jwks_url == "https://login.plan.example/.well-known/jwks.json"
    with pytest.raises(ValueError, match="PARITY_TOKEN_MINUTES"):
        Settings.from_env({"PARITY_TOKEN_MINUTES": "0"})
