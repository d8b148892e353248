"""Use cases for the corrective-action plan: detect findings, add and move actions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from parity.domain.corrective import Action, ActionStatus, Finding, FindingStatus, breaches
from parity.domain.errors import InvalidInput
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.survey import SurveyRate
from parity.services.policy import Policy


def detect_findings(
    rates: Sequence[SurveyRate], uow: UnitOfWork, policy: Policy, clock: Clock
) -> list[Finding]:
    """Open a finding for every network × class × measurement year whose survey rate is
    below its threshold (28 CCR §1300.67.2.2(d), (f)) and not already on file. The
    clinic-month request rates stay an operational drill-down, not a finding."""
    # A measurement year before the thresholds were in force opens no finding.
    judged = [r for r in rates if r.in_force]
    shares = {(r.network, r.appointment_class, str(r.year)): (r.share, r.answers) for r in judged}
    thresholds = {r.appointment_class: r.threshold for r in rates}
    created: list[Finding] = []
    with uow:
        known = {f.scope for f in uow.findings.list()}
        for finding in breaches(
            shares, thresholds, policy.rules.minimum_survey_answers, clock.now()
        ):
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


# How far ahead a corrective action may be planned: a plan answers a year's survey.
FURTHEST_DUE = timedelta(days=5 * 366)


def add_action(cmd: AddAction, uow: UnitOfWork, clock: Clock) -> Action:
    """Plan an action for a finding. It may be due from the day the finding was opened (a
    day's leeway for the time zones) up to five years from today: an action due before the
    shortfall was found, or in year 1 or 9999, is a typing mistake, not a plan."""
    if cmd.due > clock.now().date() + FURTHEST_DUE:
        raise InvalidInput(
            f"the due date {cmd.due.isoformat()} is more than five years ahead: check the year"
        )
    with uow:
        finding = uow.findings.get(cmd.finding_id)
        opened = finding.detected_at.date()
        if cmd.due < opened - timedelta(days=1):
            raise InvalidInput(
                f"the due date {cmd.due.isoformat()} is before finding {finding.id} was opened "
                f"({opened.isoformat()}): check the date"
            )
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


def corrective_plan(rates: Sequence[SurveyRate], uow: UnitOfWork, today: date) -> list[PlanLine]:
    """Every finding with its actions, the overdue ones flagged, and its survey rate's
    trend by measurement year since the year of the finding."""
    with uow:
        findings = sorted(uow.findings.list(), key=lambda f: f.id)
        actions = list(uow.actions.list())
    lines = []
    for finding in findings:
        mine = [a for a in actions if a.finding_id == finding.id]
        trend = [
            (str(rate.year), rate.share)
            for rate in rates
            if rate.network == finding.clinic_id
            and rate.appointment_class == finding.standard_class
            and str(rate.year) >= finding.period
        ]
        lines.append(PlanLine(finding, mine, [a.id for a in mine if a.is_overdue(today)], trend))
    return lines
