"""The evidence the law asks for, request by request, and the protected-time ledger.

Reads only: each function opens its own unit of work and returns plain rows that the
report writers, the API and the pages turn into tables and charts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any

from parity.domain.calendar import local_date
from parity.domain.care import Appointment, CareRequest, ClinicalException, Offer, Referral
from parity.domain.compliance import (
    REFERRALS,
    Outcome,
    RequestEvidence,
    allowed_deadline,
    classify,
    counted_offers,
    first_offer,
    referral_in_time,
    repeats,
)
from parity.domain.messages import MessageKind, MessageStatus
from parity.domain.metrics import EvidenceRow
from parity.domain.ports import UnitOfWork
from parity.domain.schedule import overlap_minutes, week_start_of
from parity.services.policy import Policy
from parity.services.slot_search import on_record


@dataclass(frozen=True)
class Period:
    """A reporting period of clinic-local dates, [start, end)."""

    start: date
    end: date

    def instants(self, policy: Policy) -> tuple[datetime, datetime]:
        tz = policy.rules.timezone
        return datetime.combine(self.start, time(0), tzinfo=tz), datetime.combine(
            self.end, time(0), tzinfo=tz
        )


def _by_request(items: Iterable[Any]) -> defaultdict[int, list[Any]]:
    grouped: defaultdict[int, list[Any]] = defaultdict(list)
    for item in items:
        grouped[item.request_id].append(item)
    return grouped


@dataclass
class Records:
    """Everything recorded, grouped by request, loaded once for a report."""

    offers: defaultdict[int, list[Offer]]
    appointments: defaultdict[int, list[Appointment]]
    referrals: dict[int, Any]
    exceptions: dict[int, Any]
    delivered: frozenset[int]
    # A request asked again while it waited: the repeat's id -> the first ask's id.
    repeat_of: dict[int, int] = field(default_factory=dict)
    repeated: defaultdict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls, uow: UnitOfWork, requests: Iterable[CareRequest] | None = None) -> Records:
        """Load every record; `requests`: all the requests, when the caller has them."""
        records = cls(
            _by_request(uow.offers.list()),
            _by_request(uow.appointments.list()),
            {r.request_id: r for r in uow.referrals.list()},
            _supporting_exceptions(uow.clinical_exceptions.list()),
            delivered_offers(uow),
        )
        records.find_repeats(uow.requests.list() if requests is None else requests)
        return records

    @classmethod
    def of_member(cls, uow: UnitOfWork, member_id: str) -> Records:
        """One member's records: enough to tell their repeated asks apart, as the report
        does, without loading the region (the request page, the work queue)."""
        requests = list(uow.requests.where(member_id=member_id))
        offers = [o for r in requests for o in uow.offers.where(request_id=r.id)]
        notes = [e for r in requests for e in uow.clinical_exceptions.where(request_id=r.id)]
        records = cls(
            _by_request(offers),
            _by_request(a for r in requests for a in uow.appointments.where(request_id=r.id)),
            {x.request_id: x for r in requests for x in uow.referrals.where(request_id=r.id)},
            _supporting_exceptions(notes),
            delivered_among(uow, offers),
        )
        records.find_repeats(requests)
        return records

    def find_repeats(self, requests: Iterable[CareRequest]) -> None:
        """Tell which requests repeat a waiting one (`compliance.repeats`)."""
        self.repeat_of = repeats(requests, self.settled_at())
        self.repeated = defaultdict(list)
        for repeat, first in sorted(self.repeat_of.items()):
            self.repeated[first].append(repeat)

    def settled_at(self) -> dict[int, datetime]:
        """When each request stopped waiting on record (`settled_at`)."""
        return settled_at(self.appointments, self.referrals)

    def evidence(self, request: CareRequest) -> RequestEvidence:
        """The request's evidence; a first ask's includes what was recorded on its repeats."""
        if request.id in self.repeat_of:
            return self._own(request, self.repeat_of[request.id])
        ids = [request.id, *self.repeated.get(request.id, [])]
        referrals = [self.referrals[i] for i in ids if i in self.referrals]
        return RequestEvidence(
            request,
            [o for i in ids for o in self.offers.get(i, [])],
            [a for i in ids for a in self.appointments.get(i, [])],
            referrals[0] if referrals else None,
            supporting_exception(e for i in ids if (e := self.exceptions.get(i))),
            self.delivered,
        )

    def _own(self, request: CareRequest, repeat_of: int | None = None) -> RequestEvidence:
        return RequestEvidence(
            request,
            self.offers.get(request.id, []),
            self.appointments.get(request.id, []),
            self.referrals.get(request.id),
            self.exceptions.get(request.id),
            self.delivered,
            repeat_of,
        )


def settled_at(
    appointments: Mapping[int, Iterable[Appointment]], referrals: Mapping[int, Referral]
) -> dict[int, datetime]:
    """When each request stopped waiting on record: its first booking or referral (a
    withdrawal is on the request itself, which `compliance.repeats` reads)."""
    found: dict[int, datetime] = {}
    for request_id, visits in appointments.items():
        booked = [v.booked_at for v in visits]
        if booked:
            found[request_id] = min(booked)
    for request_id, referral in referrals.items():
        found[request_id] = min(found.get(request_id, referral.created_at), referral.created_at)
    return found


def _supporting_exceptions(notes: Iterable[ClinicalException]) -> dict[int, ClinicalException]:
    found = _by_request(notes)
    return {key: e for key, notes in found.items() if (e := supporting_exception(notes))}


def supporting_exception(found: Iterable[ClinicalException]) -> ClinicalException | None:
    """A request's clinical exception as evidence: the latest in-time one when there is one,
    else the last documented, so a late second note never hides an in-time first one."""
    return max(found, key=lambda e: (not e.late, e.recorded_at, e.id), default=None)


OFFER_KEY = "offer:"


def delivered_among(uow: UnitOfWork, offers: Iterable[Offer]) -> frozenset[int]:
    """Which of one request's offers the outbox delivered (a look-up by each offer's key)."""
    return frozenset(
        o.id
        for o in offers
        if any(
            m.status is MessageStatus.SENT and m.kind is MessageKind.OFFER
            for m in uow.messages.where(key=f"{OFFER_KEY}{o.id}")
        )
    )


def delivered_offers(uow: UnitOfWork) -> frozenset[int]:
    """The offers whose message the outbox delivered (its key names the offer)."""
    return frozenset(
        int(m.key.removeprefix(OFFER_KEY))
        for m in uow.messages.where(status=MessageStatus.SENT)
        if m.kind is MessageKind.OFFER and m.key.removeprefix(OFFER_KEY).isdigit()
    )


def evidence_rows(
    uow: UnitOfWork, policy: Policy, window: Period, now: datetime
) -> list[EvidenceRow]:
    """One row per care request made in the window, classified as of `now`."""
    start, end = window.instants(policy)
    with uow:
        every = uow.requests.list()
        records = Records.load(uow, every)
        requests = [r for r in every if start <= r.requested_at < end]
        return [
            evidence_row(records.evidence(r), policy, now)
            for r in sorted(requests, key=lambda r: r.id)
        ]


def as_recorded(evidence: RequestEvidence, policy: Policy) -> RequestEvidence:
    """The evidence under the standard its record supports (`slot_search.on_record`, the
    rule the booking engine books by too): a prior authorisation nobody is on record as
    having determined (who, in which role, when) does not allow the longer urgent wait
    (docs/adr/0013, 2026-12-07 evening)."""
    request = on_record(evidence.request, policy)
    return evidence if request is evidence.request else replace(evidence, request=request)


def evidence_row(evidence: RequestEvidence, policy: Policy, now: datetime) -> EvidenceRow:
    """How one request counts, as of `now`: the row every figure is built from."""
    evidence = as_recorded(evidence, policy)
    request = evidence.request
    tz, rules = policy.rules.timezone, policy.rules
    outcome = classify(evidence, now, rules.reoffer_by)
    offer = first_offer(counted_offers(evidence, now))
    wait_bd = wait_hours = None
    if offer is not None:
        wait_bd = _business_days(policy, request.clock_start, offer.slot_start)
        wait_hours = round((offer.slot_start - request.clock_start).total_seconds() / 3600, 2)
    requested_day = local_date(request.requested_at, tz)
    referral = evidence.referral
    outside = referral.appointment_at if referral is not None else None
    row = EvidenceRow(
        request.id,
        request.member_id,
        request.standard,
        request.clinic_id,
        request.provider_class.value,
        request.requested_at,
        request.clock_start,
        allowed_deadline(evidence),
        outcome,
        week_start_of(requested_day),
        requested_day.strftime("%Y-%m"),
        offer.offered_at if offer else None,
        offer.slot_start if offer else None,
        offer.slot_id if offer else None,
        wait_bd,
        wait_hours,
        cause_of(evidence, outcome, now),
        outcome is Outcome.CLINIC_CANCELLED,
        rules.standard(request.standard).plan_policy,
        request.deadline,
        None if outside is None else _business_days(policy, request.clock_start, outside),
        referral_in_time(evidence),
    )
    if not row.violation:  # the row's own rule: a miss against a legal standard
        return row
    # The most the violation may cost, by the clinic-local day its deadline (the one the
    # record supports) passed (`RuleSet.penalty_on`).
    passed = local_date(allowed_deadline(evidence), tz)
    return replace(row, penalty_usd=rules.penalty_on(passed))


def _business_days(policy: Policy, start: datetime, end: datetime) -> int:
    """Business days from the clock start to a visit, on local dates; never negative."""
    tz, calendar = policy.rules.timezone, policy.rules.calendar
    return max(0, calendar.business_days_between(local_date(start, tz), local_date(end, tz)))


def cause_of(
    evidence: RequestEvidence, outcome: Outcome, now: datetime | None = None
) -> str | None:
    """Why a request is out of standard, in the words the compliance report uses."""
    if outcome is Outcome.CLINIC_CANCELLED:
        return "clinic-cancellation"
    if outcome in REFERRALS and evidence.referral is not None:
        return evidence.referral.cause
    if outcome is Outcome.LATE:
        return "late-offer" if _offered_late(evidence, now) else "no-offer-made"
    return None


def _offered_late(evidence: RequestEvidence, now: datetime | None) -> bool:
    """Whether the plan offered anything late: an offer that counts (on a late request,
    every one is for a late time), or one recorded once its time had begun (offered too late
    to be taken). A timely offer that does not count (unanswered and never delivered, or
    refused only after its time began) offered nothing late: no offer counts as made
    (docs/adr/0013, 2026-12-08)."""
    return bool(counted_offers(evidence, now)) or any(
        o.offered_at > o.slot_start for o in evidence.offers
    )


@dataclass(frozen=True, slots=True)
class ProtectedWeek:
    """One clinician-week of the IPC ledger: guaranteed, kept, and anything booked into it."""

    clinician_id: str
    week_start: date
    guaranteed_minutes: int
    kept_minutes: int
    booked_into_minutes: int

    @property
    def shortfall_minutes(self) -> int:
        return max(0, self.guaranteed_minutes - (self.kept_minutes - self.booked_into_minutes))


def protected_time_rows(uow: UnitOfWork, policy: Policy, window: Period) -> list[ProtectedWeek]:
    """The IPC ledger for weeks starting in the window, checked against the bookings."""
    with uow:
        weeks = uow.ipc_ledger.weeks(window.start, window.end)
        wanted = {(w.clinician_id, w.week_start) for w in weeks}
        booked = _booked_into_protected(uow, policy, uow.appointments.list(), wanted)
        return sorted(
            (
                ProtectedWeek(
                    w.clinician_id,
                    w.week_start,
                    w.guaranteed_minutes,
                    w.kept_minutes,
                    booked.get((w.clinician_id, w.week_start), 0),
                )
                for w in weeks
            ),
            key=lambda p: (p.week_start, p.clinician_id),
        )


def _booked_into_protected(
    uow: UnitOfWork,
    policy: Policy,
    appointments: Iterable[Appointment],
    weeks: set[tuple[str, date]],
) -> dict[tuple[str, date], int]:
    """Minutes of protected time the live bookings overlap in each of `weeks` (clinician,
    local week). Each clinician's blocks are read once, over the span of their bookings in
    those weeks, not once a booking."""
    tz = policy.rules.timezone
    theirs: defaultdict[str, list[tuple[Appointment, date]]] = defaultdict(list)
    for appointment in appointments:
        if appointment.cancelled_by is not None:
            continue
        week = week_start_of(local_date(appointment.start, tz))
        if (appointment.clinician_id, week) in weeks:
            theirs[appointment.clinician_id].append((appointment, week))
    consumed: defaultdict[tuple[str, date], int] = defaultdict(int)
    for clinician_id, booked in theirs.items():
        first = min(a.start for a, _ in booked)
        last = max(a.end for a, _ in booked)
        blocks = uow.protected.overlapping(clinician_id, first, last)
        for appointment, week in booked:
            for block in blocks:
                if block.start < appointment.end and appointment.start < block.end:
                    consumed[(clinician_id, week)] += overlap_minutes(
                        (appointment.start, appointment.end), (block.start, block.end)
                    )
    return dict(consumed)
