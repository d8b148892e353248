"""Assemble the compliance report: the figures the law measures, for a window of dates."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from parity.domain.compliance import REFERRALS
from parity.domain.metrics import EvidenceRow, ThresholdCheck, group, threshold_checks
from parity.domain.ports import UnitOfWork
from parity.domain.survey import SurveyRate
from parity.services.corrective import PlanLine, corrective_plan
from parity.services.policy import Policy
from parity.services.reporting import Period, ProtectedWeek, evidence_rows, protected_time_rows
from parity.services.survey import survey

# The breakdowns every report carries, as (name, dimensions).
BREAKDOWNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("by_class", ("class",)),
    ("by_standard", ("standard",)),
    ("by_clinic_class", ("clinic", "class")),
    ("by_week_class", ("week", "class")),
    ("by_month_standard_clinic_provider", ("month", "standard", "clinic", "provider_class")),
)


@dataclass
class ComplianceReport:
    window: Period
    generated_at: datetime
    jurisdiction: str
    contract: str
    penalty_per_violation_usd: int
    checks: list[ThresholdCheck]
    breakdowns: dict[str, list[dict[str, Any]]]
    rows: list[EvidenceRow]
    protected: list[ProtectedWeek]
    plan: list[PlanLine] = field(default_factory=list)
    survey: list[SurveyRate] = field(default_factory=list)
    calendar: str = ""
    calendar_citation: str = ""

    @property
    def violations(self) -> int:
        return sum(r.violation for r in self.rows)

    @property
    def penalty_exposure_usd(self) -> int:
        """Each violation at the most it may cost on the day its deadline passed (SB 858)."""
        return sum(r.penalty_usd for r in self.rows if r.violation)

    @property
    def causes(self) -> Counter[str]:
        return Counter(r.cause or "unknown" for r in self.rows if r.violation)

    @property
    def ipc_guaranteed_minutes(self) -> int:
        return sum(p.guaranteed_minutes for p in self.protected)

    @property
    def ipc_kept_minutes(self) -> int:
        return sum(
            min(p.guaranteed_minutes, p.kept_minutes - p.booked_into_minutes)
            for p in self.protected
        )

    def headline(self) -> dict[str, Any]:
        return {
            "from": self.window.start.isoformat(),
            "to": self.window.end.isoformat(),
            "requests": len(self.rows),
            "calendar": self.calendar,
            "calendar_citation": self.calendar_citation,
            # The regulator's rate: providers' next available appointment on survey dates,
            # per network and measurement year; judged against the 70 % thresholds.
            "survey_rate": [rate.as_dict() for rate in self.survey],
            # The plan's own rate: the share of requests offered an appointment in time.
            "thresholds": [
                {
                    "class": c.name,
                    "share_within_standard": None if c.share is None else round(c.share, 4),
                    "threshold": c.threshold,
                    "threshold_in_force": c.in_force,
                    "decided": c.decided,
                    "passed": c.passed,
                }
                for c in self.checks
            ],
            "violations": self.violations,
            "plan_policy_misses": sum(r.missed and r.plan_policy for r in self.rows),
            "violation_causes": dict(self.causes),
            "out_of_network_referrals": sum(r.outcome in REFERRALS for r in self.rows),
            "referrals_arranged_in_time": sum(r.referral_in_time is True for r in self.rows),
            "referrals_arranged_late": sum(r.referral_in_time is False for r in self.rows),
            "penalty_exposure_usd": self.penalty_exposure_usd,
            "ipc_hours_guaranteed": round(self.ipc_guaranteed_minutes / 60, 1),
            "ipc_hours_kept": round(self.ipc_kept_minutes / 60, 1),
            "ipc_shortfall_findings": sum(p.shortfall_minutes > 0 for p in self.protected),
        }


def build_report(
    uow: UnitOfWork, policy: Policy, window: Period, now: datetime
) -> ComplianceReport:
    """Classify every request in the window as of `now` and compute every breakdown."""
    rows = evidence_rows(uow, policy, window, now)
    rules = policy.rules
    penalty = rules.penalty_per_violation_usd
    # The urgent / non-urgent classes are the law's (28 CCR §1300.67.2.2(d)): a request
    # under a plan-policy figure is in the per-standard breakdowns only (ADR 0013, 2026-12-07).
    legal = [r for r in rows if not r.plan_policy]
    breakdowns = {
        name: [
            metric.summary() | {"dimensions": list(dims)}
            for metric in group(legal if "class" in dims else rows, *dims).values()
        ]
        for name, dims in BREAKDOWNS
    }
    survey_rates = survey(uow, policy, window)
    return ComplianceReport(
        window=window,
        generated_at=now,
        jurisdiction=rules.jurisdiction,
        contract=policy.contract.name,
        penalty_per_violation_usd=penalty,
        # Judged only where the whole window is in a measurement year the thresholds apply to.
        checks=threshold_checks(
            rows,
            rules.urgent_threshold,
            rules.non_urgent_threshold,
            rules.thresholds_in_force(window.start.year),
        ),
        breakdowns=breakdowns,
        rows=rows,
        protected=protected_time_rows(uow, policy, window),
        plan=corrective_plan(survey_rates, uow, now.astimezone(rules.timezone).date()),
        survey=survey_rates,
        calendar=rules.calendar.name,
        calendar_citation=rules.citations.get("calendar", ""),
    )
