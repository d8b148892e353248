"""The scheduler's work queue: open requests, soonest legal deadline first, with filters, a
search by member, sortable columns, pages and a live refresh (queue_view.py); and the batch
optimizer's preview of the queue shown, which the scheduler can apply."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from parity.domain.care import CareRequest
from parity.domain.errors import ParityError
from parity.domain.members import Member
from parity.domain.scope import MemberScope
from parity.domain.waitlist import WaitlistEntry
from parity.domain.workforce import Modality, ProviderClass
from parity.entrypoints.api.context import ApiContext, Context
from parity.entrypoints.api.optimize import whole_region
from parity.entrypoints.api.signed_in import signed_in
from parity.entrypoints.security.scope import caller_scope
from parity.entrypoints.web.forms import Field
from parity.entrypoints.web.optimizer_plan import OptimizerPlan, optimizer_plan
from parity.entrypoints.web.page import Notice, Values, act, formats, refusal, render
from parity.entrypoints.web.queue_view import SORTS, QueueView, arrange
from parity.entrypoints.web.routing import PageRoute
from parity.services import queries, scoping
from parity.services.claims import CLAIM_LAPSES, claim_request, holder, release_request
from parity.services.waitlist import ranked_waitlist
from parity.services.work_queue import QueueEntry, waiting_entries

router = APIRouter(route_class=PageRoute)

ROWS_SHOWN = 200
Text = Annotated[str, Query(max_length=100)]


@dataclass(frozen=True)
class QueueFilter:
    """Every criterion given must match; empty means any."""

    clinic: str = ""
    provider_class: str = ""
    language: str = ""
    modality: str = ""
    standard: str = ""

    def matches(self, care: CareRequest) -> bool:
        return (
            self.clinic in ("", care.clinic_id)
            and self.provider_class in ("", care.provider_class.value)
            and self.language in ("", care.language)
            and (not self.modality or self.modality in {m.value for m in care.modalities})
            and self.standard in ("", care.standard)
        )

    def params(self) -> dict[str, str]:
        return {key: value for key, value in asdict(self).items() if value}


def open_requests(
    context: ApiContext, scope: MemberScope, wanted: QueueFilter
) -> tuple[list[CareRequest], list[str], dict[int, QueueEntry]]:
    """The open requests in the caller's scope matching the filter, soonest effective
    deadline first, one per request for care (a repeated ask is shown once, as the first:
    `services.work_queue`), every language asked for in them (for the filter), and each
    shown request's entry (its repeats)."""
    entries = waiting_entries(context.uow_factory(), scope)
    requests = [e.request for e in entries]
    languages = sorted({r.language for r in requests})
    by_id = {e.request.id: e for e in entries}
    return [r for r in requests if wanted.matches(r)], languages, by_id


def queue_page(
    request: Request,
    context: ApiContext,
    wanted: QueueFilter,
    *,
    view: QueueView | None = None,
    plan: OptimizerPlan | None = None,
    notices: list[Notice] | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = view or QueueView()
    scope = caller_scope(request)
    matching, languages, entries = open_requests(context, scope, wanted)  # the caller's scope
    people, owners = _people(context, scope, matching, plan)
    clinic_names = {c.id: c.name for c in queries.clinics(context.uow_factory())}
    shown = arrange(matching, people, clinic_names, view)
    members = {key: m.name for key, m in people.items()}
    page = {
        "title": "Work queue",
        "nav": "queue",
        "live": True,
        "forms": ["optimizer", "claim"],
        "rows": shown.rows,
        "holders": {r.id: holder(r, context.clock.now()) for r in shown.rows},
        "entries": entries,
        "me": getattr(getattr(request.state, "principal", None), "subject", ""),
        "shown": shown,
        "view": view,
        "sorts": list(SORTS),
        "people": people,
        "total": shown.total,
        "wanted": wanted,
        "members": members,
        "owners": {key: members.get(member, member) for key, member in owners.items()},
        "clinic_names": clinic_names,
        **_filter_choices(context, languages),
        "plan": plan,
        "waitlist": _waitlist(context, scope)[:ROWS_SHOWN],
    }
    return render(request, context, "queue.html.j2", page, status=status, notices=notices)


def _people(
    context: ApiContext, scope: MemberScope, matching: list[CareRequest], plan: OptimizerPlan | None
) -> tuple[dict[str, Member], dict[int, str]]:
    """The members of the shown requests and of the plan's, in the caller's scope, by id; and
    the plan's member of each request, for those members only."""
    owners = _planned_members(plan)
    named = {r.member_id for r in matching} | set(owners.values())
    people = {m.id: m for m in queries.members(context.uow_factory(), scope, named)}
    return people, {key: member for key, member in owners.items() if member in people}


def _filter_choices(context: ApiContext, languages: list[str]) -> dict[str, object]:
    """What the queue's filter offers: clinicians, languages, standards, classes, modalities."""
    return {
        "clinician_names": {c.id: c.name for c in queries.clinicians(context.uow_factory())},
        "languages": languages,
        "standard_options": [
            (s.name, f"{s.name} ({s.limit_text})")
            for s in sorted(context.policy.rules.standards.values(), key=lambda s: s.name)
        ],
        "provider_classes": [p.value for p in ProviderClass],
        "modalities": [m.value for m in Modality],
    }


def _waitlist(context: ApiContext, scope: MemberScope) -> list[WaitlistEntry]:
    """The waitlist's entries of members in the caller's scope, best first."""
    ranked = ranked_waitlist(context.uow_factory(), context.clock)
    uow = context.uow_factory()
    with uow:
        allowed = scoping.admitted(uow, scope, {e.member_id for e in ranked})
    return [e for e in ranked if e.member_id in allowed]


def _planned_members(plan: OptimizerPlan | None) -> dict[int, str]:
    """The member of each request the plan names, by request id."""
    if plan is None:
        return {}
    return {v.request_id: v.member_id for v in plan.visits} | {
        u.request_id: u.member_id for u in plan.left_out
    }


async def _queue_filter(
    clinic: Text = "",
    provider_class: Text = "",
    language: Text = "",
    modality: Text = "",
    standard: Text = "",
) -> QueueFilter:
    """The queue's filter, read from the address: the page's own, and the optimizer's
    forms', which post back to an address that carries it."""
    return QueueFilter(clinic, provider_class, language, modality, standard)


Wanted = Annotated[QueueFilter, Depends(_queue_filter)]


@router.get("/queue")
def work_queue(
    request: Request,
    context: Context,
    wanted: Wanted,
    q: Text = "",
    sort: Text = "",
    dir: Text = "",
    page: Text = "",
) -> HTMLResponse:
    """Open requests: filtered, searched by member, sorted by any column, a page at a time."""
    return queue_page(request, context, wanted, view=QueueView.parse(q, sort, dir, page))


def _optimized(
    request: Request, context: ApiContext, wanted: QueueFilter, *, apply: bool
) -> HTMLResponse:
    today = formats(context).today
    try:
        if apply:
            whole_region(context.uow_factory(), caller_scope(request))
        plan = optimizer_plan(
            today,
            context.uow_factory(),
            context.clock,
            context.policy,
            scope=caller_scope(request),
            apply=apply,
            applied_by=signed_in(request).subject if apply else "",
        )
    except ParityError as error:
        notice = refusal(error, "optimizer")
        return queue_page(request, context, wanted, notices=[notice], status=error.http_status)
    notices = []
    if plan.applied:
        text = (
            f"Applied the plan: {len(plan.visits)} visits offered to their members (each "
            f"slot held for the member's answer), {len(plan.left_out)} requests referred "
            "out of network."
        )
        notices.append(Notice("ok", text, "optimizer"))
    return queue_page(request, context, wanted, plan=plan, notices=notices)


@router.post("/queue/optimizer")
def optimizer_preview(request: Request, context: Context, wanted: Wanted) -> HTMLResponse:
    """The optimizer's plan for the whole open queue from today; nothing is booked."""
    return _optimized(request, context, wanted, apply=False)


@router.post("/queue/optimizer/apply")
def optimizer_apply(request: Request, context: Context, wanted: Wanted) -> HTMLResponse:
    """Solve again and apply in one transaction: offer every timely placement to its member
    (the slot held for their answer), refer the requests still without a timely slot out of
    network (SB 855); the signed-in scheduler is recorded as who applied it."""
    return _optimized(request, context, wanted, apply=True)


@router.post("/requests/{request_id}/claim")
def claim(request_id: int, request: Request, context: Context, release: Field = "") -> Response:
    """Claim a queue row while working it (others see who has it), or release it."""
    who = getattr(getattr(request.state, "principal", None), "subject", "")

    def action() -> str:
        # the caller's own request, or NotFound: a claim touches the request (ADR 0012)
        queries.care_request(context.uow_factory(), caller_scope(request), request_id)
        if release:
            release_request(request_id, who, context.uow_factory(), context.clock)
            return f"Request #{request_id} is back in the queue for anyone."
        claim_request(request_id, who, context.uow_factory(), context.clock)
        minutes = int(CLAIM_LAPSES.total_seconds() // 60)
        return f"Request #{request_id} is yours; others see you are working on it ({minutes} min)."

    def page(notices: list[Notice], status: int, values: Values) -> Response:
        return queue_page(request, context, QueueFilter(), notices=notices, status=status)

    return act(request, "claim", action, page, "/app/queue", {})
