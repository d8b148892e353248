"""The corrective-action plan (managers): findings where a clinic fell below the monitoring
threshold in a month, their actions with owners and due dates, status changes, and each
finding's trend since (28 CCR §1300.67.2.2(d))."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from parity.domain.corrective import ActionStatus
from parity.entrypoints.api.context import ApiContext, Context
from parity.entrypoints.web import forms
from parity.entrypoints.web.dashboard import chosen_window, report_for
from parity.entrypoints.web.formatting import Formats
from parity.entrypoints.web.forms import Field
from parity.entrypoints.web.page import Notice, Posted, Values, formats, render
from parity.entrypoints.web.routing import PageRoute
from parity.services import queries
from parity.services.compliance_report import ComplianceReport
from parity.services.corrective import AddAction, add_action, detect_findings, move_action
from parity.services.investigations import open_finding, window_of
from parity.services.reporting import Period

router = APIRouter(route_class=PageRoute)

FORMS = ("detect", "window")
MONTHS_SHOWN = 3
Day = Annotated[date | None, Query(alias="from")]
Until = Annotated[date | None, Query(alias="to")]


def plan_window(fmt: Formats) -> Period:
    """This month and the two before it, up to today."""
    year, month = fmt.today.year, fmt.today.month - (MONTHS_SHOWN - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return Period(date(year, month, 1), date.fromordinal(fmt.today.toordinal() + 1))


def plan_page(
    request: Request,
    context: ApiContext,
    start: date | None,
    end: date | None,
    notices: list[Notice] | None = None,
    status: int = 200,
    values: Values | None = None,
) -> HTMLResponse:
    report, problems = report_for(context, start, end, plan_window(formats(context)))
    lines = report.plan
    page = {
        "title": "Corrective-action plan",
        "nav": "plan",
        "forms": [
            *FORMS,
            *(f"action-{line.finding.id}" for line in lines),
            *(f"move-{a.id}" for line in lines for a in line.actions),
        ],
        "window": report.window,
        "lines": lines,
        "open_findings": sum(line.finding.status.value == "open" for line in lines),
        "overdue": sum(len(line.overdue) for line in lines),
        "statuses": [s.value for s in ActionStatus],
        "clinic_names": {c.id: c.name for c in queries.clinics(context.uow_factory())},
        "form": dict(values or {}),
        "violations_of": violations_link,
    }
    shown = [*problems, *(notices or [])]
    return render(request, context, "plan.html.j2", page, status=status, notices=shown)


def violations_link(clinic_id: str, period: str) -> str:
    """The dashboard's violations of a finding's clinic over its period."""
    try:
        window = window_of(period)
    except ValueError:
        return f"/app/dashboard?clinic={clinic_id}#frag_violations"
    dates = f"from={window.start.isoformat()}&to={window.end.isoformat()}"
    return f"/app/dashboard?{dates}&clinic={clinic_id}#frag_violations"


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@router.get("/plan")
def plan(request: Request, context: Context, start: Day = None, end: Until = None) -> HTMLResponse:
    return plan_page(request, context, start, end)


@dataclass(frozen=True)
class PlanPost(Posted):
    """A form posted from the plan: the window (`from`, `to`) it showed rides along, so the
    page comes back on the same months."""

    start: str
    end: str

    def again(self, notices: list[Notice], status: int, values: Values) -> Response:
        start, end = _day(self.start), _day(self.end)
        return plan_page(self.request, self.context, start, end, notices, status, values)

    @property
    def back(self) -> str:
        kept = "&".join(f"{k}={v}" for k, v in (("from", self.start), ("to", self.end)) if _day(v))
        return "/app/plan" + (f"?{kept}" if kept else "")

    def report(self) -> tuple[Period, ComplianceReport]:
        """The posted window (the plan's default when left empty) and its report."""
        fallback = plan_window(formats(self.context))
        start = forms.optional_day(self.start, "from")
        window = chosen_window(start, forms.optional_day(self.end, "to"), fallback)
        report, _ = report_for(self.context, window.start, window.end)
        return window, report


async def _plan_post(
    request: Request, context: Context, start: Field = "", end: Field = ""
) -> PlanPost:
    return PlanPost(request, context, start, end)


PlanForm = Annotated[PlanPost, Depends(_plan_post)]


@router.post("/plan/detect")
def detect(post: PlanForm) -> Response:
    """Open a finding for every clinic × class × month of the window below the threshold."""
    context = post.context

    def action() -> str:
        _, report = post.report()
        findings = detect_findings(
            report.survey, context.uow_factory(), context.policy, context.clock
        )
        if not findings:
            return "No new finding: every network survey rate with enough provider answers met the threshold, or is already on file."
        return f"{len(findings)} new finding{'s' * (len(findings) != 1)} opened."

    return post.act("detect", action)


@router.post("/plan/findings/{finding_id}/actions")
def new_action(
    finding_id: int, post: PlanForm, description: Field = "", owner: Field = "", due: Field = ""
) -> Response:
    def action() -> str:
        cmd = AddAction(
            finding_id,
            forms.text(description, "action"),
            forms.text(owner, "owner"),
            forms.day(due, "due date"),
        )
        made = add_action(cmd, post.context.uow_factory(), post.context.clock)
        return (
            f"Action #{made.id} added for {made.owner}, due {formats(post.context).day(made.due)}."
        )

    values = {"finding": str(finding_id), "description": description, "owner": owner, "due": due}
    return post.act(f"action-{finding_id}", action, values)


@router.post("/plan/actions/{action_id}/move")
def move(action_id: int, post: PlanForm, status: Field = "") -> Response:
    def action() -> str:
        wanted = forms.choice(ActionStatus, status, "status")
        moved = move_action(action_id, wanted, post.context.uow_factory(), post.context.clock)
        return f"Action #{moved.id} is now {moved.status.value}."

    return post.act(f"move-{action_id}", action)


@router.post("/plan/findings")
def open_from_row(post: PlanForm, clinic: Field = "", standard_class: Field = "") -> Response:
    """Open a finding for one dashboard row (clinic × class over its window), measured from
    the evidence, then show it in the plan with its violations a link away."""
    context = post.context

    def action() -> str:
        window, report = post.report()
        finding = open_finding(
            clinic,
            standard_class,
            window,
            report.rows,
            context.uow_factory(),
            context.policy,
            context.clock,
        )
        return f"Finding #{finding.id} opened: {finding.metric} at {finding.clinic_id} was {finding.value:.0%} ({finding.period}). Add the first action below."

    return post.act("detect", action)
