"""The summary of a simulated run: compliance by standard group, waits, referrals, IPC kept."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from statistics import median, quantiles

from parity.domain.calendar import local_date
from parity.domain.care import AppointmentStatus, CareRequest
from parity.domain.compliance import (
    COMPLIANT,
    UNDECIDED,
    VIOLATIONS,
    Outcome,
    RequestEvidence,
    classify,
    first_offer,
)
from parity.domain.ports import UnitOfWork
from parity.services.policy import Policy
from parity.simulation.engine import SimulationConfig

GROUPS = {
    "urgent": "urgent",
    "urgent-prior-auth": "urgent",
    "initial-therapy": "initial",
    "initial-psychiatry": "initial",
    "follow-up-therapy": "follow-up",
    # Plan-policy follow-up standards (psychiatrists; before SB 221): see the rule file.
    "follow-up-psychiatry": "follow-up",
    "follow-up-therapy-before-sb221": "follow-up",
}


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
    """Classify every request made in the measured window and total the run."""
    with uow:
        return _summarise(uow, policy, config, members)


def _summarise(uow: UnitOfWork, policy: Policy, config: SimulationConfig, members: int) -> Summary:
    start, end = _window(config, policy)
    tz, calendar = policy.rules.timezone, policy.rules.calendar
    groups = {name: GroupSummary(name) for name in ("urgent", "initial", "follow-up")}
    for request in uow.requests.list():
        if not start <= request.requested_at < end:
            continue
        group = groups[GROUPS[request.standard]]
        evidence = _evidence(uow, request)
        outcome = classify(evidence, end, policy.rules.reoffer_by)
        group.requests += 1
        group.outcomes[outcome.value] += 1
        if outcome in UNDECIDED:
            continue
        group.decided += 1
        group.compliant += outcome in COMPLIANT
        group.referred += outcome is Outcome.REFERRED
        group.violations += outcome in VIOLATIONS
        offer = first_offer(evidence.offers)
        if offer is not None:
            group.waits_business_days.append(
                calendar.business_days_between(
                    local_date(request.clock_start, tz), local_date(offer.slot_start, tz)
                )
            )
    return _totals(uow, groups, start, end, members)


def _totals(
    uow: UnitOfWork,
    groups: dict[str, GroupSummary],
    start: datetime,
    end: datetime,
    members: int,
) -> Summary:
    delivered = no_shows = in_protected = 0
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
