"""The scenario lab (bargaining teams, planners): pick contract scenarios and run a small
Monte Carlo comparison here, or load one written by `parity scenarios compare`; see the
charts. Runs happen in a background thread of this process, one at a time, and the page
polls for progress; bigger studies belong to the command line and its Dask cluster."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from parity.domain.errors import InvalidInput, InvalidTransition, NotFound, ParityError
from parity.entrypoints.api.context import ApiContext, Context
from parity.entrypoints.reports import charts
from parity.entrypoints.reports.scenarios import FANS
from parity.entrypoints.web import comparisons, forms
from parity.entrypoints.web.forms import Field, Fields
from parity.entrypoints.web.page import Notice, refusal, render, wants_fragment
from parity.entrypoints.web.routing import PageRoute

router = APIRouter(route_class=PageRoute)

MAX_UPLOAD_BYTES = 5_000_000
RUNS, YEARS, SCALE = (2, 20), (1, 3), (0.001, 0.05)
LIMITS = {"runs": RUNS, "years": YEARS, "scale": SCALE}


@dataclass(frozen=True)
class JobState:
    """One reading of a job. A page renders from this alone: read twice, a job could finish
    in between and the page would show neither its progress (so no more polling) nor its
    result, stranding the reader."""

    id: int
    names: list[str]
    done: int
    total: int
    result: comparisons.Comparison | None
    error: str | None

    @property
    def finished(self) -> bool:
        return self.result is not None or self.error is not None


@dataclass
class LabJob:
    id: int
    asked: comparisons.RunAsked
    done: int = 0
    total: int = 0
    result: comparisons.Comparison | None = None
    error: str | None = None

    def state(self) -> JobState:
        return JobState(self.id, self.asked.names, self.done, self.total, self.result, self.error)


class Lab:
    """This process's comparisons, newest last; one runs at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.jobs: dict[int, LabJob] = {}

    def get(self, job_id: int) -> LabJob:
        if job_id not in self.jobs:
            raise NotFound(f"no comparison #{job_id} in this server (runs are kept until it stops)")
        return self.jobs[job_id]

    def start(self, asked: comparisons.RunAsked) -> LabJob:
        with self.lock:
            if any(not j.state().finished for j in self.jobs.values()):
                raise InvalidTransition("a comparison is already running; wait for it to finish")
            job = LabJob(len(self.jobs) + 1, asked)
            self.jobs[job.id] = job
        threading.Thread(target=self._run, args=(job,), name=f"lab-{job.id}", daemon=True).start()
        return job

    @staticmethod
    def _run(job: LabJob) -> None:
        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total

        try:
            job.result = comparisons.run_comparison(job.asked, progress)
        except (ParityError, ValueError) as error:
            job.error = getattr(error, "message", str(error))
        except Exception as error:  # a failed run must not leave the page polling forever
            job.error = f"the comparison failed: {error.__class__.__name__}: {error}"


def lab_of(request: Request) -> Lab:
    app_state = request.app.state
    if not hasattr(app_state, "parity_lab"):
        app_state.parity_lab = Lab()
    lab = app_state.parity_lab
    assert isinstance(lab, Lab)
    return lab


def lab_charts(comparison: comparisons.Comparison) -> list[charts.Chart]:
    titles = {key: (title, axis) for key, title, axis in FANS}
    return [
        charts.fan(key, titles[key][0], series, titles[key][1])
        for key, series in comparison.series.items()
        if key in titles
    ]


def lab_page(
    request: Request,
    context: ApiContext,
    *,
    job: LabJob | None = None,
    loaded: comparisons.Comparison | None = None,
    notices: list[Notice] | None = None,
    status: int = 200,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    state = job.state() if job else None
    shown = loaded or (state.result if state else None)
    page = {
        "title": "Scenario lab",
        "nav": "scenarios",
        "forms": ["run", "load"],
        "choices": comparisons.scenario_choices(),
        "job": state,
        "comparison": shown,
        "charts": lab_charts(shown) if shown else [],
        "limits": LIMITS,
        "form": values or {},
    }
    return render(request, context, "lab.html.j2", page, status=status, notices=notices)


@router.get("/scenarios")
def scenarios(
    request: Request, context: Context, job: Annotated[int | None, Query(ge=1)] = None
) -> HTMLResponse:
    shown = lab_of(request).get(job) if job is not None else None
    return lab_page(request, context, job=shown)


def asked_run(
    names: list[str], runs: str, years: str, scale: str, seed: str
) -> comparisons.RunAsked:
    if not 1 <= len(names) <= 6 or len(set(names)) != len(names):
        raise InvalidInput("pick between one and six different scenarios")
    return comparisons.RunAsked(
        names,
        forms.whole(runs, "runs per scenario", *RUNS),
        forms.whole(years, "years", *YEARS),
        forms.decimal(scale, "scale", *SCALE),
        forms.whole(seed or "7", "seed", 0, 2**31),
    )


@router.post("/scenarios/run")
def run(
    request: Request,
    context: Context,
    scenario: Fields = [],  # noqa: B006 - FastAPI reads the default, it is never mutated
    runs: Field = "",
    years: Field = "",
    scale: Field = "",
    seed: Field = "",
) -> Response:
    values = {"scenario": scenario, "runs": runs, "years": years, "scale": scale, "seed": seed}
    try:
        job = lab_of(request).start(asked_run(scenario, runs, years, scale, seed))
    except ParityError as error:
        notice = refusal(error, "run")
        return lab_page(request, context, notices=[notice], status=error.http_status, values=values)
    if wants_fragment(request):
        return lab_page(request, context, job=job)
    return RedirectResponse(f"/app/scenarios?job={job.id}", status_code=303)


@router.post("/scenarios/load")
def load(
    request: Request, context: Context, comparison: Annotated[UploadFile | None, File()] = None
) -> HTMLResponse:
    """Show a comparison saved by `parity scenarios compare` (its `*-monthly.csv`)."""
    try:
        if comparison is None or not comparison.filename:
            raise InvalidInput("choose the *-monthly.csv file of a comparison")
        body = comparison.file.read(MAX_UPLOAD_BYTES + 1)
        if len(body) > MAX_UPLOAD_BYTES:
            raise InvalidInput("the file is larger than 5 MB")
        loaded = comparisons.comparison_from_csv(comparison.filename, body)
    except ParityError as error:
        return lab_page(
            request, context, notices=[refusal(error, "load")], status=error.http_status
        )
    return lab_page(request, context, loaded=loaded)
