"""The in-memory store's transactions: a rollback restores every record read and changed,
every record added, and their stamps (docs/adr/0015), however often a record was read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.domain.care import Course
from parity.domain.workforce import Modality, ProviderClass

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _course(member: str = "m1") -> Course:
    return Course(
        member_id=member,
        clinician_id="ana",
        provider_class=ProviderClass.THERAPIST,
        language="english",
        modalities=(Modality.VIDEO,),
        clinic_id="north",
        cadence_days=7,
        sessions_planned=6,
    )


def _store() -> tuple[MemoryUnitOfWork, SimulatedClock, Course]:
    clock = SimulatedClock(T0)
    uow = MemoryUnitOfWork(clock)
    with uow:
        course = uow.courses.add(_course())
        uow.commit()
    return uow, clock, course


def test_a_record_read_twice_and_changed_is_restored_by_a_rollback() -> None:
    uow, clock, course = _store()
    clock.advance(timedelta(hours=1))
    with uow:
        read = uow.courses.get(course.id)
        read.sessions_done = 3
        again = uow.courses.where(member_id="m1")[0]
        again.active = False
        uow.courses.save(again)
    assert (course.sessions_done, course.active) == (0, True)
    assert uow.stamps.of("courses", [course.id])[course.id].version == 1
    assert uow.stamps.of("courses", [course.id])[course.id].last_updated == T0


def test_a_committed_change_counts_one_more_write_at_the_store_clock() -> None:
    uow, clock, course = _store()
    clock.advance(timedelta(hours=2))
    for done in (1, 2):
        with uow:
            read = uow.courses.get(course.id)
            read.sessions_done = done
            uow.courses.save(read)
            uow.commit()
    stamp = uow.stamps.of("courses", [course.id])[course.id]
    assert (stamp.version, stamp.last_updated) == (3, T0 + timedelta(hours=2))


def test_a_rolled_back_addition_leaves_no_record_no_index_entry_and_no_stamp() -> None:
    uow, _, course = _store()
    with uow:
        added = uow.courses.add(_course("m2"))
        assert uow.courses.where(member_id="m2") == [added]
    assert uow.courses.where(member_id="m2") == []
    assert uow.stamps.of("courses", [added.id]) == {}
    assert [c.id for c in uow.courses.list()] == [course.id]
