"""Compliance metrics as the regulator reads them, computed from per-request evidence rows.

28 CCR §1300.67.2.2(d): a network must reach the compliance thresholds (70 % from
measurement year 2023) for urgent and non-urgent appointments separately; reports carry
mean and median waits. Violations carry their causes and the penalty exposure (SB 858).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import fmean, median

from parity.domain.compliance import COMPLIANT, REFERRALS, UNDECIDED, VIOLATIONS, Outcome

URGENT_STANDARDS = frozenset({"urgent", "urgent-prior-auth"})


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One care request, as the law measures it."""

    request_id: int
    member_id: str
    standard: str
    clinic_id: str
    provider_class: str
    requested_at: datetime
    clock_start: datetime
    deadline: datetime
    outcome: Outcome
    week: date
    month: str
    first_offer_at: datetime | None = None
    first_offer_slot_start: datetime | None = None
    first_offer_slot_id: int | None = None
    wait_business_days: int | None = None
    wait_hours: float | None = None
    cause: str | None = None
    clinic_cancelled_unrescheduled: bool = False
    # A plan's own figure (psychiatrist follow-ups, before SB 221): a miss is reported as a
    # plan-policy miss, never as a violation of the law.
    plan_policy: bool = False
    legal_deadline: datetime | None = None
    # For a referral: the wait to the outside appointment, and whether it met the standard.
    referred_wait_business_days: int | None = None
    referral_in_time: bool | None = None
    # The most this request's violation may cost, by the day its deadline passed (SB 858's
    # maximum from 2023-01-01, the earlier one before it); 0 when it is no violation.
    penalty_usd: int = 0

    @property
    def urgent(self) -> bool:
        return self.standard in URGENT_STANDARDS

    @property
    def decided(self) -> bool:
        return self.outcome not in UNDECIDED

    @property
    def compliant(self) -> bool:
        return self.outcome in COMPLIANT

    @property
    def missed(self) -> bool:
        """Out of standard: a late request or a clinic cancellation not re-offered promptly."""
        return self.outcome in VIOLATIONS

    @property
    def violation(self) -> bool:
        """A violation of the law: a miss against a legal (not a plan-policy) standard."""
        return self.missed and not self.plan_policy


@dataclass
class Metric:
    """Figures for one group of requests (a standard, clinic, provider class, period...)."""

    key: tuple[str, ...]
    requests: int = 0
    decided: int = 0
    compliant: int = 0
    violations: int = 0
    penalty_usd: int = 0  # the violations' penalties, each by its own day
    plan_policy_misses: int = 0
    referrals: int = 0
    referrals_in_time: int = 0
    referrals_late: int = 0
    clinic_cancelled_unrescheduled: int = 0
    waits_business_days: list[int] = field(default_factory=list)
    waits_hours: list[float] = field(default_factory=list)
    referred_waits_business_days: list[int] = field(default_factory=list)
    causes: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def share_within_standard(self) -> float | None:
        return self.compliant / self.decided if self.decided else None

    def add(self, row: EvidenceRow) -> None:
        self.requests += 1
        self.outcomes[row.outcome.value] += 1
        if not row.decided:
            return
        self.decided += 1
        self.compliant += row.compliant
        self.clinic_cancelled_unrescheduled += row.clinic_cancelled_unrescheduled
        if row.violation:
            self.violations += 1
            self.penalty_usd += row.penalty_usd
            self.causes[row.cause or "unknown"] += 1
        self.plan_policy_misses += row.missed and row.plan_policy
        if row.outcome in REFERRALS:
            self._add_referral(row)
            return  # a referral's wait is the outside appointment's, counted apart
        if row.wait_business_days is not None:
            self.waits_business_days.append(row.wait_business_days)
        if row.wait_hours is not None:
            self.waits_hours.append(row.wait_hours)

    def _add_referral(self, row: EvidenceRow) -> None:
        self.referrals += 1
        self.referrals_in_time += row.referral_in_time is True
        self.referrals_late += row.referral_in_time is False
        if row.referred_wait_business_days is not None:
            self.referred_waits_business_days.append(row.referred_wait_business_days)

    def summary(self) -> dict[str, object]:
        bd, hours = self.waits_business_days, self.waits_hours
        return {
            "key": list(self.key),
            "requests": self.requests,
            "decided": self.decided,
            "within_standard": self.compliant,
            "share_within_standard": _round(self.share_within_standard),
            "mean_wait_business_days": _round(fmean(bd) if bd else None, 2),
            "median_wait_business_days": median(bd) if bd else None,
            "mean_wait_hours": _round(fmean(hours) if hours else None, 1),
            "median_wait_hours": _round(median(hours) if hours else None, 1),
            "violations": self.violations,
            "plan_policy_misses": self.plan_policy_misses,
            "violation_causes": dict(self.causes),
            "out_of_network_referrals": self.referrals,
            "referrals_arranged_in_time": self.referrals_in_time,
            "referrals_arranged_late": self.referrals_late,
            "referrals_appointment_unknown": (
                self.referrals - self.referrals_in_time - self.referrals_late
            ),
            "mean_wait_referred_business_days": _round(
                fmean(self.referred_waits_business_days)
                if self.referred_waits_business_days
                else None,
                2,
            ),
            "clinic_cancellations_not_rescheduled_promptly": self.clinic_cancelled_unrescheduled,
            "penalty_exposure_usd": self.penalty_usd,
            "outcomes": dict(self.outcomes),
        }


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


Dimension = Callable[[EvidenceRow], str]

DIMENSIONS: dict[str, Dimension] = {
    "standard": lambda r: r.standard,
    "class": lambda r: "urgent" if r.urgent else "non-urgent",
    "clinic": lambda r: r.clinic_id,
    "provider_class": lambda r: r.provider_class,
    "week": lambda r: r.week.isoformat(),
    "month": lambda r: r.month,
}


def group(rows: Iterable[EvidenceRow], *dimensions: str) -> dict[tuple[str, ...], Metric]:
    """Aggregate rows by the named dimensions (see DIMENSIONS), keys sorted."""
    pickers = [DIMENSIONS[d] for d in dimensions]
    metrics: defaultdict[tuple[str, ...], Metric] = defaultdict(lambda: Metric(()))
    for row in rows:
        key = tuple(pick(row) for pick in pickers)
        metric = metrics[key]
        metric.key = key
        metric.add(row)
    return dict(sorted(metrics.items()))


@dataclass(frozen=True, slots=True)
class ThresholdCheck:
    """The network-monitoring test: share within standard against the threshold."""

    name: str
    share: float | None
    threshold: float
    decided: int
    in_force: bool = True  # False: a window before the thresholds' first measurement year

    @property
    def passed(self) -> bool | None:
        if self.share is None or not self.in_force:
            return None
        return self.share >= self.threshold


def threshold_checks(
    rows: Iterable[EvidenceRow], urgent: float, non_urgent: float, in_force: bool = True
) -> list[ThresholdCheck]:
    """Urgent and non-urgent compliance with the law's standards against their thresholds,
    separately. A request under a plan-policy figure is no rate of compliance with the law
    (28 CCR §1300.67.2.2(b)(12), (d)): it is reported under its own standard, not here."""
    by_class = group((r for r in rows if not r.plan_policy), "class")
    checks = []
    for name, threshold in (("urgent", urgent), ("non-urgent", non_urgent)):
        metric = by_class.get((name,), Metric((name,)))
        share, decided = metric.share_within_standard, metric.decided
        checks.append(ThresholdCheck(name, share, threshold, decided, in_force))
    return checks
