"""One typed settings object, read from the environment (PARITY_*) with safe defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///var/parity.db"


@dataclass(frozen=True)
class Settings:
    jurisdiction: str = "california"
    contract: str = "socal-2025"
    region: str = "socal"
    seed: int = 7
    database_url: str = DEFAULT_DATABASE_URL

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
        return cls(
            jurisdiction=env.get("PARITY_JURISDICTION", cls.jurisdiction),
            contract=env.get("PARITY_CONTRACT", cls.contract),
            region=env.get("PARITY_REGION", cls.region),
            seed=int(seed),
            database_url=url,
        )
