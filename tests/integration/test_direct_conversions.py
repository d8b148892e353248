"""The result conversions of the cursor path (`direct.rows`, docs/adr/0017-booking-api-
speed.md, twelfth round), on PostgreSQL: a column whose conversion answers NULL with NULL
has its NULLs left as they are, without a call; a conversion that gives NULL a value of its
own still gets every NULL; the rows are those `execute` gives."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import (
    ARRAY,
    Dialect,
    Engine,
    String,
    TypeDecorator,
    bindparam,
    func,
    select,
    type_coerce,
)

from parity.adapters.sql import direct

HANDED: list[str | None] = []  # what `Upper` was handed


class Upper(TypeDecorator[str]):
    """Text read back in capitals, NULL as NULL; every value it is handed is noted."""

    impl = String
    cache_ok = True

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        HANDED.append(value)
        return None if value is None else value.upper()


class Nothing(TypeDecorator[str]):
    """Text as it is, NULL read back as the word `nothing`."""

    impl = String
    cache_ok = True

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return "nothing" if value is None else value


def _column(kind: type[TypeDecorator[str]], name: str) -> Any:
    """The elements of the array bound as `name`, one row each, read as `kind`."""
    listed = func.unnest(bindparam(name, type_=ARRAY(String)))
    return type_coerce(listed, kind()).label(name)


STATEMENT = select(_column(Upper, "upper"), _column(Nothing, "nothing"))


@pytest.mark.postgres
def test_nulls_skip_a_conversion_that_keeps_them_and_reach_one_that_does_not(
    postgres_engine: Engine,
) -> None:
    values = {"upper": ["a", None, "b"], "nothing": [None, "x", None]}
    with postgres_engine.connect() as connection:
        assert direct.prepared(connection, STATEMENT, values) is not None  # the cursor path
        direct.rows(connection, STATEMENT, values)  # the first run sets the conversions up
        HANDED.clear()
        found = direct.rows(connection, STATEMENT, values)
        handed = list(HANDED)
        executed = [tuple(row) for row in connection.execute(STATEMENT, values)]
    assert found == executed == [("A", "nothing"), (None, "x"), ("B", "nothing")]
    assert handed == ["a", "b"]  # the NULL was left as it was
