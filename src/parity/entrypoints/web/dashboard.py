"""The access dashboard (managers): compliance by standard against the monitoring threshold,
trends, clinic comparison, violations with their causes, each drilling down to its evidence.
The figures are `services.compliance_report.build_report`'s, the same as `parity report`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from parity.domain.errors import InvalidInput, ParityError
from parity.domain.metrics import EvidenceRow
from parity.domain.ports import UnitOfWork
from parity.domain.schedule import week_start_of
from parity.domain.standards import AccessStandard
from parity.entrypoints.api.context import ApiContext, Context
from parity.entrypoints.reports import charts
from parity.entrypoints.security.context import from_request
from parity.entrypoints.security.pseudonyms import pseudonym
from parity.entrypoints.security.scope import caller_scope
from parity.entrypoints.web.formatting import Formats
from parity.entrypoints.web.page import Notice, formats, fragment_of, refusal, render
from parity.entrypoints.web.routing import PageRoute
from parity.services import queries
from parity.services.compliance_report import ComplianceReport, build_report
from parity.services.reporting import Period

router = APIRouter(route_class=PageRoute)

DEFAULT_WEEKS = 4
CHARTS = "frag_charts"  # the block a page asks for after its first paint
MAX_DAYS = 3 * 366
VIOLATIONS_SHOWN = 100
Day = Annotated[date | None, Query(description="clinic-local date (YYYY-MM-DD)")]


def default_window(fmt: Formats, weeks: int = DEFAULT_WEEKS) -> Period:
    """The last `weeks` whole weeks and this week so far (requests made up to today)."""
    return Period(week_start_of(fmt.today) - timedelta(weeks=weeks), fmt.today + timedelta(days=1))


def chosen_window(start: date | None, end: date | None, fallback: Period) -> Period:
    window = Period(start or fallback.start, end or fallback.end)
    if window.end <= window.start:
        raise InvalidInput("the window's last day must come after its first day")
    if (window.end - window.start).days > MAX_DAYS:
        raise InvalidInput("a window covers at most three years")
    return window


def report_for(
    context: ApiContext, start: date | None, end: date | None, fallback: Period | None = None
) -> tuple[ComplianceReport, list[Notice]]:
    """The report for the asked window; a bad window is named and the default one shown."""
    fallback = fallback or default_window(formats(context))
    notices: list[Notice] = []
    try:
        window = chosen_window(start, end, fallback)
    except ParityError as error:
        notices.append(refusal(error, "window"))
        window = fallback
    built = build_report(context.uow_factory(), context.policy, window, context.clock.now())
    return built, notices


@dataclass(frozen=True)
class StandardLine:
    """A standard's row: its figures against its class's monitoring threshold."""

    standard: AccessStandard
    threshold: float
    figures: dict[str, Any]

    @property
    def in_hours(self) -> bool:
        """Waits under an hours (or minutes) limit read in hours, the rest in business days."""
        return self.standard.limit_business_days is None


def standard_lines(report: ComplianceReport, context: ApiContext) -> list[StandardLine]:
    rules = context.policy.rules
    lines = []
    for metric in report.breakdowns["by_standard"]:
        standard = rules.standard(metric["key"][0])
        threshold = rules.threshold(standard.urgency.value)
        lines.append(StandardLine(standard=standard, threshold=threshold, figures=metric))
    return lines


@dataclass(frozen=True)
class ClinicLine:
    """A clinic × class row, flagged when below its class's monitoring threshold."""

    clinic_id: str
    standard_class: str
    threshold: float
    below: bool
    figures: dict[str, Any]


def clinic_lines(report: ComplianceReport, context: ApiContext) -> list[ClinicLine]:
    """Clinic × class rows, worst first (rows with nothing decided last)."""
    lines = []
    for metric in report.breakdowns["by_clinic_class"]:
        clinic, cls = metric["key"]
        threshold = context.policy.rules.threshold(cls)
        share = metric["share_within_standard"]
        below = share is not None and share < threshold
        lines.append(ClinicLine(clinic, cls, threshold, below, metric))
    shares = [line.figures["share_within_standard"] for line in lines]
    order = sorted(range(len(lines)), key=lambda n: (shares[n] is None, shares[n] or 0.0, n))
    return [lines[n] for n in order]


def violations(report: ComplianceReport, cause: str, clinic: str) -> list[EvidenceRow]:
    rows = [
        r
        for r in report.rows
        if r.violation and (not cause or r.cause == cause) and (not clinic or r.clinic_id == clinic)
    ]
    return sorted(rows, key=lambda r: (r.deadline, r.request_id), reverse=True)


def shown_members(request: Request, uow: UnitOfWork, named: list[str]) -> dict[str, str]:
    """How each violation's member is shown: by name when the caller's scope admits them,
    otherwise as a pseudonym, never by plan id: a scheduler sees the whole plan's figures
    but identifies only their clinics' members, and an auditor nobody (docs/adr/0012,
    2026-12-07)."""
    found = {m.id: m.name for m in queries.members(uow, caller_scope(request), named)}
    secret = from_request(request).config.secret
    return {key: found.get(key) or pseudonym(secret, key) for key in named}


@router.get("/dashboard")
def dashboard(
    request: Request,
    context: Context,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    cause: Annotated[str, Query(max_length=100)] = "",
    clinic: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    report, notices = report_for(context, start, end)
    uow = context.uow_factory()
    names = {c.id: c.name for c in queries.clinics(uow)}
    threshold = context.policy.rules.non_urgent_threshold
    if fragment_of(request) == CHARTS:
        figures = {"charts": charts.compliance(report, names, threshold), "charts_url": ""}
        return render(request, context, "dashboard.html.j2", figures, notices=notices)
    shown = violations(report, cause, clinic)
    members = shown_members(request, uow, [r.member_id for r in shown[:VIOLATIONS_SHOWN]])
    values = {
        "title": "Access dashboard",
        "nav": "dashboard",
        "forms": ["window"],
        "report": report,
        "headline": report.headline(),
        "standards": standard_lines(report, context),
        "clinic_lines": clinic_lines(report, context),
        "clinic_names": names,
        "violations": shown[:VIOLATIONS_SHOWN],
        "violation_count": len(shown),
        "members": members,
        "cause": cause,
        "clinic": clinic,
        # The charts' figures come after the first paint: building them took as long as
        # the rest of the page (docs/adr/0017-booking-api-speed.md).
        "charts": charts.compliance_frames(),
        "charts_url": str(request.url.replace(scheme="", netloc="")),
        "causes": sorted(report.causes),
        "last_day": report.window.end - timedelta(days=1),
    }
    return render(request, context, "dashboard.html.j2", values, notices=notices)
