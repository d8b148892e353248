"""One typed settings object, read from the environment (PARITY_*) with safe defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    jurisdiction: str = "california"
    contract: str = "socal-2025"
    region: str = "socal"
    seed: int = 7

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        seed = env.get("PARITY_SEED", str(cls.seed))
        if not seed.isdigit():
            raise ValueError(f"PARITY_SEED must be a whole number, got {seed!r}")
        return cls(
            jurisdiction=env.get("PARITY_JURISDICTION", cls.jurisdiction),
            contract=env.get("PARITY_CONTRACT", cls.contract),
            region=env.get("PARITY_REGION", cls.region),
            seed=int(seed),
        )
