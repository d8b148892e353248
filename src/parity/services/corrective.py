"""Use cases for the corrective-action plan: detect findings, add and move actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from parity.domain.corrective import Action, ActionStatus, Finding, FindingStatus, breaches
from parity.domain.metrics import EvidenceRow, group
from parity.domain.ports import Clock, UnitOfWork
from parity.services.policy import Policy

# Fewer decided requests than this in a clinic-month is too few to call a breach.
MINIMUM_DECIDED = 10


def detect_findings(
    rows: list[EvidenceRow], uow: UnitOfWork, policy: Policy, clock: Clock
) -> list[Finding]:
    """Open a finding for every clinic × class × month below threshold not already on file."""
    shares = {
        (clinic, cls, month): (metric.share_within_standard, metric.decided)
        for (clinic, cls, month), metric in group(rows, "clinic", "class", "month").items()
    }
    thresholds = {
        "urgent": policy.rules.urgent_threshold,
        "non-urgent": policy.rules.non_urgent_threshold,
    }
    created: list[Finding] = []
    with uow:
        known = {f.scope for f in uow.findings.list()}
        for breach in breaches(shares, thresholds, MINIMUM_DECIDED):
            finding = Finding(
                breach.metric,
                breach.clinic_id,
                breach.standard_class,
                breach.period,
                round(breach.value, 4),
                breach.threshold,
                clock.now(),
            )
            if finding.scope not in known:
                created.append(uow.findings.add(finding))
        uow.commit()
    return created


@dataclass(frozen=True, slots=True)
class AddAction:
    finding_id: int
    description: str
    owner: str
    due: date


def add_action(cmd: AddAction, uow: UnitOfWork, clock: Clock) -> Action:
    with uow:
        uow.findings.get(cmd.finding_id)
        action = uow.actions.add(
            Action(
                cmd.finding_id,
                cmd.description.strip(),
                cmd.owner.strip(),
                cmd.due,
                updated_at=clock.now(),
            )
        )
        uow.commit()
    return action


def move_action(action_id: int, status: ActionStatus, uow: UnitOfWork, clock: Clock) -> Action:
    with uow:
        action = uow.actions.get(action_id)
        action.move_to(status, clock.now())
        uow.actions.save(action)
        uow.commit()
    return action


def close_finding(finding_id: int, note: str, uow: UnitOfWork) -> Finding:
    with uow:
        finding = uow.findings.get(finding_id)
        finding.status = FindingStatus.CLOSED
        finding.note = note
        uow.findings.save(finding)
        uow.commit()
    return finding


@dataclass(frozen=True)
class PlanLine:
    finding: Finding
    actions: list[Action]
    overdue: list[int]
    trend: list[tuple[str, float | None]]


def corrective_plan(rows: list[EvidenceRow], uow: UnitOfWork, today: date) -> list[PlanLine]:
    """Every finding with its actions, the overdue ones flagged, and its metric's trend by
    month since the month of the finding."""
    by_scope = group(rows, "clinic", "class", "month")
    with uow:
        findings = sorted(uow.findings.list(), key=lambda f: f.id)
        actions = list(uow.actions.list())
    lines = []
    for finding in findings:
        mine = [a for a in actions if a.finding_id == finding.id]
        trend = [
            (month, metric.share_within_standard)
            for (clinic, cls, month), metric in by_scope.items()
            if clinic == finding.clinic_id
            and cls == finding.standard_class
            and month >= finding.period
        ]
        lines.append(PlanLine(finding, mine, [a.id for a in mine if a.is_overdue(today)], trend))
    return lines
