"""Leave that does no silent harm: see which booked visits an absence (PTO or admin time)
would cancel before recording it; on confirmation cancel them as the clinic, re-open their
requests at the head of the waitlist with their original deadlines and offer each member the
earliest timely slot free now; change or withdraw an absence later, giving the slots it
held back to the waitlist. A withdrawn absence keeps its record (`withdrawn_at`).
See docs/adr/0016-pages-for-each-role.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from parity.domain.care import Appointment, AppointmentStatus, Offer
from parity.domain.errors import InvalidInput, NotFound
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import AvailabilityException, ExceptionKind, SlotStatus
from parity.domain.scope import MemberScope
from parity.domain.users import Forbidden
from parity.services import scoping
from parity.services.policy import Policy
from parity.services.schedules import add_exception_in
from parity.services.waitlist import offer_best_slot, offer_freed_slot


@dataclass(frozen=True)
class Rebooking:
    """A visit the absence cancelled, whose it was, and the offer made to replace it (None:
    no timely slot is free now, so the request waits first in line)."""

    visit: Appointment
    member_name: str
    offer: Offer | None
    offered_with: str = ""


@dataclass(frozen=True)
class AbsenceChange:
    """What recording, changing or withdrawing an absence did."""

    absence: AvailabilityException
    rebooked: list[Rebooking] = field(default_factory=list)
    freed_offers: list[Offer] = field(default_factory=list)
    waitlist_on: bool = True


WITHDRAWING = (ExceptionKind.PTO, ExceptionKind.ADMIN)


def visits_under(
    clinician_id: str, start: datetime, end: datetime, uow: UnitOfWork, *, scope: MemberScope
) -> list[tuple[Appointment, str]]:
    """The booked visits (with their members' names) an absence over [start, end) would
    cancel, soonest first: what the person recording it must confirm. `Forbidden` when one
    is of a member outside the caller's scope (see `_refuse_outside`)."""
    with uow:
        found = [
            a
            for a in uow.appointments.where(clinician_id=clinician_id)
            if a.status is AppointmentStatus.BOOKED and a.start < end and start < a.end
        ]
        _refuse_outside(uow, scope, found)
        return [(a, _member_name(uow, a.member_id)) for a in sorted(found, key=lambda a: a.start)]


def _refuse_outside(uow: UnitOfWork, scope: MemberScope, visits: list[Appointment]) -> None:
    """An absence cancels the visits under it: each a write on a member's record, so each
    member must be in the caller's scope (docs/adr/0012, 2026-12-07). A scheduler may manage
    a clinician of their clinic who also sees another clinic's members by video; the leave
    that would cancel those visits is theirs to record with that clinic's scheduler or an
    admin. Nobody outside the scope is named."""
    members = {v.member_id for v in visits}
    outside = members - scoping.admitted(uow, scope, members)
    if outside:
        count = sum(1 for v in visits if v.member_id in outside)
        raise Forbidden(
            f"{count} booked visit(s) in that time are of members outside your scope: "
            "an admin or their own clinic's scheduler records this absence"
        )


def check_timing(
    absence: AvailabilityException, absence_id: int | None, uow: UnitOfWork, clock: Clock
) -> None:
    """Refuse, before anything is listed or asked, an absence laid in the past (for a change
    of `absence_id`, one that moves the start already on record)."""
    if absence_id is None:
        _refuse_past(absence, clock)
        return
    with uow:
        old = _standing(uow, absence_id, absence.clinician_id)
    _refuse_past(absence, clock, kept_start=old.start)


def record_absence(
    absence: AvailabilityException,
    uow: UnitOfWork,
    policy: Policy,
    clock: Clock,
    *,
    scope: MemberScope,
) -> AbsenceChange:
    """Record PTO or admin time (already confirmed) and offer each cancelled visit's member
    a timely slot through the waitlist; nothing when a visit it would cancel is of a member
    outside `scope` (`Forbidden`)."""
    _refuse_past(absence, clock)
    with uow:
        cancelled = add_exception_in(uow, policy, clock, absence)
        _refuse_outside(uow, scope, cancelled)
        uow.commit()
    rebooked = _rebook(cancelled, uow, clock, policy)
    return AbsenceChange(absence, rebooked, [], policy.waitlist.enabled)


def change_absence(
    absence_id: int,
    changed: AvailabilityException,
    uow: UnitOfWork,
    policy: Policy,
    clock: Clock,
    *,
    scope: MemberScope,
) -> AbsenceChange:
    """Replace a standing absence by `changed` (same clinician and kind): the old one is
    withdrawn (kept on record), slots it alone held come free, then `changed` is laid (not
    over a visit of a member outside `scope`: `Forbidden`, nothing changed)."""
    with uow:
        old = _standing(uow, absence_id, changed.clinician_id)
        _refuse_past(changed, clock, kept_start=old.start)
        if changed.kind is not old.kind:
            raise InvalidInput(f"absence {absence_id} is {old.kind}, not {changed.kind}")
        freed = _withdraw(uow, old, clock.now())
        cancelled = add_exception_in(uow, policy, clock, changed)
        _refuse_outside(uow, scope, cancelled)
        uow.commit()
    rebooked = _rebook(cancelled, uow, clock, policy)
    freed_offers = _offer_freed(freed, uow, clock, policy)
    return AbsenceChange(changed, rebooked, freed_offers, policy.waitlist.enabled)


def remove_absence(
    absence_id: int, clinician_id: str, uow: UnitOfWork, policy: Policy, clock: Clock
) -> AbsenceChange:
    """Withdraw a standing absence; the slots it held come free and go to the waitlist."""
    with uow:
        old = _standing(uow, absence_id, clinician_id)
        freed = _withdraw(uow, old, clock.now())
        uow.commit()
    freed_offers = _offer_freed(freed, uow, clock, policy)
    return AbsenceChange(old, [], freed_offers, policy.waitlist.enabled)


def _refuse_past(
    absence: AvailabilityException, clock: Clock, kept_start: datetime | None = None
) -> None:
    """Leave is recorded from now on, never back-dated: an absence starting before the
    current minute would cancel visits that already happened (or were missed) as clinic
    cancellations, written after the fact. A change may keep the start already on record
    (the absence under way shortened or extended). See docs/adr/0011, twelfth round."""
    if absence.kind not in WITHDRAWING:
        raise InvalidInput("only PTO and admin time are recorded here")
    now = clock.now()
    if absence.end <= now:
        raise InvalidInput("an absence must end in the future")
    this_minute = now.replace(second=0, microsecond=0)
    if absence.start < this_minute and absence.start != kept_start:
        raise InvalidInput(
            "an absence cannot start in the past: the visits before now happened or were "
            "missed and stay on record as they were; start it now or later"
        )


def _standing(uow: UnitOfWork, absence_id: int, clinician_id: str) -> AvailabilityException:
    found = uow.availability_exceptions.get(absence_id)
    if found.clinician_id != clinician_id or not found.stands or found.kind not in WITHDRAWING:
        raise NotFound(f"clinician {clinician_id} has no standing absence {absence_id}")
    return found


def _withdraw(uow: UnitOfWork, old: AvailabilityException, now: datetime) -> list[int]:
    """Mark `old` withdrawn and free the future slots no visit and no other absence holds."""
    old.withdrawn_at = now
    uow.availability_exceptions.save(old)
    others = [
        e
        for e in uow.availability_exceptions.where(clinician_id=old.clinician_id)
        if e.stands and e.id != old.id and e.kind in WITHDRAWING
    ]
    freed = []
    for slot in uow.slots.for_clinician(old.clinician_id, old.start, old.end):
        if slot.status is not SlotStatus.BUSY or slot.start <= now:
            continue
        if any(e.start < slot.end and slot.start < e.end for e in others):
            continue
        visits = uow.appointments.where(slot_id=slot.id)
        if any(a.status is not AppointmentStatus.CANCELLED for a in visits):
            continue
        uow.slots.release(slot.id)
        freed.append(slot.id)
    return freed


def _rebook(
    cancelled: list[Appointment], uow: UnitOfWork, clock: Clock, policy: Policy
) -> list[Rebooking]:
    """Offer each cancelled visit's member the earliest timely slot free now."""
    found = []
    for visit in cancelled:
        offer = offer_best_slot(visit.request_id, uow, clock, policy)
        with uow:
            member = _member_name(uow, visit.member_id)
            with_whom = _clinician_name(uow, offer.clinician_id) if offer else ""
        found.append(Rebooking(visit, member, offer, with_whom))
    return found


def _offer_freed(freed: list[int], uow: UnitOfWork, clock: Clock, policy: Policy) -> list[Offer]:
    if not policy.waitlist.enabled:
        return []
    made = [offer_freed_slot(slot_id, uow, clock, policy) for slot_id in freed]
    return [offer for offer in made if offer is not None]


def _member_name(uow: UnitOfWork, member_id: str) -> str:
    try:
        return uow.members.get(member_id).name
    except NotFound:
        return member_id


def _clinician_name(uow: UnitOfWork, clinician_id: str) -> str:
    try:
        return uow.clinicians.get(clinician_id).name
    except NotFound:
        return clinician_id
