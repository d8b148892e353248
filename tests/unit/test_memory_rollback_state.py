"""A rollback leaves the in-memory store exactly as it was: every record, index entry, stamp,
slot, free slot and ledger line, compared with a deep copy of the store taken before the
transaction (the undo log's entries are compact tuples, docs/adr/0014, sixth pass)."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from unit_support import FIRST_WEEK, LOS_ANGELES, Region

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.adapters.memory_repository import MemoryRepository
from parity.adapters.memory_schedule import MemoryIpcLedger, MemoryProtectedTime, MemorySlots
from parity.adapters.memory_users import MemoryUsers
from parity.domain.availability import SlotQuery
from parity.domain.care import (
    Appointment,
    AppointmentStatus,
    CareRequest,
    Course,
    Offer,
    RequestStatus,
)
from parity.domain.schedule import BlockKind, IpcWeek, ProtectedTime, Slot, SlotStatus
from parity.domain.standards import VisitType
from parity.domain.users import Role, User
from parity.domain.workforce import Modality, ProviderClass

AT = datetime(2026, 5, 31, 12, tzinfo=LOS_ANGELES)
HORIZON = (AT, AT + timedelta(weeks=5))


def _request(member: str) -> CareRequest:
    return CareRequest(
        member,
        VisitType.INITIAL,
        ProviderClass.THERAPIST,
        "english",
        (Modality.VIDEO,),
        "north",
        AT,
        "initial-non-urgent-non-physician",
        AT,
        AT + timedelta(days=14),
        AT,
    )


def _course(member: str) -> Course:
    return Course(
        member, "ana", ProviderClass.THERAPIST, "english", (Modality.VIDEO,), "north", 7, 6
    )


def _appointment(request: CareRequest, slot: Slot) -> Appointment:
    return Appointment(
        request.id,
        request.member_id,
        slot.clinician_id,
        slot.clinic_id,
        slot.id,
        slot.start,
        slot.end,
        request.visit,
        Modality.VIDEO,
        AT,
    )


def _queries() -> list[SlotQuery]:
    kinds = (BlockKind.FOLLOW_UP, BlockKind.INTAKE)
    return [
        SlotQuery(kinds, provider_class, "english", (modality,), clinic, *HORIZON, clinician)
        for provider_class in (ProviderClass.THERAPIST, ProviderClass.PSYCHIATRIST)
        for modality in (Modality.VIDEO, Modality.IN_PERSON)
        for clinic in ("north", "south")
        for clinician in (None, "ana", "ben", "cy")
    ]


STORED = (MemoryRepository, MemorySlots, MemoryProtectedTime, MemoryIpcLedger, MemoryUsers)


def _parts(uow: MemoryUnitOfWork) -> dict[str, Any]:
    """The store's record-holding parts (its sign-in throttle and token list hold a lock,
    which cannot be copied, and no record)."""
    return {name: part for name, part in vars(uow).items() if isinstance(part, STORED)}


def _state(parts: dict[str, Any]) -> dict[str, Any]:
    """Everything the parts hold, copied into plain containers: two stores compare equal
    when they hold equal records (by value) under the same keys, in the same index entries
    and order, with the same stamps, slots, free slots and query answers."""
    found: dict[str, Any] = {}
    for name, part in parts.items():
        if isinstance(part, MemoryRepository):
            indexes = {
                field: {
                    value: filed if isinstance(filed, list) else [filed]
                    for value, filed in index.items()
                }
                for field, index in part._indexes.items()
            }
            found[name] = (dict(part._items), indexes, dict(part._stamps))
        elif isinstance(part, MemorySlots):
            # What a query finds, as well as what is filed: the index's buckets are lazy.
            answers: list[object] = []
            for query in _queries():
                answers.append(part.earliest(query))
                answers.append([slot.id for slot in part.candidates(query, 50)])
            found[name] = (
                {slot.id: slot for slot in part.index.laid()},
                {k: list(v) for k, v in part._by_clinician.items() if v},
                part.index.free_ids(),
                dict(part._stamps),
                answers,
            )
        elif isinstance(part, MemoryProtectedTime):
            found[name] = {k: list(v) for k, v in part._blocks.items() if v}
        elif isinstance(part, MemoryIpcLedger):
            found[name] = dict(part._weeks)
        else:
            found[name] = list(part.list())
    return found


def _committed(region: Region) -> tuple[CareRequest, Appointment, Course, Slot, Slot]:
    """A booked request and its visit, a course, and a slot held: what the rolled-back
    transaction then changes."""
    uow = region.uow
    with uow:
        free = uow.slots.free_between(*HORIZON)
        booked, held = free[0], free[1]
        request = uow.requests.add(_request("m1"))
        uow.slots.take(booked.id)
        appointment = uow.appointments.add(_appointment(request, booked))
        request.status = RequestStatus.BOOKED
        uow.requests.save(request)
        course = uow.courses.add(_course("m1"))
        uow.slots.take(held.id, SlotStatus.HELD)
        uow.commit()
    return request, appointment, course, booked, held


def test_a_rollback_after_adds_changes_and_removals_restores_the_store_exactly(
    region: Region,
) -> None:
    uow = region.uow
    request, appointment, course, booked, held = _committed(region)
    before = copy.deepcopy(_parts(uow))
    assert _state(before) == _state(_parts(uow))  # the copy is a faithful witness

    with uow:
        # Additions: a request, its offer and visit, a week of slots, protected time, an
        # IPC line and a user.
        added = uow.requests.add(_request("m2"))
        slot = uow.slots.free_between(*HORIZON)[0]
        uow.slots.take(slot.id)
        uow.offers.add(Offer(added.id, slot.id, "ana", slot.start, AT, timely=True))
        uow.appointments.add(_appointment(added, slot))
        late = datetime.combine(FIRST_WEEK + timedelta(weeks=4), datetime.min.time(), LOS_ANGELES)
        extra = Slot("ana", "north", late, late + timedelta(minutes=50), BlockKind.FOLLOW_UP)
        uow.slots.add_many([extra], uow.clinicians.get("ana"))
        uow.protected.add_many([ProtectedTime("ana", late, late + timedelta(hours=1))])
        uow.ipc_ledger.record(IpcWeek("ana", FIRST_WEEK, 300, 300))
        uow.users.add(User(0, "sam", Role.SCHEDULER, "x", AT))
        # Changes: records read (twice) and changed in place, a frozen record replaced.
        read = uow.courses.get(course.id)
        read.sessions_done = 4
        uow.courses.save(read)
        uow.courses.where(member_id="m1")[0].active = False
        visit = uow.appointments.get(appointment.id)
        visit.status = AppointmentStatus.CANCELLED
        uow.appointments.save(visit)
        stored = uow.requests.get(request.id)
        stored.status = RequestStatus.OPEN
        uow.requests.save(stored)
        template = uow.templates.get("ana")
        uow.templates.save(replace(template, blocks=template.blocks[:1]))
        # Removals from the free set and back: the booked slot freed, the held one booked.
        uow.slots.release(booked.id)
        uow.slots.confirm(held.id)
        assert _state(_parts(uow)) != _state(before)

    assert _state(_parts(uow)) == _state(before)
    assert (course.sessions_done, course.active) == (0, True)
    assert appointment.status is AppointmentStatus.BOOKED


@pytest.mark.parametrize("stamps", [True, False])
def test_a_store_without_stamps_rolls_back_alike_and_refuses_to_read_them(stamps: bool) -> None:
    uow = MemoryUnitOfWork(SimulatedClock(AT), stamps=stamps)
    with uow:
        course = uow.courses.add(_course("m1"))
        uow.commit()
    before = copy.deepcopy(_parts(uow))
    with uow:
        uow.courses.add(_course("m2"))
        read = uow.courses.get(course.id)
        read.sessions_done = 2
        uow.courses.save(read)
    assert _state(_parts(uow)) == _state(before)
    assert uow.courses._stamps == ({course.id: AT} if stamps else {})
    if stamps:
        assert uow.stamps.of("courses", [course.id])[course.id].version == 1
    else:
        with pytest.raises(ValueError, match="no record stamps"):
            uow.stamps.of("courses", [course.id])
