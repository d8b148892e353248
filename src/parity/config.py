"""One typed settings object, read from the environment (PARITY_*) with safe defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///var/parity.db"


@dataclass(frozen=True)
class Settings:
    jurisdiction: str = "california"
    contract: str = "socal-2025"
    region: str = "socal"
    seed: int = 7
    database_url: str = DEFAULT_DATABASE_URL
    # -- issue 9: tokens, sessions and an external OpenID Connect issuer --
    secret_key: str = ""
    token_minutes: int = 30
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_jwks_url: str = ""
    oidc_role_claim: str = "parity_role"

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
        settings = cls(
            jurisdiction=env.get("PARITY_JURISDICTION", cls.jurisdiction),
            contract=env.get("PARITY_CONTRACT", cls.contract),
            region=env.get("PARITY_REGION", cls.region),
            seed=int(seed),
            database_url=url,
        )
        return replace(settings, **security_from_env(env))


def security_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """PARITY_SECRET_KEY, PARITY_TOKEN_MINUTES and PARITY_OIDC_* (see README, Security)."""
    minutes = env.get("PARITY_TOKEN_MINUTES", "30")
    if not minutes.isdigit() or not 1 <= int(minutes) <= 24 * 60:
        raise ValueError(f"PARITY_TOKEN_MINUTES must be 1-1440, got {minutes!r}")
    return {
        "secret_key": env.get("PARITY_SECRET_KEY", ""),
        "token_minutes": int(minutes),
        "oidc_issuer": env.get("PARITY_OIDC_ISSUER", ""),
        "oidc_audience": env.get("PARITY_OIDC_AUDIENCE", ""),
        "oidc_jwks_url": env.get("PARITY_OIDC_JWKS_URL", ""),
        "oidc_role_claim": env.get("PARITY_OIDC_ROLE_CLAIM", "parity_role"),
    }
