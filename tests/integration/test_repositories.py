"""Every record survives a round trip through its repository, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sql_support import LA, at
from sqlalchemy.exc import StatementError

from parity.adapters.memory import MemoryUnitOfWork
from parity.adapters.sql import SqlUnitOfWork
from parity.domain.care import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    CareRequest,
    ClinicalException,
    Course,
    Offer,
    OfferResponse,
    Referral,
    RequestStatus,
)
from parity.domain.corrective import Action, ActionStatus, Finding, FindingStatus
from parity.domain.errors import NotFound
from parity.domain.holds import Hold, HoldStatus
from parity.domain.members import Member
from parity.domain.schedule import (
    AvailabilityException,
    BlockKind,
    ExceptionKind,
    IpcWeek,
    ProtectedTime,
    Slot,
    SlotStatus,
    TemplateBlock,
    WeeklyTemplate,
)
from parity.domain.standards import VisitType
from parity.domain.workforce import Clinic, Clinician, Discipline, Modality, ProviderClass

MONDAY = date(2026, 6, 1)
TUESDAY = date(2026, 6, 2)
NOW = at(date(2026, 5, 31), 12, 0)

NORTH = Clinic("north", "North Clinic", "1 North St.", "America/Los_Angeles", "LA", 34.25, -118.5)
SOUTH = Clinic("south", "South Clinic", "2 South St.")
DEE = Clinician(
    "dee",
    "Dee",
    Discipline.PSYCHOLOGIST,
    0.8,
    ("south", "north"),
    frozenset({"english", "vietnamese"}),
    frozenset({Modality.VIDEO, Modality.PHONE}),
)


def _request(**changes: Any) -> CareRequest:
    request = CareRequest(
        "m1",
        VisitType.FOLLOW_UP,
        ProviderClass.THERAPIST,
        "vietnamese",
        (Modality.PHONE, Modality.VIDEO),
        "north",
        NOW,
        "follow-up-therapy",
        NOW - timedelta(days=3),
        at(date(2026, 6, 12), 23, 59),
        NOW + timedelta(microseconds=1),
        preferred_clinician_id="dee",
        course_id=4,
        prior_appointment_id=9,
    )
    return replace(request, **changes)


@pytest.fixture
def parents(uow: SqlUnitOfWork) -> dict[str, int]:
    """Clinics, a clinician, a slot and a request that other records refer to."""
    with uow:
        uow.clinics.add(NORTH)
        uow.clinics.add(SOUTH)
        uow.clinicians.add(DEE)
        slot = Slot("dee", "south", at(TUESDAY, 9), at(TUESDAY, 9, 50), BlockKind.FOLLOW_UP)
        uow.slots.add_many([slot], DEE)
        request = uow.requests.add(_request())
        finding = uow.findings.add(
            Finding("urgent compliance", "north", "urgent", "2026-05", 0.6, 0.7, NOW)
        )
        uow.commit()
    return {"slot": slot.id, "request": request.id, "finding": finding.id}


def records(ids: dict[str, int]) -> dict[str, Any]:
    """One record of every kind a repository stores, with unusual values where possible."""
    block = TemplateBlock(1, time(9), time(12, 30), BlockKind.FOLLOW_UP, "south", 50)
    ipc = TemplateBlock(0, time(8), time(12), BlockKind.IPC, "north")
    return {
        "clinics": SOUTH,
        "clinicians": replace(DEE, id="eve", languages=frozenset({"mandarin"})),
        "templates": WeeklyTemplate("dee", (block, ipc)),
        "availability_exceptions": AvailabilityException(
            "dee", ExceptionKind.EXTRA_HOURS, at(MONDAY, 17), at(MONDAY, 19), "evening", "north"
        ),
        "members": Member(
            "m7",
            "Mia",
            "north",
            "vietnamese",
            (Modality.PHONE, Modality.IN_PERSON),
            date(1990, 2, 3),
            "555-0100",
            "mia@example.org",
            {"pronouns": "she/her"},
        ),
        "holds": Hold(ids["request"], ids["slot"], NOW, NOW + timedelta(minutes=10)),
        "requests": _request(extended_deadline=at(date(2026, 6, 19), 23, 59)),
        "offers": Offer(
            ids["request"],
            ids["slot"],
            "dee",
            at(TUESDAY, 9),
            NOW,
            True,
            OfferResponse.DECLINED,
            "member",
            NOW + timedelta(hours=1),
        ),
        "appointments": Appointment(
            ids["request"],
            "m1",
            "dee",
            "south",
            ids["slot"],
            at(TUESDAY, 9),
            at(TUESDAY, 9, 50),
            VisitType.FOLLOW_UP,
            Modality.PHONE,
            NOW,
            AppointmentStatus.CANCELLED,
            CancelledBy.CLINIC,
            NOW + timedelta(days=1),
            "clinician ill",
        ),
        "referrals": Referral(
            ids["request"],
            "m1",
            NOW,
            at(date(2026, 6, 12), 23, 59),
            "no timely in-network capacity",
            {"considered": {"pool": None, "same_clinician": 12}, "rule": "follow-up-therapy"},
        ),
        "clinical_exceptions": ClinicalException(
            ids["request"], "dee", NOW, "monthly cadence", at(date(2026, 6, 26), 23, 59)
        ),
        "courses": Course(
            "m1", "dee", ProviderClass.THERAPIST, "vietnamese", (Modality.VIDEO,), "north", 14, 8
        ),
        "findings": Finding(
            "non-urgent compliance",
            "south",
            "non-urgent",
            "2026-06",
            0.655,
            0.7,
            NOW,
            FindingStatus.CLOSED,
            "staffing plan filed",
        ),
        "actions": Action(
            ids["finding"],
            "hire two bilingual therapists",
            "regional manager",
            date(2026, 9, 30),
            ActionStatus.IN_PROGRESS,
            NOW,
        ),
    }


def _assert_utc(record: object) -> None:
    for field in fields(record):  # type: ignore[arg-type]
        value = getattr(record, field.name)
        if isinstance(value, datetime):
            assert value.tzinfo is UTC, f"{field.name} came back as {value!r}"


@pytest.mark.parametrize("repository", list(records({"slot": 0, "request": 0, "finding": 0})))
def test_every_record_comes_back_equal_with_instants_in_utc(
    uow: SqlUnitOfWork, parents: dict[str, int], repository: str
) -> None:
    record = records(parents)[repository]
    with uow:
        stored = getattr(uow, repository).add(record)
        uow.commit()
    key = stored.clinician_id if repository == "templates" else stored.id
    with uow:
        loaded = getattr(uow, repository).get(key)
    assert loaded == stored
    _assert_utc(loaded)


def test_records_without_an_id_get_ids_from_the_database_in_order(
    uow: SqlUnitOfWork, parents: dict[str, int]
) -> None:
    with uow:
        first = uow.requests.add(_request(member_id="m2"))
        second = uow.requests.add(_request(member_id="m3"))
        uow.commit()
    assert second.id == first.id + 1 > parents["request"]


def test_a_record_added_with_its_own_id_keeps_it_and_later_ids_follow_it(
    uow: SqlUnitOfWork, parents: dict[str, int]
) -> None:
    with uow:
        uow.requests.add(_request(member_id="m2", id=40))
        later = uow.requests.add(_request(member_id="m3"))
        uow.commit()
    with uow:
        assert uow.requests.get(40).member_id == "m2"
    assert later.id == 41


def test_adding_a_record_with_a_key_already_stored_replaces_it(uow: SqlUnitOfWork) -> None:
    with uow:
        uow.clinics.add(NORTH)
        uow.clinics.add(replace(NORTH, name="North Medical Offices"))
        uow.commit()
    with uow:
        assert [c.name for c in uow.clinics.list()] == ["North Medical Offices"]


def test_an_unknown_key_raises_not_found(uow: SqlUnitOfWork, parents: dict[str, int]) -> None:
    with uow:
        with pytest.raises(NotFound, match="Clinician zed not found"):
            uow.clinicians.get("zed")
        with pytest.raises(NotFound):
            uow.requests.get(9999)
        with pytest.raises(NotFound):
            uow.requests.get("not-a-number")
        with pytest.raises(NotFound):
            uow.slots.get(9999)


def test_where_matches_attribute_equality_including_enums_and_none(
    uow: SqlUnitOfWork, parents: dict[str, int]
) -> None:
    with uow:
        uow.requests.add(_request(member_id="m2", status=RequestStatus.BOOKED))
        uow.requests.add(_request(member_id="m2", preferred_clinician_id=None))
        uow.commit()
    with uow:
        assert len(uow.requests.where(member_id="m2")) == 2
        booked = uow.requests.where(member_id="m2", status=RequestStatus.BOOKED)
        assert [r.status for r in booked] == [RequestStatus.BOOKED]
        assert len(uow.requests.where(status="open")) == 2
        assert [r.member_id for r in uow.requests.where(preferred_clinician_id=None)] == ["m2"]
        with pytest.raises(ValueError, match="effective_deadline"):
            uow.requests.where(effective_deadline=NOW)


def test_save_writes_the_fields_a_service_changed(
    uow: SqlUnitOfWork, parents: dict[str, int]
) -> None:
    with uow:
        hold = uow.holds.add(Hold(parents["request"], parents["slot"], NOW, NOW + timedelta(1)))
        uow.commit()
    with uow:
        loaded = uow.holds.get(hold.id)
        loaded.end(HoldStatus.EXPIRED)
        uow.holds.save(loaded)
        loaded.expires_at = NOW  # a second change in the same transaction
        uow.holds.save(loaded)
        uow.commit()
    with uow:
        assert uow.holds.get(hold.id).status is HoldStatus.EXPIRED
        assert uow.holds.get(hold.id).expires_at == NOW
        assert [h.id for h in uow.holds.where(status=HoldStatus.ACTIVE)] == []


def test_a_clinicians_languages_and_modalities_are_rewritten_on_save(
    uow: SqlUnitOfWork, parents: dict[str, int]
) -> None:
    changed = replace(DEE, languages=frozenset({"english"}), modalities=frozenset(Modality))
    with uow:
        uow.clinicians.save(changed)
        uow.commit()
    with uow:
        assert uow.clinicians.get("dee") == changed
        assert uow.clinicians.list() == [changed]


def test_leaving_the_block_without_commit_rolls_everything_back(
    uow: SqlUnitOfWork, parents: dict[str, int]
) -> None:
    with uow:
        uow.clinics.add(replace(NORTH, id="west"))
        uow.slots.take(parents["slot"])
        request = uow.requests.get(parents["request"])
        request.status = RequestStatus.WITHDRAWN
        uow.requests.save(request)
    with uow:
        with pytest.raises(NotFound):
            uow.clinics.get("west")
        assert uow.slots.get(parents["slot"]).status is SlotStatus.FREE
        assert uow.requests.get(parents["request"]).status is RequestStatus.OPEN


def _add_then_fail(uow: SqlUnitOfWork, clinic: Clinic) -> None:
    with uow:
        uow.clinics.add(clinic)
        raise RuntimeError("boom")


def test_work_after_a_commit_is_rolled_back_unless_committed_again(
    uow: SqlUnitOfWork, parents: dict[str, int]
) -> None:
    with uow:
        uow.clinics.add(replace(NORTH, id="west"))
        uow.commit()
        uow.clinics.add(replace(NORTH, id="east"))
    with pytest.raises(RuntimeError, match="boom"):
        _add_then_fail(uow, replace(NORTH, id="far"))
    with uow:
        assert sorted(c.id for c in uow.clinics.list()) == ["north", "south", "west"]


def test_repositories_refuse_to_work_outside_a_with_block(uow: SqlUnitOfWork) -> None:
    with pytest.raises(RuntimeError, match="inside `with uow:`"):
        uow.clinics.list()


def test_slots_move_free_held_busy_and_back(uow: SqlUnitOfWork, parents: dict[str, int]) -> None:
    slot_id = parents["slot"]
    with uow:
        assert uow.slots.take(slot_id, SlotStatus.HELD).status is SlotStatus.HELD
        assert uow.slots.confirm(slot_id).status is SlotStatus.BUSY
        uow.slots.release(slot_id)
        uow.slots.release(slot_id)  # releasing a free slot changes nothing
        assert uow.slots.get(slot_id).status is SlotStatus.FREE
        with pytest.raises(NotFound):
            uow.slots.release(9999)
        assert uow.slots.count() == 1


def test_slots_of_a_clinician_come_in_start_order_within_the_window(
    uow: SqlUnitOfWork, parents: dict[str, int]
) -> None:
    later = [
        Slot("dee", "north", at(MONDAY, h), at(MONDAY, h, 50), BlockKind.INTAKE)
        for h in (15, 13, 14)
    ]
    with uow:
        uow.slots.add_many(later, DEE)
        found = uow.slots.for_clinician("dee", at(MONDAY, 13, 30), at(TUESDAY, 9))
        everything = uow.slots.for_clinician("dee", at(MONDAY, 0), at(TUESDAY, 23))
    assert [s.start.astimezone(LA).hour for s in found] == [14, 15]
    assert [s.id for s in everything] == [later[1].id, later[2].id, later[0].id, parents["slot"]]


def test_protected_time_is_found_by_overlap_in_start_order(
    uow: SqlUnitOfWork, parents: dict[str, int]
) -> None:
    blocks = [
        ProtectedTime("dee", at(MONDAY, 12), at(MONDAY, 13), "top-up"),
        ProtectedTime("dee", at(MONDAY, 8), at(MONDAY, 10)),
    ]
    with uow:
        uow.protected.add_many(blocks)
        uow.commit()
    with uow:
        assert uow.protected.overlapping("dee", at(MONDAY, 9), at(MONDAY, 12, 1)) == blocks[::-1]
        assert uow.protected.overlapping("dee", at(MONDAY, 10), at(MONDAY, 12)) == []
        assert uow.protected.overlapping("ana", at(MONDAY, 0), at(MONDAY, 23)) == []


def test_the_ipc_ledger_keeps_one_line_per_clinician_week(
    uow: SqlUnitOfWork, parents: dict[str, int]
) -> None:
    week = IpcWeek("dee", MONDAY, 240, 240)
    with uow:
        uow.ipc_ledger.record(week)
        uow.ipc_ledger.record(IpcWeek("dee", MONDAY + timedelta(7), 240, 300))
        uow.ipc_ledger.record(replace(week, kept_minutes=250))
        uow.commit()
    with uow:
        assert uow.ipc_ledger.has("dee", MONDAY)
        assert not uow.ipc_ledger.has("dee", MONDAY - timedelta(7))
        assert uow.ipc_ledger.weeks() == [
            IpcWeek("dee", MONDAY, 240, 250),
            IpcWeek("dee", MONDAY + timedelta(7), 240, 300),
        ]
        assert uow.ipc_ledger.weeks(start=MONDAY + timedelta(1)) == [uow.ipc_ledger.weeks()[1]]
        assert uow.ipc_ledger.weeks(end=MONDAY + timedelta(1)) == [uow.ipc_ledger.weeks()[0]]


def test_a_naive_datetime_is_refused_rather_than_guessed(uow: SqlUnitOfWork) -> None:
    naive = datetime(2026, 6, 1, 9)  # noqa: DTZ001 - the point of the test
    with uow, pytest.raises(StatementError, match="naive"):
        uow.protected.overlapping("dee", naive, naive)


def test_many_reads_the_records_of_several_keys_and_skips_unknown_ones(
    uow: SqlUnitOfWork,
) -> None:
    other = replace(DEE, id="eve", name="Eve", languages=frozenset({"spanish"}))
    with uow:
        uow.clinics.add(NORTH)
        uow.clinics.add(SOUTH)
        uow.clinicians.add(DEE)
        uow.clinicians.add(other)
        uow.commit()
    with uow:
        assert uow.clinicians.many([]) == {}
        assert uow.clinicians.many(["dee", "eve", "nobody", "dee"]) == {"dee": DEE, "eve": other}
        uow.clinicians.get("dee")  # read before: comes from this transaction's reads
        assert uow.clinicians.many(["dee"]) == {"dee": DEE}
        assert uow.requests.many([1, "x"]) == {}


def test_due_finds_the_records_at_or_before_the_moment_that_match(
    uow: SqlUnitOfWork, parents: dict[str, int]
) -> None:
    """`$hold` expires only what `due` finds: active holds whose expiry is not after now,
    in SQL as in memory (docs/adr/0017-booking-api-speed.md)."""
    memory = MemoryUnitOfWork()
    made: dict[str, dict[str, int]] = {"sql": {}, "memory": {}}
    cases = {
        "ran out": (NOW - timedelta(minutes=1), HoldStatus.ACTIVE),
        "runs out now": (NOW, HoldStatus.ACTIVE),
        "still live": (NOW + timedelta(minutes=1), HoldStatus.ACTIVE),
        "ran out but booked": (NOW - timedelta(minutes=5), HoldStatus.BOOKED),
    }
    for name, unit in (("sql", uow), ("memory", memory)):
        with unit:
            for case, (expires_at, status) in cases.items():
                hold = Hold(
                    parents["request"], parents["slot"], NOW - timedelta(hours=1), expires_at
                )
                hold.status = status
                made[name][case] = unit.holds.add(hold).id
            unit.commit()
        with unit:
            found = {h.id for h in unit.holds.due("expires_at", NOW, status=HoldStatus.ACTIVE)}
        assert found == {made[name]["ran out"], made[name]["runs out now"]}
    with uow, pytest.raises(ValueError, match="colour"):
        uow.holds.due("expires_at", NOW, colour="red")
