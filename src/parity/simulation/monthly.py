"""Per-month outputs of a scenario run: staffing, capacity, access, referrals and costs.

Counts and wait histograms are kept raw (not as shares or percentiles), so months and
replications pool exactly; the metrics a report shows are functions of them (`METRICS`).
Requests count in the month they were made, visits in the month they took place.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from parity.domain.calendar import local_date
from parity.domain.care import (
    Appointment,
    AppointmentStatus,
    CareRequest,
    ClinicalException,
    Offer,
    Referral,
)
from parity.domain.compliance import (
    UNDECIDED,
    RequestEvidence,
    classify,
)
from parity.domain.ports import UnitOfWork
from parity.domain.standards import RuleSet
from parity.simulation.folding import (
    RequestCounts,
    count_request,
    folded_of,
    wait_business_days,
)
from parity.simulation.groups import GROUP_NAMES
from parity.simulation.summary import reading


@dataclass
class Access:
    """One group of standards in one month: decided, compliant, waits to the first offer."""

    decided: int = 0
    compliant: int = 0
    violations: int = 0
    waits: Counter[int] = field(default_factory=Counter)

    def add(self, other: Access) -> None:
        self.decided += other.decided
        self.compliant += other.compliant
        self.violations += other.violations
        self.waits.update(other.waits)


@dataclass
class Month:
    month: str
    headcount: int = 0
    fte: float = 0.0
    departures: int = 0
    hires: int = 0
    open_vacancies: int = 0
    capacity_hours: float = 0.0
    payroll_usd: float = 0.0
    appointments_delivered: int = 0
    external_sessions: int = 0
    referrals: int = 0
    referred_sessions: int = 0
    access: dict[str, Access] = field(default_factory=lambda: {g: Access() for g in GROUP_NAMES})


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: date, count: int) -> list[date]:
    """The first day of `count` calendar months, starting with `first`'s month."""
    year, month = first.year, first.month
    days: list[date] = []
    for _ in range(count):
        days.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def percentile(histogram: Counter[int], share: float) -> float | None:
    """The smallest value with at least `share` of the observations at or below it."""
    total = sum(histogram.values())
    if not total:
        return None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= share * total:
            return float(value)
    return float(max(histogram))


def record_access(uow: UnitOfWork, months: dict[str, Month], rules: RuleSet, end: datetime) -> None:
    """Classify every request made in the months and total them by group, by the one
    definition of a violation (domain/compliance.py), with the rule file's promptness for
    a re-offer after a clinic cancellation; with the requests the in-memory store counted
    before forgetting them (folding.py), which are counted the same way."""
    live: defaultdict[str, dict[str, RequestCounts]] = defaultdict(
        lambda: {name: RequestCounts() for name in GROUP_NAMES}
    )
    with reading(uow):
        evidence = _evidence_by_request(uow)
        for request in uow.requests.list():
            key = month_key(local_date(request.requested_at, rules.timezone))
            if key in months:
                counts = live[key][rules.standards[request.standard].report_group]
                _count(counts, request.id, evidence(request), rules, end)
    counted = list(live.items())
    folded = folded_of(uow)
    if folded is not None:
        counted += [(month_key(day), by_group) for day, by_group in folded.requests.items()]
    # By month and group, each wait's first request: waits are listed in that order.
    first: defaultdict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for key, by_group in counted:
        month = months.get(key)
        if month is None:
            continue
        for group, counts in by_group.items():
            access = Access(counts.decided, counts.compliant, counts.violations)
            access.waits.update(counts.waits_business_days)
            month.access[group].add(access)
            order = first[key, group]
            for wait, request_id in counts.first_ids_by_wait.items():
                order[wait] = min(order.get(wait, request_id), request_id)
    if folded is not None:
        for (key, group), order in first.items():
            access = months[key].access[group]
            access.waits = Counter(dict(sorted(access.waits.items(), key=lambda w: order[w[0]])))


def _evidence_by_request(uow: UnitOfWork) -> Callable[[CareRequest], RequestEvidence]:
    """The evidence of every request from one pass over each record kind (a look-up per
    request and kind costs several times more on a long run)."""
    offers: defaultdict[int, list[Offer]] = defaultdict(list)
    visits: defaultdict[int, list[Appointment]] = defaultdict(list)
    for offer in uow.offers.list():
        offers[offer.request_id].append(offer)
    for appointment in uow.appointments.list():
        visits[appointment.request_id].append(appointment)
    referrals: dict[int, Referral] = {}
    for referral in uow.referrals.list():
        referrals.setdefault(referral.request_id, referral)
    exceptions: dict[int, ClinicalException] = {}
    for exception in uow.clinical_exceptions.list():
        exceptions.setdefault(exception.request_id, exception)
    return lambda r: RequestEvidence(
        r, offers[r.id], visits[r.id], referrals.get(r.id), exceptions.get(r.id)
    )


def _count(
    counts: RequestCounts, request_id: int, evidence: RequestEvidence, rules: RuleSet, end: datetime
) -> None:
    """Count one request as of `end`, and its wait when it is decided."""
    outcome = classify(evidence, end, rules.reoffer_by)
    wait = None if outcome in UNDECIDED else wait_business_days(evidence, rules)
    count_request(counts, request_id, outcome, wait)


def record_visits_and_referrals(
    uow: UnitOfWork,
    months: dict[str, Month],
    tz: ZoneInfo,
    is_external: Callable[[str], bool],
    referred_sessions: dict[int, int],
) -> None:
    with reading(uow):
        for appointment in uow.appointments.list():
            if appointment.status is not AppointmentStatus.FULFILLED:
                continue
            month = months.get(month_key(local_date(appointment.start, tz)))
            if month is not None:
                month.appointments_delivered += 1
                month.external_sessions += is_external(appointment.clinician_id)
        for referral in uow.referrals.list():
            month = months.get(month_key(local_date(referral.created_at, tz)))
            if month is not None:
                month.referrals += 1
                month.referred_sessions += referred_sessions.get(referral.request_id, 1)
        folded = folded_of(uow)
        for day, visits in folded.visits.items() if folded is not None else ():
            month = months.get(month_key(day))
            if month is not None:
                month.appointments_delivered += visits.fulfilled.total()
                month.external_sessions += sum(
                    times for clinician, times in visits.fulfilled.items() if is_external(clinician)
                )


@dataclass(frozen=True)
class Prices:
    """What turns counts into dollars: per session out of network or external, per violation."""

    oon_per_session_usd: float
    external_per_session_usd: float
    penalty_per_violation_usd: float


def _share(month: Month, group: str) -> float | None:
    access = month.access[group]
    return access.compliant / access.decided if access.decided else None


def metrics(prices: Prices) -> dict[str, Callable[[Month], float | None]]:
    """The per-month figures a report shows, by name."""
    return {
        "headcount": lambda m: m.headcount,
        "fte": lambda m: m.fte,
        "departures": lambda m: m.departures,
        "hires": lambda m: m.hires,
        "capacity_hours": lambda m: m.capacity_hours,
        "appointments_delivered": lambda m: m.appointments_delivered,
        "initial_within_standard": lambda m: _share(m, "initial"),
        "follow_up_within_standard": lambda m: _share(m, "follow-up"),
        "urgent_within_standard": lambda m: _share(m, "urgent"),
        "initial_median_wait_bd": lambda m: percentile(m.access["initial"].waits, 0.5),
        "initial_p90_wait_bd": lambda m: percentile(m.access["initial"].waits, 0.9),
        "follow_up_median_wait_bd": lambda m: percentile(m.access["follow-up"].waits, 0.5),
        "follow_up_p90_wait_bd": lambda m: percentile(m.access["follow-up"].waits, 0.9),
        "oon_referrals": lambda m: m.referrals,
        "oon_cost_usd": lambda m: m.referred_sessions * prices.oon_per_session_usd,
        "strike_cover_cost_usd": lambda m: m.external_sessions * prices.external_per_session_usd,
        "violations": lambda m: sum(a.violations for a in m.access.values()),
        "penalty_exposure_usd": lambda m: (
            sum(a.violations for a in m.access.values()) * prices.penalty_per_violation_usd
        ),
        "payroll_usd": lambda m: m.payroll_usd,
    }


def pooled(months: Iterable[Month]) -> Month:
    """All months as one: counts and money summed, staffing as at the last month."""
    total = Month("all")
    for month in months:
        for name in ("departures", "hires", "appointments_delivered", "external_sessions"):
            setattr(total, name, getattr(total, name) + getattr(month, name))
        total.capacity_hours += month.capacity_hours
        total.payroll_usd += month.payroll_usd
        total.referrals += month.referrals
        total.referred_sessions += month.referred_sessions
        for group, access in month.access.items():
            total.access[group].add(access)
        total.headcount, total.fte, total.open_vacancies = (
            month.headcount,
            month.fte,
            month.open_vacancies,
        )
    return total
