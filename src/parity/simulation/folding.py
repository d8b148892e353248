"""A long run's finished requests, folded into its figures and then forgotten (ADR 0014).

The in-memory store would otherwise keep every request, offer and appointment of a year
(~1.3 KB a decision: 3.5 GB for the full region). Once a request can change no more, what
the end-of-run readers take from it (the summary, the monthly figures) is counted here, by
the local day it was made or its visit took place, and its records are dropped; those
readers add these counts to what the store still holds.

A request can change no more when it is not open, no offer of it awaits an answer, and its
visits took place (or were cancelled) a week ago. Its outcome is taken as of a week
before now: a request whose outcome is decided at an instant keeps it at every later
instant (only "pending" turns into something else), and every reader classifies as of the
run's end or a week before it at the earliest (a scenario's last month ends in the run's
last week). Referrals and clinical exceptions are few and stay in the store.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from parity.adapters.memory import MemoryUnitOfWork
from parity.domain.calendar import local_date
from parity.domain.care import (
    AppointmentStatus,
    CareRequest,
    OfferResponse,
    RequestStatus,
)
from parity.domain.compliance import (
    COMPLIANT,
    REFERRALS,
    UNDECIDED,
    VIOLATIONS,
    Outcome,
    RequestEvidence,
    classify,
    first_offer,
)
from parity.domain.ports import UnitOfWork
from parity.domain.standards import RuleSet

# Visits that ended this long ago have no event left in the queue (a visit's events fall
# before it starts) and no reader but the figures.
FINISHED_FOR = timedelta(weeks=1)
# Outcomes are taken this long before now (a scenario's last month may end up to a week
# before the run does).
CLASSIFIED_BEFORE = timedelta(days=8)


@dataclass
class RequestCounts:
    """The requests of one group of standards made on one local day."""

    requests: int = 0
    decided: int = 0
    compliant: int = 0
    referred: int = 0
    violations: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    # The first request (lowest id) with each outcome: the summary lists outcomes in the
    # order the requests first showed them.
    first_ids: dict[str, int] = field(default_factory=dict)
    waits_business_days: Counter[int] = field(default_factory=Counter)
    # And the first with each wait (the monthly figures list waits in that order).
    first_ids_by_wait: dict[int, int] = field(default_factory=dict)


@dataclass
class VisitCounts:
    """The visits of one local day: attended ones by clinician, and no-shows."""

    fulfilled: Counter[str] = field(default_factory=Counter)
    no_shows: int = 0


@dataclass
class Folded:
    """What the forgotten records contribute to the end-of-run figures."""

    requests: dict[date, dict[str, RequestCounts]] = field(default_factory=dict)
    visits: dict[date, VisitCounts] = field(default_factory=dict)
    # Visits (not cancelled) that overlapped protected time, whatever their day.
    in_protected: int = 0
    forgotten_requests: int = 0
    # Requests with a visit still to come, by id: when to look at them again.
    look_again: dict[int, datetime] = field(default_factory=dict)

    def day(self, day: date, group: str) -> RequestCounts:
        by_group = self.requests.get(day)
        if by_group is None:
            by_group = self.requests[day] = {}
        counts = by_group.get(group)
        if counts is None:
            counts = by_group[group] = RequestCounts()
        return counts

    def visits_on(self, day: date) -> VisitCounts:
        counts = self.visits.get(day)
        if counts is None:
            counts = self.visits[day] = VisitCounts()
        return counts


def folded_of(uow: UnitOfWork) -> Folded | None:
    """The store's folded figures; None when nothing was forgotten (or not in memory)."""
    found = uow.folded if isinstance(uow, MemoryUnitOfWork) else None
    return found if isinstance(found, Folded) else None


def wait_business_days(evidence: RequestEvidence, rules: RuleSet) -> int | None:
    """Business days from the clock start to the earliest time offered (None: no offer)."""
    offer = first_offer(evidence.offers)
    if offer is None:
        return None
    tz = rules.timezone
    start, offered = local_date(evidence.request.clock_start, tz), local_date(offer.slot_start, tz)
    return rules.calendar.business_days_between(start, offered)


class _Waits:
    """`wait_business_days` for one week's fold: the count for each pair of local dates is
    worked out once (a week's pairs are a few hundred; the full region's requests ~100,000)."""

    def __init__(self, rules: RuleSet) -> None:
        self._tz = rules.timezone
        self._between = rules.calendar.business_days_between
        self._counts: dict[tuple[date, date], int] = {}

    def of(self, evidence: RequestEvidence) -> int | None:
        offers = evidence.offers
        offer = offers[0] if len(offers) == 1 else first_offer(offers)
        if offer is None:
            return None
        tz = self._tz  # `local_date`, inline
        pair = (
            evidence.request.clock_start.astimezone(tz).date(),
            offer.slot_start.astimezone(tz).date(),
        )
        count = self._counts.get(pair)
        if count is None:
            count = self._counts[pair] = self._between(*pair)
        return count


def count_request(
    counts: RequestCounts, request_id: int, outcome: Outcome, wait: int | None
) -> None:
    value = outcome.value
    counts.requests += 1
    counts.outcomes[value] += 1
    first_ids = counts.first_ids
    earlier = first_ids.get(value)
    if earlier is None or request_id < earlier:
        first_ids[value] = request_id
    if outcome in UNDECIDED:
        return
    counts.decided += 1
    counts.compliant += outcome in COMPLIANT
    counts.referred += outcome in REFERRALS
    counts.violations += outcome in VIOLATIONS
    if wait is not None:
        counts.waits_business_days[wait] += 1
        first = counts.first_ids_by_wait
        earlier = first.get(wait)
        if earlier is None or request_id < earlier:
            first[wait] = request_id


def fold_finished(uow: MemoryUnitOfWork, rules: RuleSet, now: datetime) -> list[int]:
    """Fold every finished request into the store's figures and forget its records (a
    pass over the requests made more than a week ago); returns their ids."""
    folded = uow.folded if isinstance(uow.folded, Folded) else Folded()
    uow.folded = folded
    before = now - FINISHED_FOR
    look_again = folded.look_again
    fold = _Fold(uow, folded, rules, now)
    forgotten: list[int] = []
    for request in uow.requests.list():
        if request.requested_at >= before:
            break  # made in order: the rest are newer
        if request.status is RequestStatus.OPEN:
            continue
        later = look_again.get(request.id)
        if later is not None:
            if later > now:
                continue
            del look_again[request.id]
        if fold.if_finished(request):
            forgotten.append(request.id)
    folded.forgotten_requests += len(forgotten)
    return forgotten


class _Fold:
    """One week's pass: what every request it looks at needs, looked up once."""

    def __init__(self, uow: MemoryUnitOfWork, folded: Folded, rules: RuleSet, now: datetime):
        self.uow, self.folded, self.rules = uow, folded, rules
        self.before, self.as_of = now - FINISHED_FOR, now - CLASSIFIED_BEFORE
        self.tz = rules.timezone
        self.waits = _Waits(rules)

    def if_finished(self, request: CareRequest) -> bool:
        uow, folded = self.uow, self.folded
        request_id = request.id
        visits = uow.appointments.filed("request_id", request_id)
        if visits:
            last = visits[0].end if len(visits) == 1 else max(a.end for a in visits)
            if last >= self.before:
                # Its last visit (booked or not) ended too recently or is still to come.
                folded.look_again[request_id] = last + FINISHED_FOR
                return False
            if any(a.status is AppointmentStatus.BOOKED for a in visits):
                return False
        offers = uow.offers.filed("request_id", request_id)
        if any(o.response is OfferResponse.PENDING for o in offers):
            return False
        referrals = uow.referrals.filed("request_id", request_id)
        exceptions = uow.clinical_exceptions.filed("request_id", request_id)
        evidence = RequestEvidence(
            request,
            offers,
            visits,
            referrals[0] if referrals else None,
            exceptions[0] if exceptions else None,
        )
        rules = self.rules
        outcome = classify(evidence, self.as_of, rules.reoffer_by)
        if outcome is Outcome.PENDING:
            return False
        day = request.requested_at.astimezone(self.tz).date()  # `local_date`, inline
        wait = None if outcome in UNDECIDED else self.waits.of(evidence)
        count_request(
            folded.day(day, rules.standards[request.standard].report_group),
            request_id,
            outcome,
            wait,
        )
        if visits:
            _fold_visits(uow, folded, evidence, rules)
        uow.requests.forget((request,))
        if offers:
            uow.offers.forget_filed("request_id", request_id)
        if visits:
            uow.appointments.forget_filed("request_id", request_id)
        return True


def _fold_visits(
    uow: MemoryUnitOfWork, folded: Folded, evidence: RequestEvidence, rules: RuleSet
) -> None:
    for visit in evidence.appointments:
        if visit.status is AppointmentStatus.CANCELLED:
            continue
        if uow.protected.overlapping(visit.clinician_id, visit.start, visit.end):
            folded.in_protected += 1
        counts = folded.visits_on(local_date(visit.start, rules.timezone))
        if visit.status is AppointmentStatus.FULFILLED:
            counts.fulfilled[visit.clinician_id] += 1
        elif visit.status is AppointmentStatus.NOSHOW:
            counts.no_shows += 1
