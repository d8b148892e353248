"""One typed settings object, read from the environment (PARITY_*) with safe defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "sqlite:///var/parity.db"
TLS_MODES = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class Settings:
    jurisdiction: str = "california"
    contract: str = "socal-2025"
    region: str = "socal"
    seed: int = 7
    database_url: str = DEFAULT_DATABASE_URL
    # PostgreSQL connections per server process (docs/adr/0017, eighteenth round).
    db_pool: int = 4
    # -- tokens, sessions, offer links and an external OpenID Connect issuer --
    # One secret signs tokens, CSRF values and the offer links in members' messages.
    secret_key: str = ""
    token_minutes: int = 30
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_jwks_url: str = ""
    oidc_role_claim: str = "parity_role"
    api_docs: bool = False  # /docs and /redoc (their scripts come from a CDN)
    trusted_proxies: str = ""  # addresses whose X-Forwarded-For is believed
    # -- waitlist offers and member messages (PARITY_SMTP_*, PARITY_SMS_DIR...) --
    waitlist: bool = True
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "parity@localhost"
    smtp_tls: str = "starttls"
    sms_dir: str = "var/sms"
    public_url: str = "http://127.0.0.1:8000"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read PARITY_* variables; a malformed value fails here, at start, not later."""
        env = os.environ if environ is None else environ
        seed = env.get("PARITY_SEED", str(cls.seed))
        if not seed.isdigit():
            raise ValueError(f"PARITY_SEED must be a whole number, got {seed!r}")
        url = env.get("PARITY_DATABASE_URL") or DEFAULT_DATABASE_URL
        if not url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ValueError(
                f"PARITY_DATABASE_URL must be a sqlite: or postgresql: URL, got {url!r}"
            )
        pool = env.get("PARITY_DB_POOL", str(cls.db_pool))
        if not pool.isdigit() or not 1 <= int(pool) <= 64:
            raise ValueError(f"PARITY_DB_POOL must be a whole number 1-64, got {pool!r}")
        settings = cls(
            jurisdiction=env.get("PARITY_JURISDICTION", cls.jurisdiction),
            contract=env.get("PARITY_CONTRACT", cls.contract),
            region=env.get("PARITY_REGION", cls.region),
            seed=int(seed),
            database_url=url,
            db_pool=int(pool),
            **outreach_from_env(env),
        )
        return replace(settings, **security_from_env(env))


def security_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """PARITY_SECRET_KEY, PARITY_TOKEN_MINUTES, PARITY_OIDC_*, PARITY_API_DOCS and
    PARITY_TRUSTED_PROXIES (see README, Security)."""
    minutes = env.get("PARITY_TOKEN_MINUTES", "30")
    if not minutes.isdigit() or not 1 <= int(minutes) <= 24 * 60:
        raise ValueError(f"PARITY_TOKEN_MINUTES must be 1-1440, got {minutes!r}")
    docs = env.get("PARITY_API_DOCS", "off").lower()
    if docs not in ("on", "off"):
        raise ValueError(f"PARITY_API_DOCS must be on or off, got {docs!r}")
    return {
        "api_docs": docs == "on",
        "trusted_proxies": env.get("PARITY_TRUSTED_PROXIES", "").strip(),
        "secret_key": env.get("PARITY_SECRET_KEY", ""),
        "token_minutes": int(minutes),
        "oidc_issuer": web_address(env, "PARITY_OIDC_ISSUER", ""),
        "oidc_audience": env.get("PARITY_OIDC_AUDIENCE", ""),
        "oidc_jwks_url": web_address(env, "PARITY_OIDC_JWKS_URL", ""),
        "oidc_role_claim": env.get("PARITY_OIDC_ROLE_CLAIM", "parity_role"),
    }


# -- waitlist offers and member messages --------------------------------------------------


def outreach_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """The SMTP, SMS and waitlist settings; bad values fail at start."""
    port = env.get("PARITY_SMTP_PORT", str(Settings.smtp_port))
    tls = env.get("PARITY_SMTP_TLS", Settings.smtp_tls).lower()
    switch = env.get("PARITY_WAITLIST", "on").lower()
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"PARITY_SMTP_PORT must be a port number (1-65535), got {port!r}")
    if tls not in TLS_MODES:
        raise ValueError(f"PARITY_SMTP_TLS must be one of {', '.join(TLS_MODES)}, got {tls!r}")
    if switch not in ("on", "off"):
        raise ValueError(f"PARITY_WAITLIST must be on or off, got {switch!r}")
    return {
        "waitlist": switch == "on",
        "smtp_host": env.get("PARITY_SMTP_HOST", ""),
        "smtp_port": int(port),
        "smtp_user": env.get("PARITY_SMTP_USER", ""),
        "smtp_password": env.get("PARITY_SMTP_PASSWORD", ""),
        "smtp_from": env.get("PARITY_SMTP_FROM", Settings.smtp_from),
        "smtp_tls": tls,
        "sms_dir": env.get("PARITY_SMS_DIR", Settings.sms_dir),
        "public_url": web_address(env, "PARITY_PUBLIC_URL", Settings.public_url),
    }


def web_address(env: Mapping[str, str], name: str, default: str) -> str:
    """An http(s) URL with a host (members' offer links, the identity provider's keys), or
    the default when unset; anything else (`javascript:`, `ftp:`, a bare word) fails at
    start rather than in a message sent or a sign-in refused later."""
    value = env.get(name, default).strip()
    if not value:
        return value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a port out of range or not a number raises here
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an http:// or https:// address, got {value[:80]!r}")
    return value
