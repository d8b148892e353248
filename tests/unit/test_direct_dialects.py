"""Which dialects take the cursor path (`adapters/sql/direct.py`): PostgreSQL's keep their
statements, SQLite's none, each dialect its own, however they alternate; the dialect asked
last is answered without a lookup of the weak table (docs/adr/0017-booking-api-speed.md,
twelfth round)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Dialect, create_engine

from parity.adapters.sql import direct


def _postgresql() -> Dialect:
    """A PostgreSQL dialect of an engine of its own (nothing connects)."""
    return create_engine("postgresql+psycopg://nobody@127.0.0.1/nothing").dialect


class Counted(dict[Any, Any]):
    """The dialects' table, counting its lookups."""

    lookups = 0

    def __getitem__(self, key: Any) -> Any:
        Counted.lookups += 1
        return super().__getitem__(key)


def test_each_dialect_keeps_its_own_statements_however_they_alternate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(direct, "_KEPT", Counted())
    monkeypatch.setattr(direct, "_LAST", None, raising=False)
    first, second = _postgresql(), _postgresql()
    local = create_engine("sqlite://").dialect
    kept = direct._kept_for(first)
    assert kept == {}
    assert direct._kept_for(local) is None
    assert direct._kept_for(second) is not kept
    assert direct._kept_for(second) == {}
    assert direct._kept_for(first) is kept
    assert direct._kept_for(local) is None


def test_the_dialect_asked_last_is_answered_without_a_lookup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(direct, "_KEPT", Counted())
    monkeypatch.setattr(direct, "_LAST", None, raising=False)
    dialect = _postgresql()
    kept = direct._kept_for(dialect)
    Counted.lookups = 0
    assert all(direct._kept_for(dialect) is kept for _ in range(5))
    assert Counted.lookups == 0
