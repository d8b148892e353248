"""Read-side use cases for the web pages, beyond `services.queries`: one request's whole
evidence record, one clinician's week, the open requests a free slot could take.

Like `queries`, each function opens its own unit of work, reads and leaves without
committing. Pages call these, never a repository.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from parity.domain.care import (
    Appointment,
    CareRequest,
    ClinicalException,
    Course,
    LaterDate,
    Offer,
    OfferResponse,
    Referral,
    RequestStatus,
    later_dates_on_record,
)
from parity.domain.compliance import Outcome, first_offer
from parity.domain.errors import NotFound
from parity.domain.members import Member
from parity.domain.ports import UnitOfWork
from parity.domain.schedule import (
    AvailabilityException,
    BlockKind,
    IpcWeek,
    ProtectedTime,
    Slot,
    SlotStatus,
)
from parity.domain.scope import MemberScope
from parity.domain.workforce import Clinician
from parity.services import scoping
from parity.services.booking import slot_fits
from parity.services.policy import Policy
from parity.services.repeated_asks import first_asks, waiting_repeats
from parity.services.reporting import Records, evidence_row

# -- one request's evidence ------------------------------------------------------------------


@dataclass(frozen=True)
class RequestRecord:
    """Everything recorded about one care request, and how the law counts it as of `now`:
    asked when, offered when, within standard or why not."""

    request: CareRequest
    member: Member | None
    offers: list[Offer]
    exceptions: list[ClinicalException]
    referrals: list[Referral]
    appointments: list[Appointment]
    clinicians: dict[str, Clinician]
    outcome: Outcome
    cause: str | None
    wait_business_days: int | None
    # The waiting request this one repeats (counted there), or the repeats counted here.
    repeat_of: int | None = None
    repeats: list[int] = field(default_factory=list)
    # Every later date the member gave, in the order recorded; the last in force
    # (docs/adr/0013, 2026-12-08).
    later_dates: list[LaterDate] = field(default_factory=list)

    @property
    def first_offer(self) -> Offer | None:
        """The offer that measures the wait (the earliest appointment time offered)."""
        return first_offer(self.offers)

    @property
    def pending_offers(self) -> list[Offer]:
        return [o for o in self.offers if o.response is OfferResponse.PENDING]


def _clinicians(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, Clinician]:
    found: dict[str, Clinician] = {}
    for key in sorted(set(ids)):
        try:
            found[key] = uow.clinicians.get(key)
        except NotFound:
            continue  # a clinician who left: the evidence keeps the id
    return found


def _member(uow: UnitOfWork, member_id: str) -> Member | None:
    try:
        return uow.members.get(member_id)
    except NotFound:
        return None


def request_record(
    uow: UnitOfWork, scope: MemberScope, policy: Policy, request_id: int, now: datetime
) -> RequestRecord:
    """The evidence trail of one request in the caller's scope, classified as the
    compliance report does; another member's request is `NotFound`."""
    with uow:
        found = uow.requests.get(request_id)
        request = scoping.require(uow, scope, found, "ServiceRequest", request_id)
        # The member's own records, so a repeated ask is judged as the report judges it: a
        # repeat counts with the first ask, the first with its repeats' offers and visits
        # (docs/adr/0013, 2026-12-07 evening). This request's offers and visits are among
        # them; its exceptions and referrals are listed whole (the records keep one each).
        records = Records.of_member(uow, request.member_id)
        offers = sorted(records.offers.get(request_id, []), key=lambda o: o.id)
        exceptions = sorted(
            uow.clinical_exceptions.where(request_id=request_id), key=lambda e: e.id
        )
        referrals = sorted(uow.referrals.where(request_id=request_id), key=lambda r: r.id)
        appointments = sorted(
            records.appointments.get(request_id, []), key=lambda a: (a.booked_at, a.id)
        )
        named = [o.clinician_id for o in offers] + [a.clinician_id for a in appointments]
        named += [request.preferred_clinician_id] if request.preferred_clinician_id else []
        clinicians = _clinicians(uow, named)
        member = _member(uow, request.member_id)
        kept = uow.later_dates.of([request_id]).get(request_id, [])
    # Classified by the report's own row (docs/adr/0013, 2026-12-07): the last referral, the
    # in-time exception, the delivered offers, the prompt re-offer rule, the counted offers.
    row = evidence_row(records.evidence(request), policy, now)
    return RequestRecord(
        request,
        member,
        offers,
        exceptions,
        referrals,
        appointments,
        clinicians,
        row.outcome,
        row.cause,
        row.wait_business_days,
        records.repeat_of.get(request.id),
        records.repeated.get(request.id, []),
        later_dates_on_record(request, kept),
    )


# -- a clinician's week ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClinicianWeek:
    """One clinician's local week: what can be booked, what is booked, what is protected."""

    clinician: Clinician
    week_start: date
    slots: list[Slot]
    protected: list[ProtectedTime]
    appointments: list[Appointment]
    absences: list[AvailabilityException]
    admin: list[tuple[datetime, datetime]]
    ledger: IpcWeek | None
    caseload: list[Course]
    follow_ups: list[CareRequest]
    members: dict[str, Member]


def _week_bounds(week_start: date, policy: Policy) -> tuple[datetime, datetime]:
    # Local midnights, so a week keeps its seven local days across a DST change.
    tz = policy.rules.timezone
    start = datetime.combine(week_start, datetime.min.time(), tzinfo=tz)
    return start, datetime.combine(week_start + timedelta(days=7), datetime.min.time(), tzinfo=tz)


def _admin_blocks(
    uow: UnitOfWork, policy: Policy, clinician_id: str, week_start: date
) -> list[tuple[datetime, datetime]]:
    """The template's administrative blocks on the week's working days (not holidays)."""
    try:
        template = uow.templates.get(clinician_id)
    except NotFound:
        return []
    tz, holidays = policy.rules.timezone, policy.rules.calendar.holidays
    days = [week_start + timedelta(days=n) for n in range(7)]
    return [
        block.interval_on(day, tz)
        for day in days
        if day not in holidays
        for block in template.blocks_on(day.weekday())
        if block.kind is BlockKind.ADMIN
    ]


def clinician_week(
    uow: UnitOfWork, scope: MemberScope, policy: Policy, clinician_id: str, week_start: date
) -> ClinicianWeek:
    """Slots, bookings, protected IPC blocks, PTO and admin time of one local week, the
    IPC ledger line, the clinician's caseload and the follow-ups waiting for them. Visits,
    caseload and follow-ups of members outside the caller's scope are left out (their
    slots still show as taken)."""
    start, end = _week_bounds(week_start, policy)
    with uow:
        clinician = uow.clinicians.get(clinician_id)
        appointments = [
            a for a in uow.appointments.where(clinician_id=clinician_id) if start <= a.start < end
        ]
        appointments = scoping.kept(uow, scope, appointments)
        absences = [
            e
            for e in uow.availability_exceptions.where(clinician_id=clinician_id)
            if e.stands and e.start < end and start < e.end
        ]
        ledger = [
            w
            for w in uow.ipc_ledger.weeks(week_start, week_start + timedelta(days=1))
            if w.clinician_id == clinician_id
        ]
        caseload = [c for c in uow.courses.where(clinician_id=clinician_id) if c.active]
        caseload = scoping.kept(uow, scope, caseload)
        follow_ups = scoping.kept(uow, scope, _waiting_follow_ups(uow, clinician_id))
        named = {a.member_id for a in appointments} | {c.member_id for c in caseload}
        named |= {r.member_id for r in follow_ups}
        members = {m.id: m for key in sorted(named) if (m := _member(uow, key)) is not None}
        return ClinicianWeek(
            clinician,
            week_start,
            sorted(uow.slots.for_clinician(clinician_id, start, end), key=lambda s: s.start),
            sorted(uow.protected.overlapping(clinician_id, start, end), key=lambda b: b.start),
            sorted(appointments, key=lambda a: (a.start, a.id)),
            sorted(absences, key=lambda e: e.start),
            _admin_blocks(uow, policy, clinician_id, week_start),
            ledger[0] if ledger else None,
            sorted(caseload, key=lambda c: c.id),
            sorted(follow_ups, key=lambda r: (r.effective_deadline, r.id)),
            members,
        )


def _waiting_follow_ups(uow: UnitOfWork, clinician_id: str) -> list[CareRequest]:
    """The open requests naming the clinician, a repeated ask listed once, as its first ask
    (`repeated_asks`; docs/adr/0013, "2026-12-07 (late evening)"). The rule reads every
    open request of the members listed, as a first ask need not name the clinician."""
    named = uow.requests.where(preferred_clinician_id=clinician_id, status=RequestStatus.OPEN)
    if not named:
        return []
    members = sorted({r.member_id for r in named})
    theirs = [
        r for m in members for r in uow.requests.where(member_id=m, status=RequestStatus.OPEN)
    ]
    hidden = waiting_repeats(uow, theirs)
    return [r for r in named if r.id not in hidden]


# -- which open requests a free slot could take ---------------------------------------------


@dataclass(frozen=True)
class SlotChoice:
    """A free slot, its clinician, and the open requests it could serve, soonest deadline
    first: each one the booking engine would book into it now."""

    slot: Slot
    clinician: Clinician
    requests: list[CareRequest]
    members: dict[str, Member]


def _fits(request: CareRequest, slot: Slot, clinician: Clinician, policy: Policy) -> bool:
    """A cheap first cut (kind, class, language, earliest start) before the engine's check."""
    return (
        slot.kind in policy.kinds_for(request.visit)
        and request.provider_class is clinician.provider_class
        and request.language in clinician.languages
        and request.not_before <= slot.start
    )


def slot_choice(
    uow: UnitOfWork,
    scope: MemberScope,
    policy: Policy,
    slot_id: int,
    now: datetime,
    limit: int = 25,
) -> SlotChoice:
    """A free slot with the open requests in the caller's scope it could be booked for now
    (none when it is not free)."""
    with uow:
        slot = uow.slots.get(slot_id)
        clinician = uow.clinicians.get(slot.clinician_id)
        free = slot.status is SlotStatus.FREE
        # A repeated ask whose first ask is open is offered through the first (docs/adr/0013,
        # "2026-12-07 (late evening)").
        waiting = first_asks(uow, uow.requests.where(status=RequestStatus.OPEN)) if free else []
        fitting = [r for r in waiting if _fits(r, slot, clinician, policy)]
        fitting = sorted(
            (r for r in scoping.kept(uow, scope, fitting) if slot_fits(r, slot, uow, policy, now)),
            key=lambda r: (r.effective_deadline, r.id),
        )[:limit]
        members = {m.id: m for r in fitting if (m := _member(uow, r.member_id)) is not None}
    return SlotChoice(slot, clinician, fitting, members)
