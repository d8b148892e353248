"""The invariant counts the crash-recovery test and the load bench share
(adapters/sql/invariants.py), on SQLite and PostgreSQL: nothing in a sound region, and a
half-written row counted as one."""

from __future__ import annotations

from sql_support import Region
from sqlalchemy import Engine, text

from parity.adapters.sql import invariants


def test_a_sound_region_breaks_no_invariant(engine: Engine, region: Region) -> None:
    with engine.connect() as connection:
        counts = invariants.broken(connection)
    assert set(counts) == set(invariants.CHECKS)
    assert counts == dict.fromkeys(invariants.CHECKS, 0)
    assert invariants.half_written(counts) == 0


def test_a_held_slot_without_its_hold_is_one_half_written_row(
    engine: Engine, region: Region
) -> None:
    with engine.connect() as connection:
        connection.execute(text("UPDATE slots SET status = 'busy-tentative' WHERE id = 1"))
        counts = invariants.broken(connection)
        connection.rollback()
    assert counts["held slots without an active hold"] == 1
    assert invariants.half_written(counts) == 1
    assert counts[invariants.DOUBLE_BOOKINGS] == 0
    assert counts[invariants.IN_PROTECTED_TIME] == 0
