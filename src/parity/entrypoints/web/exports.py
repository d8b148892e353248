"""CSV downloads of what the dashboard and the action plan show, for the people who take the
figures elsewhere (docs/adr/0016-pages-for-each-role.md). Same window, same figures as the
page: both come from `services.compliance_report.build_report`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from parity.domain.errors import InvalidInput
from parity.entrypoints.api.context import Context
from parity.entrypoints.reports import cells
from parity.entrypoints.web.dashboard import report_for
from parity.entrypoints.web.page import formats
from parity.entrypoints.web.plan import plan_window
from parity.entrypoints.web.routing import PageRoute
from parity.services import queries

router = APIRouter(route_class=PageRoute)

Day = Annotated[date | None, Query(alias="from")]
Until = Annotated[date | None, Query(alias="to")]
FIGURES = ("requests", "decided", "share_within_standard", "violations", "out_of_network_referrals")
WAITS = ("median_wait_business_days", "mean_wait_business_days", "median_wait_hours")
TABLES = {
    "standards": ("by_standard", ("standard",)),
    "clinics": ("by_clinic_class", ("clinic", "class")),
}


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(cells.row(row) for row in rows)
    disposition = f'attachment; filename="{name}.csv"'
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )


@router.get("/dashboard/export")
def dashboard_csv(
    context: Context,
    start: Day = None,
    end: Until = None,
    table: Annotated[str, Query(max_length=20)] = "clinics",
) -> Response:
    """A dashboard table (`standards` or `clinics`) over the same window, as CSV."""
    if table not in TABLES:
        raise InvalidInput(f"table must be one of {', '.join(TABLES)}, got {table!r}")
    report, _ = report_for(context, start, end)
    breakdown, keys = TABLES[table]
    header = [*keys, *FIGURES, *WAITS]
    rows = [
        [*m["key"], *(m.get(f) for f in FIGURES), *(m.get(w) for w in WAITS)]
        for m in report.breakdowns[breakdown]
    ]
    window = f"{report.window.start.isoformat()}_{report.window.end.isoformat()}"
    return csv_response(f"parity-{table}-{window}", header, rows)


@router.get("/plan/export")
def plan_csv(request: Request, context: Context, start: Day = None, end: Until = None) -> Response:
    """The corrective-action plan: one line per action (a finding without one has one line)."""
    report, _ = report_for(context, start, end, plan_window(formats(context)))
    names = {c.id: c.name for c in queries.clinics(context.uow_factory())}
    header = [
        "finding",
        "clinic",
        "class",
        "period",
        "value",
        "threshold",
        "finding_status",
        "action",
        "owner",
        "due",
        "action_status",
    ]
    rows = []
    for line in report.plan:
        f = line.finding
        head = [
            f.id,
            names.get(f.clinic_id, f.clinic_id),
            f.standard_class,
            f.period,
            f.value,
            f.threshold,
            f.status.value,
        ]
        actions = [
            [a.description, a.owner, a.due.isoformat(), a.status.value] for a in line.actions
        ]
        rows += [head + tail for tail in actions or [["", "", "", ""]]]
    return csv_response("parity-action-plan", header, rows)
