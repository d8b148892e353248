"""The PostgreSQL pool a served process keeps: `PARITY_DB_POOL`, read once at start
(docs/adr/0017-booking-api-speed.md, eighteenth round)."""

from __future__ import annotations

import pytest
from sqlalchemy.pool import QueuePool

from parity.adapters.sql.engine import engine_from_url, pool_options
from parity.config import Settings

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/nothing_connected"


def test_the_pool_is_four_connections_unless_said() -> None:
    assert Settings.from_env({}).db_pool == 4
    assert Settings.from_env({"PARITY_DB_POOL": "12"}).db_pool == 12


@pytest.mark.parametrize("given", ["0", "65", "four", "-3", "2.5", ""])
def test_a_pool_size_out_of_range_fails_at_start_naming_the_variable(given: str) -> None:
    with pytest.raises(ValueError, match="PARITY_DB_POOL"):
        Settings.from_env({"PARITY_DB_POOL": given})


def test_a_postgres_engine_keeps_the_pool_asked_for_and_sqlite_its_own() -> None:
    engine = engine_from_url(PG, **pool_options(PG, 6))  # nothing connects until used
    assert isinstance(engine.pool, QueuePool)
    assert engine.pool.size() == 6
    assert pool_options("sqlite:///var/x.db", 6) == {}
    assert pool_options("postgresql://postgres@localhost/db", 6) == {"pool_size": 6}
