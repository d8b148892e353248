"""The security side of an app: how tokens are issued and verified, passwords checked and
logins throttled; built once by `create_app` and kept in `app.state.security`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI, Request
from sqlalchemy import make_url

from parity.adapters.passwords import Argon2Passwords
from parity.config import Settings
from parity.domain.ports import Clock, Passwords
from parity.domain.users import Principal
from parity.entrypoints.security.throttle import LoginThrottle
from parity.entrypoints.security.tokens import (
    AnyOf,
    Issued,
    LocalTokens,
    OidcTokens,
    TokenVerifier,
)

ISSUER = "parity"
AUDIENCE = "parity-api"
MIN_SECRET_LENGTH = 32
SECRET_FILE = Path("var/parity-secret.key")
SESSION_COOKIE = "parity_session"  # the pages' session: the same JWT /token issues


@dataclass(frozen=True)
class SecurityConfig:
    """The secret that signs tokens and CSRF values, the token lifetime, and an optional
    external OpenID Connect issuer."""

    secret: str = field(repr=False)
    token_lifetime: timedelta = timedelta(minutes=30)
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_jwks_url: str = ""
    oidc_role_claim: str = "parity_role"
    api_docs: bool = False

    @classmethod
    def ephemeral(cls) -> SecurityConfig:
        """A random secret for this process only (tests, in-memory demos)."""
        return cls(secrets.token_urlsafe(48))

    @classmethod
    def from_settings(cls, settings: Settings, secret_file: Path | None = None) -> SecurityConfig:
        """PARITY_SECRET_KEY; refused when short. With none on SQLite, a per-install secret
        file is made once in the data directory (beside the database file, whatever the
        current directory); on PostgreSQL a missing secret stops the start."""
        secret = settings.secret_key or _secret_file(settings, secret_file)
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"PARITY_SECRET_KEY must have at least {MIN_SECRET_LENGTH} characters")
        return cls(
            secret,
            timedelta(minutes=settings.token_minutes),
            settings.oidc_issuer,
            settings.oidc_audience,
            settings.oidc_jwks_url or _jwks_of(settings.oidc_issuer),
            settings.oidc_role_claim,
            settings.api_docs,
        )


def _jwks_of(issuer: str) -> str:
    return f"{issuer.rstrip('/')}/.well-known/jwks.json" if issuer else ""


def secret_file_of(database_url: str) -> Path:
    """The secret file of a SQLite install: in the database file's directory."""
    database = make_url(database_url).database or ""
    if database in ("", ":memory:"):
        return SECRET_FILE
    return Path(database).parent / SECRET_FILE.name


def _secret_file(settings: Settings, path: Path | None) -> str:
    if not settings.database_url.startswith("sqlite"):
        raise ValueError("PARITY_SECRET_KEY is required with PostgreSQL (32+ characters)")
    path = path or secret_file_of(settings.database_url)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


@dataclass
class Security:
    config: SecurityConfig
    tokens: LocalTokens
    verifier: TokenVerifier
    passwords: Passwords
    throttle: LoginThrottle

    @classmethod
    def build(cls, config: SecurityConfig, clock: Clock) -> Security:
        tokens = LocalTokens(config.secret, clock, config.token_lifetime, ISSUER, AUDIENCE)
        verifier: TokenVerifier = tokens
        if config.oidc_issuer:
            external = OidcTokens(
                clock,
                config.oidc_issuer,
                config.oidc_audience,
                config.oidc_jwks_url,
                config.oidc_role_claim,
                longest=max(config.token_lifetime, timedelta(hours=1)),
            )
            verifier = AnyOf(tokens, external)
        return cls(config, tokens, verifier, Argon2Passwords(), LoginThrottle())


def security_of(app: FastAPI) -> Security:
    security = app.state.security
    if not isinstance(security, Security):
        raise TypeError("the app was not built by create_app")
    return security


def from_request(request: Request) -> Security:
    return security_of(request.app)


def issue_token(app: FastAPI, who: Principal) -> str:
    """A bearer token for `who`, signed by this app (tests, benchmarks, `parity users token`)."""
    issued: Issued = security_of(app).tokens.issue(who)
    return issued.token
