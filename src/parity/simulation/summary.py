"""The summary of a simulated run: compliance by standard group, waits, referrals, IPC kept."""

from __future__ import annotations

from collections import defaultdict
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from statistics import median, quantiles

from parity.adapters.memory import MemoryUnitOfWork
from parity.domain.care import AppointmentStatus, CareRequest
from parity.domain.compliance import UNDECIDED, RequestEvidence, classify
from parity.domain.ports import UnitOfWork
from parity.services.policy import Policy
from parity.simulation.engine import SimulationConfig
from parity.simulation.folding import (
    Folded,
    RequestCounts,
    count_request,
    folded_of,
    wait_business_days,
)
from parity.simulation.groups import GROUP_NAMES


@dataclass
class GroupSummary:
    name: str
    requests: int = 0
    decided: int = 0
    compliant: int = 0
    referred: int = 0
    # Late or clinic-cancelled without a prompt timely re-offer (domain/compliance.py).
    violations: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    waits_business_days: list[int] = field(default_factory=list)

    @property
    def share_within_standard(self) -> float | None:
        """Compliant share of decided requests; None when nothing was decided."""
        return self.compliant / self.decided if self.decided else None

    @property
    def mean_wait(self) -> float:
        waits = self.waits_business_days
        return sum(waits) / len(waits) if waits else 0.0

    @property
    def median_wait(self) -> float:
        return float(median(self.waits_business_days)) if self.waits_business_days else 0.0

    @property
    def p90_wait(self) -> float:
        waits = self.waits_business_days
        if len(waits) < 2:
            return float(waits[0]) if waits else 0.0
        return float(quantiles(waits, n=10, method="inclusive")[-1])


@dataclass
class Summary:
    groups: dict[str, GroupSummary]
    referrals: int
    appointments_delivered: int
    no_shows: int
    ipc_guaranteed_hours: float
    ipc_kept_hours: float
    bookings_in_protected_time: int
    clinicians: int
    members: int

    @property
    def ipc_kept_share(self) -> float:
        return self.ipc_kept_hours / self.ipc_guaranteed_hours if self.ipc_guaranteed_hours else 1.0

    def as_dict(self) -> dict[str, object]:
        return {
            "groups": {
                g.name: {
                    "requests": g.requests,
                    "decided": g.decided,
                    "share_within_standard": _rounded(g.share_within_standard),
                    "mean_wait_business_days": round(g.mean_wait, 2),
                    "median_wait_business_days": g.median_wait,
                    "p90_wait_business_days": g.p90_wait,
                    "referred_out_of_network": g.referred,
                    "violations": g.violations,
                    "outcomes": dict(g.outcomes),
                }
                for g in self.groups.values()
            },
            "violations": sum(g.violations for g in self.groups.values()),
            "out_of_network_referrals": self.referrals,
            "appointments_delivered": self.appointments_delivered,
            "no_shows": self.no_shows,
            "ipc_hours_guaranteed": round(self.ipc_guaranteed_hours, 1),
            "ipc_hours_kept": round(self.ipc_kept_hours, 1),
            "ipc_kept_share": round(self.ipc_kept_share, 4),
            "bookings_in_protected_time": self.bookings_in_protected_time,
            "clinicians": self.clinicians,
            "members": self.members,
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _window(config: SimulationConfig, policy: Policy) -> tuple[datetime, datetime]:
    tz = policy.rules.timezone
    start = datetime.combine(config.measure_from, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(config.end, time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def _evidence(uow: UnitOfWork, request: CareRequest) -> RequestEvidence:
    referrals = uow.referrals.where(request_id=request.id)
    exceptions = uow.clinical_exceptions.where(request_id=request.id)
    return RequestEvidence(
        request,
        uow.offers.where(request_id=request.id),
        uow.appointments.where(request_id=request.id),
        referrals[0] if referrals else None,
        exceptions[0] if exceptions else None,
    )


def summarise(uow: UnitOfWork, policy: Policy, config: SimulationConfig, members: int) -> Summary:
    """Classify every request made in the measured window and total the run, with what
    the in-memory store counted before forgetting finished requests (folding.py)."""
    with reading(uow):
        return _summarise(uow, policy, config, members)


def reading(uow: UnitOfWork) -> AbstractContextManager[object]:
    """A read-only transaction; the in-memory store's live records need none (see
    `Simulation._read`), and one would snapshot every record the reader touches."""
    return nullcontext() if isinstance(uow, MemoryUnitOfWork) else uow


def _summarise(uow: UnitOfWork, policy: Policy, config: SimulationConfig, members: int) -> Summary:
    start, end = _window(config, policy)
    names = GROUP_NAMES
    # The records still in the store are counted the way the store counted the ones it
    # forgot (folding.count_request); both are then added to the groups alike.
    live = {name: RequestCounts() for name in names}
    for request in uow.requests.list():
        if not start <= request.requested_at < end:
            continue
        evidence = _evidence(uow, request)
        outcome = classify(evidence, end, policy.rules.reoffer_by)
        wait = None if outcome in UNDECIDED else wait_business_days(evidence, policy.rules)
        count_request(
            live[policy.rules.standards[request.standard].report_group], request.id, outcome, wait
        )
    folded = folded_of(uow)
    counted = [live, *_folded_days(folded, config)]
    groups = {name: GroupSummary(name) for name in names}
    # The first request with each outcome, by group: outcomes are listed in that order.
    first_ids: dict[str, dict[str, int]] = {name: {} for name in names}
    for by_group in counted:
        for name, counts in by_group.items():
            _add(groups[name], first_ids[name], counts)
    for name, group in groups.items():
        order = first_ids[name]
        group.outcomes = defaultdict(int, sorted(group.outcomes.items(), key=lambda o: order[o[0]]))
    visits = (0, 0, 0) if folded is None else _folded_visits(folded, config)
    return _totals(uow, groups, (start, end), members, visits)


def _folded_days(folded: Folded | None, config: SimulationConfig) -> list[dict[str, RequestCounts]]:
    """The counts of forgotten requests made in the window's local days, by group."""
    if folded is None:
        return []
    window = config.measure_from, config.end
    return [by_group for day, by_group in folded.requests.items() if window[0] <= day < window[1]]


def _add(group: GroupSummary, first_ids: dict[str, int], counts: RequestCounts) -> None:
    """Add one set of counted requests to their group."""
    group.requests += counts.requests
    group.decided += counts.decided
    group.compliant += counts.compliant
    group.referred += counts.referred
    group.violations += counts.violations
    for value, times in counts.outcomes.items():
        group.outcomes[value] += times
        seen = first_ids.get(value, counts.first_ids[value])
        first_ids[value] = min(seen, counts.first_ids[value])
    group.waits_business_days.extend(counts.waits_business_days.elements())


def _folded_visits(folded: Folded, config: SimulationConfig) -> tuple[int, int, int]:
    """Forgotten visits: attended and missed in the window's local days, and (whatever
    their day) those in protected time."""
    delivered = no_shows = 0
    for day, visits in folded.visits.items():
        if config.measure_from <= day < config.end:
            delivered += visits.fulfilled.total()
            no_shows += visits.no_shows
    return delivered, no_shows, folded.in_protected


def _totals(
    uow: UnitOfWork,
    groups: dict[str, GroupSummary],
    window: tuple[datetime, datetime],
    members: int,
    forgotten: tuple[int, int, int],
) -> Summary:
    start, end = window
    delivered, no_shows, in_protected = forgotten
    for appointment in uow.appointments.list():
        if appointment.status is AppointmentStatus.CANCELLED:
            continue
        if uow.protected.overlapping(appointment.clinician_id, appointment.start, appointment.end):
            in_protected += 1
        if start <= appointment.start < end:
            delivered += appointment.status is AppointmentStatus.FULFILLED
            no_shows += appointment.status is AppointmentStatus.NOSHOW
    weeks = uow.ipc_ledger.weeks(start.date(), end.date())
    referrals = sum(1 for r in uow.referrals.list() if start <= r.created_at < end)
    return Summary(
        groups=groups,
        referrals=referrals,
        appointments_delivered=delivered,
        no_shows=no_shows,
        ipc_guaranteed_hours=sum(w.guaranteed_minutes for w in weeks) / 60,
        # Kept = protected time on the calendar minus any of it a booking consumed (none may).
        ipc_kept_hours=sum(min(w.kept_minutes, w.guaranteed_minutes) for w in weeks) / 60,
        bookings_in_protected_time=in_protected,
        clinicians=len(uow.clinicians.list()),
        members=members,
    )
