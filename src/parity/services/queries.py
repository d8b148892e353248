"""Read-side use cases for the API and pages: each opens its own unit of work, reads, and
leaves without committing (nothing to undo). Routes call these, never a repository.

Searches that could sweep the whole region are refused with a reason: a region holds
~740,000 slots and hundreds of thousands of requests, so slot searches name a clinician
and appointment, request and evidence searches name a member, clinician or request.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from parity.domain.care import (
    Appointment,
    AppointmentStatus,
    CareRequest,
    ClinicalException,
    Offer,
    Referral,
    RequestStatus,
)
from parity.domain.errors import InvalidInput, NotFound
from parity.domain.holds import Hold
from parity.domain.members import Member
from parity.domain.ports import Repository, UnitOfWork
from parity.domain.schedule import ProtectedTime, Slot, SlotStatus
from parity.domain.scope import MemberScope
from parity.domain.workforce import Clinic, Clinician
from parity.services import scoping
from parity.services.reschedule import visit_in
from parity.services.time_window import Window

T = TypeVar("T")
R = TypeVar("R", bound=scoping.OfMember)


def _found(repository: Repository[T], key: Any) -> list[T]:
    """The item as a one-element list, or none: searches skip unknown ids, reads 404."""
    try:
        return [repository.get(key)]
    except NotFound:
        return []


# -- directory ---------------------------------------------------------------------------


def clinician(uow: UnitOfWork, clinician_id: str) -> Clinician:
    with uow:
        return uow.clinicians.get(clinician_id)


@dataclass(frozen=True, slots=True)
class ClinicianSearch:
    """Every criterion given must match; `name` is a case-insensitive substring, and
    `specialty` a discipline or a provider class."""

    ids: frozenset[str] | None = None
    name: str | None = None
    language: str | None = None
    clinic_id: str | None = None
    specialty: str | None = None

    def matches(self, clinician: Clinician) -> bool:
        return (
            (self.ids is None or clinician.id in self.ids)
            and (self.name is None or self.name.lower() in clinician.name.lower())
            and (self.language is None or self.language in clinician.languages)
            and (self.clinic_id is None or self.clinic_id in clinician.clinic_ids)
            and (self.specialty in (None, clinician.discipline, clinician.provider_class))
        )


def clinicians(uow: UnitOfWork, search: ClinicianSearch = ClinicianSearch()) -> list[Clinician]:
    with uow:
        matching = [c for c in uow.clinicians.list() if search.matches(c)]
    return sorted(matching, key=lambda c: c.id)


def clinic(uow: UnitOfWork, clinic_id: str) -> Clinic:
    with uow:
        return uow.clinics.get(clinic_id)


def clinics(uow: UnitOfWork, name: str | None = None) -> list[Clinic]:
    """Clinics, optionally those whose name contains `name` (case-insensitive)."""
    with uow:
        matching = [c for c in uow.clinics.list() if (name or "").lower() in c.name.lower()]
    return sorted(matching, key=lambda c: c.id)


def member(uow: UnitOfWork, scope: MemberScope, member_id: str) -> Member:
    """A member in the caller's scope; anyone else is `NotFound` (absent or not yours), and
    so is everyone for a de-identified scope."""
    if scope.deidentified:
        raise NotFound(f"Patient {member_id} not found", resource="Patient", id=member_id)
    with uow:
        scoping.require_member(uow, scope, member_id)
        return uow.members.get(member_id)


def members(uow: UnitOfWork, scope: MemberScope, member_ids: Iterable[str]) -> list[Member]:
    """The members among `member_ids` that exist and are in scope, by id (a search); none
    for a de-identified scope (an auditor sees no names)."""
    if scope.deidentified:
        return []
    with uow:
        allowed = scoping.admitted(uow, scope, set(member_ids))
        return [m for key in sorted(allowed) for m in _found(uow.members, key)]


# -- availability ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlotSearch:
    """Slots of one clinician; `statuses` None means every bookable status."""

    clinician_id: str
    window: Window = field(default_factory=Window)
    statuses: frozenset[SlotStatus] | None = None
    protected: bool = True


def slot(uow: UnitOfWork, slot_id: int) -> Slot:
    """A slot, for any caller: it is a clinician's schedule, not a member's record. What a
    caller may hold, book or offer for a member has no rule of its own about slots: the
    member must be in the caller's scope (checked on the request) and the slot must serve
    the request (the booking engine's `check_slot_fits`, by the same modality and area rule
    `$find`'s search files slots by), so what `$find` proposes is what can be held
    (docs/adr/0012, "2026-12-07 (evening)")."""
    with uow:
        return uow.slots.get(slot_id)


def protected_block(uow: UnitOfWork, clinician_id: str, start: datetime) -> ProtectedTime:
    """The protected IPC block of a clinician that starts at `start`."""
    with uow:
        uow.clinicians.get(clinician_id)
        end = start + timedelta(seconds=1)
        for block in uow.protected.overlapping(clinician_id, start, end):
            if block.start == start:
                return block
    raise NotFound(f"no protected time of {clinician_id} starts at {start.isoformat()}")


def search_slots(uow: UnitOfWork, search: SlotSearch) -> list[Slot | ProtectedTime]:
    """A clinician's slots (and protected blocks) starting in the window, by start."""
    start, end = search.window.bounds
    with uow:
        if not _found(uow.clinicians, search.clinician_id):
            return []  # a search for an unknown schedule finds nothing; it is not an error
        items: list[Slot | ProtectedTime] = [
            s
            for s in uow.slots.for_clinician(search.clinician_id, start, end)
            if search.statuses is None or s.status in search.statuses
        ]
        if search.protected:
            blocks = uow.protected.overlapping(search.clinician_id, start, end)
            items += [b for b in blocks if search.window.holds(b.start)]
    return sorted(items, key=lambda item: item.start)


# -- requests, appointments, holds ---------------------------------------------------------


def _request(uow: UnitOfWork, scope: MemberScope, request_id: int) -> CareRequest:
    care = uow.requests.get(request_id)
    return scoping.require(uow, scope, care, "ServiceRequest", request_id)


def care_request(uow: UnitOfWork, scope: MemberScope, request_id: int) -> CareRequest:
    with uow:
        return _request(uow, scope, request_id)


def referral_of(uow: UnitOfWork, request_id: int) -> Referral:
    """The out-of-network referral of a request the caller has already read in their scope,
    or NotFound: a request never referred has none."""
    with uow:
        found = uow.referrals.where(request_id=request_id)
    if not found:
        raise NotFound(f"ServiceRequest {request_id} was not referred out of network")
    return found[-1]


def search_requests(
    uow: UnitOfWork,
    scope: MemberScope,
    member_id: str | None,
    statuses: frozenset[RequestStatus] | None,
) -> list[CareRequest]:
    """A member's requests, or every request in some statuses (the scheduler's work queue),
    soonest effective deadline first."""
    if member_id is None and not statuses:
        raise InvalidInput("search care requests by patient or by status, not the whole region")
    with uow:
        if member_id is not None:
            requests = list(uow.requests.where(member_id=member_id))
        else:
            requests = [r for s in sorted(statuses or ()) for r in uow.requests.where(status=s)]
        requests = scoping.kept(
            uow, scope, [r for r in requests if statuses is None or r.status in statuses]
        )
    return sorted(requests, key=lambda r: (r.effective_deadline, r.id))


def open_requests_outside(uow: UnitOfWork, scope: MemberScope) -> int:
    """How many open requests belong to members outside the scope: a batch that books or
    refers every open request touches them all (the optimizer's apply)."""
    if scope.is_everyone and not scope.deidentified:
        return 0
    with uow:
        open_ = list(uow.requests.where(status=RequestStatus.OPEN))
        allowed = uow.member_scopes.admitted(scope, {r.member_id for r in open_})
    return sum(1 for r in open_ if r.member_id not in allowed)


@dataclass(frozen=True, slots=True)
class AppointmentSearch:
    member_id: str | None = None
    clinician_id: str | None = None
    request_id: int | None = None
    window: Window = field(default_factory=Window)
    statuses: frozenset[AppointmentStatus] | None = None


@dataclass(frozen=True, slots=True)
class Visit:
    """A booked visit with what its FHIR form needs: the request and the slot."""

    appointment: Appointment
    request: CareRequest
    slot: Slot


def _visit(uow: UnitOfWork, booked: Appointment) -> Visit:
    return Visit(booked, uow.requests.get(booked.request_id), uow.slots.get(booked.slot_id))


def visit(uow: UnitOfWork, scope: MemberScope, appointment_id: int) -> Visit:
    with uow:
        appointment = uow.appointments.get(appointment_id)
        return _visit(uow, scoping.require(uow, scope, appointment, "Appointment", appointment_id))


def kept(uow: UnitOfWork, scope: MemberScope, records: Sequence[R]) -> list[R]:
    """The records (of any kind naming a member) whose member is in the caller's scope."""
    with uow:
        return scoping.kept(uow, scope, records)


def visit_in_slot(uow: UnitOfWork, scope: MemberScope, slot_id: int) -> Appointment:
    """The visit booked in a slot, if its member is in the caller's scope (else NotFound)."""
    with uow:
        return scoping.require(uow, scope, visit_in(uow, slot_id), "Appointment", slot_id)


def search_visits(uow: UnitOfWork, scope: MemberScope, search: AppointmentSearch) -> list[Visit]:
    """Appointments of a member, a clinician or a request, by start."""
    criteria = {
        key: value
        for key, value in (
            ("member_id", search.member_id),
            ("request_id", search.request_id),
            ("clinician_id", search.clinician_id),
        )
        if value is not None
    }
    if not criteria:
        raise InvalidInput(
            "search appointments by patient, practitioner or based-on, not the whole region"
        )
    with uow:
        matching = [
            a
            for a in uow.appointments.where(**criteria)
            if search.window.holds(a.start)
            and (search.statuses is None or a.status in search.statuses)
        ]
        visits = [_visit(uow, a) for a in scoping.kept(uow, scope, matching)]
    return sorted(visits, key=lambda v: (v.appointment.start, v.appointment.id))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A slot seen for a request (a proposal or a hold), with the clinician who works it."""

    request: CareRequest
    slot: Slot
    clinician: Clinician
    hold: Hold | None = None


def candidate(uow: UnitOfWork, scope: MemberScope, request_id: int, slot_id: int) -> Candidate:
    with uow:
        request = _request(uow, scope, request_id)
        slot = uow.slots.get(slot_id)
        return Candidate(request, slot, uow.clinicians.get(slot.clinician_id))


def held(uow: UnitOfWork, scope: MemberScope, hold_id: int) -> Candidate:
    with uow:
        hold = uow.holds.get(hold_id)
        request = _request_of(uow, scope, hold.request_id, "Appointment", f"hold-{hold_id}")
        slot = uow.slots.get(hold.slot_id)
        return Candidate(request, slot, uow.clinicians.get(slot.clinician_id), hold)


def candidates(
    uow: UnitOfWork, scope: MemberScope, request_id: int, slots: Sequence[Slot]
) -> list[Candidate]:
    with uow:
        request = _request(uow, scope, request_id)
        clinicians = uow.clinicians.many(s.clinician_id for s in slots)
        return [Candidate(request, s, clinicians[s.clinician_id]) for s in slots]


# -- evidence ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    """What was offered, excepted and referred for one request."""

    request: CareRequest
    offers: list[Offer] = field(default_factory=list)
    exceptions: list[ClinicalException] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)


def _evidence(uow: UnitOfWork, request: CareRequest) -> Evidence:
    return Evidence(
        request,
        sorted(uow.offers.where(request_id=request.id), key=lambda o: o.id),
        sorted(uow.clinical_exceptions.where(request_id=request.id), key=lambda e: e.id),
        sorted(uow.referrals.where(request_id=request.id), key=lambda r: r.id),
    )


def evidence(
    uow: UnitOfWork, scope: MemberScope, request_id: int | None, member_id: str | None
) -> list[Evidence]:
    """The evidence of one request, or of every request of a member."""
    if request_id is None and member_id is None:
        raise InvalidInput("search evidence by based-on or patient, not the whole region")
    with uow:
        if request_id is not None:
            requests = _found(uow.requests, request_id)
        else:
            requests = list(uow.requests.where(member_id=member_id))
        mine = [r for r in requests if member_id is None or r.member_id == member_id]
        return [
            _evidence(uow, r) for r in sorted(scoping.kept(uow, scope, mine), key=lambda r: r.id)
        ]


def _request_of(
    uow: UnitOfWork, scope: MemberScope, request_id: int, what: str, key: object
) -> CareRequest:
    """The request a record hangs on, in scope; otherwise the record itself is `NotFound`."""
    care = uow.requests.get(request_id)
    return scoping.require(uow, scope, care, what, key)


def offer(uow: UnitOfWork, scope: MemberScope, offer_id: int) -> tuple[Offer, CareRequest]:
    with uow:
        offer = uow.offers.get(offer_id)
        return offer, _request_of(uow, scope, offer.request_id, "Task", f"offer-{offer_id}")


def clinical_exception(
    uow: UnitOfWork, scope: MemberScope, exception_id: int
) -> tuple[ClinicalException, CareRequest]:
    with uow:
        exception = uow.clinical_exceptions.get(exception_id)
        key = f"exception-{exception_id}"
        return exception, _request_of(uow, scope, exception.request_id, "Task", key)


def referral(uow: UnitOfWork, scope: MemberScope, referral_id: int) -> tuple[Referral, CareRequest]:
    with uow:
        referral = uow.referrals.get(referral_id)
        key = f"referral-{referral_id}"
        return referral, _request_of(uow, scope, referral.request_id, "Task", key)
