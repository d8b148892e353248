"""PostgreSQL sessions in UTC (docs/adr/0017-booking-api-speed.md, twelfth round): psycopg
hands instants over in the session's zone, and in `UTC` that is `timezone.utc`, which
`UtcDateTime` need not convert again. Whatever zone the server or the connection string
starts a session in, Parity's sessions are in UTC, through rollbacks, and read the same
instants."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pg_schemas import fresh_schema
from sqlalchemy import Engine, text

from parity.adapters.sql import SqlUnitOfWork, engine_from_url, upgrade
from parity.domain.schedule import BlockKind, Slot
from parity.domain.workforce import Clinic, Clinician, Discipline

# A zone far from UTC, with summer time: a session left in it would show it.
ELSEWHERE = "America/Los_Angeles"


@pytest.fixture
def elsewhere(postgres_admin: Engine) -> Iterator[Engine]:
    """A migrated schema, its connections asking the server for sessions in ELSEWHERE."""
    for url in fresh_schema(postgres_admin):
        started_in = url.replace("options=", f"options=-cTimeZone%3D{ELSEWHERE}%20", 1)
        engine = engine_from_url(started_in)
        upgrade(engine)
        yield engine
        engine.dispose()


@pytest.mark.postgres
def test_a_session_asked_for_in_another_zone_is_in_utc(elsewhere: Engine) -> None:
    with elsewhere.connect() as connection:
        assert connection.execute(text("SHOW search_path")).scalar_one().startswith("parity_")
        assert connection.execute(text("SHOW TimeZone")).scalar_one() == "UTC"
        connection.rollback()  # a SET inside a transaction would go with it
        assert connection.execute(text("SHOW TimeZone")).scalar_one() == "UTC"
        now = connection.execute(text("SELECT now()")).scalar_one()
    assert now.tzinfo is UTC  # the driver's own value, before any column type


@pytest.mark.postgres
def test_instants_read_back_are_the_instants_written_in_utc(elsewhere: Engine) -> None:
    # Written in a zone of their own, one of them across the change to summer time there.
    pacific = timezone(timedelta(hours=-8))
    starts = [datetime(2026, 3, 8, 1, 30, tzinfo=pacific), datetime(2026, 7, 1, 9, tzinfo=UTC)]
    uow = SqlUnitOfWork(elsewhere)
    with uow:
        uow.clinics.add(Clinic("north", "North", "1 North St."))
        ana = uow.clinicians.add(Clinician("ana", "Ana", Discipline.THERAPIST, 1.0, ("north",)))
        hour = timedelta(hours=1)
        uow.slots.add_many(
            [Slot("ana", "north", s, s + hour, BlockKind.INTAKE) for s in starts], ana
        )
        uow.commit()
    with uow:
        read = uow.slots.free_between(starts[0] - timedelta(days=1), starts[1] + hour)
    with elsewhere.connect() as connection:
        driver = list(connection.execute(text("SELECT start FROM slots ORDER BY start")).scalars())
    assert [s.start for s in read] == driver == starts
    assert all(s.start.tzinfo is UTC and s.end.tzinfo is UTC for s in read)
    assert all(d.tzinfo is UTC for d in driver)  # the driver's own values
