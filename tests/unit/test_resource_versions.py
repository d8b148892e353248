"""Resource versions (docs/adr/0015): a per-record write counter and change time, kept
alike by the in-memory store, and summed over the records a FHIR resource is read from."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from parity.adapters.clock import SimulatedClock
from parity.adapters.fhir import definitions, operation_definitions, versions
from parity.adapters.memory import MemoryUnitOfWork
from parity.domain.members import Member
from parity.domain.ports import RecordStamp
from parity.domain.schedule import BlockKind, Slot, SlotStatus
from parity.domain.workforce import Clinician, Discipline, Modality

T0 = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)
# The content of Parity's published definitions at DEFINITIONS_VERSION: a change to any
# CodeSystem, StructureDefinition or OperationDefinition must raise the version (and record the new digest).
PINNED = {
    1: "f87a9ac0d4f117f6",
    2: "11651a34ceadd4c4",
    3: "8bc57d5c721cad44",
    4: "c255f41566a95ef7",
}


def _store() -> tuple[MemoryUnitOfWork, SimulatedClock]:
    clock = SimulatedClock(T0)
    return MemoryUnitOfWork(clock), clock


def test_a_record_is_version_one_when_added_and_each_save_counts_and_dates_a_write() -> None:
    uow, clock = _store()
    with uow:
        uow.members.add(Member("m1", "Ada Lovelace", "north"))
        uow.commit()
    assert uow.stamps.of("members", ["m1"]) == {"m1": RecordStamp(1, T0)}
    for minutes in (5, 9):
        clock.set(T0 + timedelta(minutes=minutes))
        with uow:
            uow.members.save(uow.members.get("m1"))
            uow.commit()
    assert uow.stamps.of("members", ["m1"]) == {"m1": RecordStamp(3, T0 + timedelta(minutes=9))}


def test_a_rolled_back_write_leaves_the_stamp_as_it_was() -> None:
    uow, clock = _store()
    with uow:
        uow.members.add(Member("m1", "Ada Lovelace", "north"))
        uow.commit()
    clock.set(T0 + timedelta(hours=1))
    with uow:
        uow.members.save(uow.members.get("m1"))
        uow.members.add(Member("m2", "Bo Diddley", "north"))
    assert uow.stamps.of("members", ["m1", "m2"]) == {"m1": RecordStamp(1, T0)}


def test_a_slot_counts_each_move_taken_confirmed_released() -> None:
    uow, clock = _store()
    clinician = Clinician(
        "dee", "Dee", Discipline.PSYCHOLOGIST, 1.0, ("north",), frozenset({"english"}),
        frozenset({Modality.VIDEO}),
    )  # fmt: skip
    start = datetime(2026, 6, 2, 16, 0, tzinfo=UTC)
    with uow:
        slot = Slot("dee", "north", start, start + timedelta(minutes=50), BlockKind.FOLLOW_UP)
        uow.slots.add_many([slot], clinician)
        uow.commit()
    for step, move in enumerate(
        (
            lambda: uow.slots.take(slot.id, SlotStatus.HELD),
            lambda: uow.slots.confirm(slot.id),
            lambda: uow.slots.release(slot.id),
        ),
        start=1,
    ):
        clock.set(T0 + timedelta(minutes=step))
        with uow:
            move()
            uow.commit()
        assert uow.stamps.of("slots", [slot.id])[slot.id] == RecordStamp(
            1 + step, T0 + timedelta(minutes=step)
        )


APPOINTMENT = {
    "resourceType": "Appointment",
    "id": "7",
    "basedOn": [{"reference": "ServiceRequest/3"}],
    "slot": [{"reference": "Slot/11"}],
}


@pytest.mark.parametrize(
    ("resource", "parts"),
    [
        ({"resourceType": "Patient", "id": "ada"}, [("members", "ada")]),
        ({"resourceType": "Schedule", "id": "dee"}, [("clinicians", "dee")]),
        ({"resourceType": "Location", "id": "north"}, [("clinics", "north")]),
        ({"resourceType": "ServiceRequest", "id": "3"}, [("requests", 3)]),
        ({"resourceType": "Slot", "id": "11"}, [("slots", 11)]),
        ({"resourceType": "Slot", "id": "ipc-c-00-1-1780000000"}, [("clinicians", "c-00-1")]),
        (APPOINTMENT, [("appointments", 7), ("requests", 3)]),
        ({**APPOINTMENT, "id": "proposal-3-11"}, [("requests", 3), ("slots", 11)]),
        ({**APPOINTMENT, "id": "hold-4"}, [("holds", 4), ("requests", 3)]),
        ({"resourceType": "Task", "id": "offer-2"}, [("offers", 2)]),
        ({"resourceType": "Task", "id": "exception-2"}, [("clinical_exceptions", 2)]),
        ({"resourceType": "Task", "id": "waitlist-5"}, [("waitlist", 5)]),
        ({"resourceType": "Appointment", "status": "proposed"}, []),  # capacity: no id
    ],
)
def test_a_resource_is_read_from_the_records_its_id_and_references_name(
    resource: dict[str, object], parts: list[tuple[str, object]]
) -> None:
    assert versions.parts_of(resource) == parts


def test_a_booked_hold_is_also_read_from_the_visit_it_became() -> None:
    booked_as = {
        "url": "https://parity.example/fhir/StructureDefinition/booked-as",
        "valueReference": {"reference": "Appointment/9"},
    }
    hold = {**APPOINTMENT, "id": "hold-4", "extension": [booked_as]}
    assert versions.parts_of(hold) == [("holds", 4), ("requests", 3), ("appointments", 9)]


def test_the_version_sums_the_counters_and_the_time_is_the_latest() -> None:
    later = T0 + timedelta(days=2)
    stamps = {("appointments", 7): RecordStamp(2, T0), ("requests", 3): RecordStamp(5, later)}
    meta = versions.stamped(APPOINTMENT, stamps)["meta"]
    assert meta == {"versionId": "7", "lastUpdated": "2026-06-03T16:00:00Z"}


@pytest.mark.parametrize(
    ("header", "version", "expected"),
    [('W/"3"', 3, True), ('W/"3"', 4, False), ('"2", W/"4"', 4, True), ("*", 9, True)],
)
def test_if_match_names_a_version_by_weak_or_strong_etag_or_any(
    header: str, version: int, expected: bool
) -> None:
    assert versions.matches(header, version) is expected


def test_the_published_definitions_change_only_with_their_version() -> None:
    content = [definitions.code_system(k) for k in sorted(definitions.CODE_SYSTEMS)]
    content += [definitions.structure_definition(k) for k in sorted(definitions.EXTENSION_TYPES)]
    if versions.DEFINITIONS_VERSION >= 3:  # OperationDefinitions published from edition 3
        shown = sorted(operation_definitions.OPERATION_DEFINITIONS)
        content += [operation_definitions.operation_definition(k) for k in shown]
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]
    assert PINNED.get(versions.DEFINITIONS_VERSION) == digest, (
        "the definitions changed: raise DEFINITIONS_VERSION and DEFINITIONS_PUBLISHED "
        f"(adapters/fhir/versions.py) and pin {digest} here"
    )
