"""How the plan booked before Parity, for the simulator's `status-quo` policy (ADR 0014).

The plan booked the earliest in-network slot it had, same clinician first for a follow-up,
even when that slot was past the legal deadline. Parity's own engine (`services/booking.py`)
never does this: it refers out instead. This module exists so the simulator can reproduce
the regulator's record; the late offer is recorded as evidence like any other, so every
late booking shows as a violation in the reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from parity.domain.availability import SlotQuery
from parity.domain.care import CareRequest, Decision, RequestStatus
from parity.domain.errors import InvalidTransition
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import BlockKind, Slot, SlotStatus
from parity.domain.standards import VisitType
from parity.services.booking import Acceptance, Booking, book_slot
from parity.services.policy import Policy


@dataclass(frozen=True, slots=True)
class BookEarliest:
    request_id: int
    # How far ahead the plan looked for a slot: the calendar laid ahead (at least 26 weeks).
    horizon: timedelta


def _horizon_query(
    request: CareRequest, policy: Policy, now: datetime, horizon: timedelta, clinician: str | None
) -> SlotQuery:
    return SlotQuery(
        policy.kinds_for(request.visit),
        request.provider_class,
        request.language,
        request.modalities,
        request.clinic_id,
        max(now + policy.min_notice, request.not_before),
        now + horizon,
        clinician,
    )


def earliest_in_network(
    request: CareRequest, uow: UnitOfWork, policy: Policy, now: datetime, horizon: timedelta
) -> Slot | None:
    """The earliest slot the plan would book, late or not: for a follow-up the member's own
    clinician if they have any slot within the horizon, otherwise anyone who matches."""
    preferred = request.preferred_clinician_id
    if request.visit is VisitType.FOLLOW_UP and preferred is not None:
        clinician = uow.clinicians.get(preferred)
        if (
            clinician.provider_class is request.provider_class
            and request.language in clinician.languages
        ):
            own = uow.slots.earliest(_horizon_query(request, policy, now, horizon, preferred))
            if own is not None:
                return own
    return uow.slots.earliest(_horizon_query(request, policy, now, horizon, None))


def find_earliest(cmd: BookEarliest, uow: UnitOfWork, clock: Clock, policy: Policy) -> Slot | None:
    """Read-only: the slot `book_earliest` would take now."""
    with uow:
        request = uow.requests.get(cmd.request_id)
        return earliest_in_network(request, uow, policy, clock.now(), cmd.horizon)


def book_earliest(
    cmd: BookEarliest, uow: UnitOfWork, clock: Clock, policy: Policy
) -> Decision | None:
    """Book the earliest in-network slot even when it is late; None when the horizon holds
    no slot at all. A late booking's offer is recorded with `timely = False`."""
    with uow:
        decision = book_earliest_in(cmd, uow, clock, policy)
        if decision is None:
            return None
        uow.commit()
    return decision


def book_earliest_in(
    cmd: BookEarliest, uow: UnitOfWork, clock: Clock, policy: Policy
) -> Decision | None:
    """`book_earliest` inside the caller's transaction."""
    request = uow.requests.get(cmd.request_id)
    if request.status is not RequestStatus.OPEN:
        raise InvalidTransition(f"request {request.id} is {request.status}, not open")
    now = clock.now()
    slot = earliest_in_network(request, uow, policy, now, cmd.horizon)
    if slot is None:
        return None
    considered = {"earliest_in_network": slot.id, "policy": "status-quo"}
    return book_slot(Booking(request, slot, Acceptance("member", considered), uow, now, policy))


@dataclass(frozen=True, slots=True)
class ReleaseUrgentHolds:
    """Free urgent holds starting before `until` become follow-up slots (ADR 0014).

    `slot_ids`, when given, names the urgent slots to look at (a caller that laid the
    calendar knows them); otherwise every clinician's slots are searched.
    """

    until: datetime
    slot_ids: tuple[int, ...] | None = None


def release_urgent_holds(cmd: ReleaseUrgentHolds, uow: UnitOfWork, clock: Clock) -> int:
    """Release unused urgent holds: each free urgent slot starting between now and `until`
    is withdrawn and the same time offered as a follow-up slot. Returns how many."""
    now = clock.now()
    with uow:
        if cmd.slot_ids is None:
            candidates = [
                slot
                for clinician in uow.clinicians.list()
                for slot in uow.slots.for_clinician(clinician.id, now, cmd.until)
            ]
        else:
            candidates = [uow.slots.get(slot_id) for slot_id in cmd.slot_ids]
        released: dict[str, list[Slot]] = {}
        for slot in candidates:
            if (
                slot.kind is BlockKind.URGENT
                and slot.status is SlotStatus.FREE
                and now <= slot.start < cmd.until
            ):
                uow.slots.take(slot.id)
                released.setdefault(slot.clinician_id, []).append(
                    Slot(
                        slot.clinician_id, slot.clinic_id, slot.start, slot.end, BlockKind.FOLLOW_UP
                    )
                )
        # One batch per clinician: the availability index files a batch in one sorted merge.
        for clinician_id, follow_ups in released.items():
            uow.slots.add_many(follow_ups, uow.clinicians.get(clinician_id))
        uow.commit()
    return sum(len(follow_ups) for follow_ups in released.values())
