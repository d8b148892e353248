"""A clinician's week: bookable slots, bookings, protected IPC blocks (shown, never
bookable), PTO and admin time, the IPC ledger, their caseload and the follow-ups coming due.
A scheduler books a free slot for an open request from here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from parity.domain import ids
from parity.domain.care import CancelledBy, Channel
from parity.domain.errors import InvalidInput, ParityError, ProtectedTimeConflict
from parity.domain.schedule import week_start_of
from parity.domain.scope import MemberScope
from parity.domain.users import Principal, may_see_clinician
from parity.domain.workforce import Clinician
from parity.entrypoints.api.context import ApiContext, Context
from parity.entrypoints.api.signed_in import signed_in
from parity.entrypoints.security.scope import caller_scope
from parity.entrypoints.web import forms
from parity.entrypoints.web.care import booked_text
from parity.entrypoints.web.forms import Field
from parity.entrypoints.web.page import (
    Notice,
    Posted,
    Seen,
    Values,
    Viewer,
    formats,
    refusal,
    render,
)
from parity.entrypoints.web.routing import PageRoute
from parity.entrypoints.web.week_grid import Column, Day, TimeGrid, day_columns, time_grid
from parity.services import page_queries, queries
from parity.services.booking import BookRequest, book_request
from parity.services.courses import exception_todos
from parity.services.page_queries import ClinicianWeek, SlotChoice
from parity.services.reschedule import MoveVisit, move_choice, move_visit

router = APIRouter(route_class=PageRoute)

FORMS = ("book", "exception", "pto", "absences")
EARLIEST_WEEK, LATEST_WEEK = date(1900, 1, 1), date(9000, 1, 1)
LAST_EPOCH = 32_503_680_000  # 3000-01-01: later block ids name nothing
Week = Annotated[date | None, Query(description="any day of the week (YYYY-MM-DD)")]
SlotRef = Annotated[str, Query(max_length=200)]


def _choice(
    context: ApiContext, scope: MemberScope, clinician_id: str, slot: str
) -> SlotChoice | None:
    """The free slot the booking panel is for, with the open requests of members in the
    caller's scope; protected time is refused outright."""
    if not slot:
        return None
    chosen = slot_id(slot, clinician_id, context)
    now = context.clock.now()
    choice = page_queries.slot_choice(context.uow_factory(), scope, context.policy, chosen, now)
    if choice.slot.clinician_id != clinician_id:
        raise InvalidInput(f"slot {choice.slot.id} is not in this clinician's week")
    return choice


def slot_id(text: str, clinician_id: str, context: ApiContext) -> int:
    """A slot id from a form; an IPC block's id (`ipc-{clinician}-{epoch}`, as the FHIR API
    names them) is refused: no booking path may consume protected time."""
    if text.startswith("ipc-"):
        owner, _, epoch = text.removeprefix("ipc-").rpartition("-")
        if owner != clinician_id or not ids.is_number(epoch) or int(epoch) > LAST_EPOCH:
            raise InvalidInput(f"{text[:80]!r} is not one of this clinician's blocks")
        start = datetime.fromtimestamp(int(epoch), tz=context.policy.rules.timezone)
        block = queries.protected_block(context.uow_factory(), owner, start)
        raise ProtectedTimeConflict(
            f"{formats(context).when(block.start)}–{formats(context).clock(block.end)} is "
            f"protected indirect-patient-care time under {context.policy.contract.name}; "
            "no booking path may consume it",
        )
    return ids.number(text, "slot")


def _plausible(when: date | None) -> date | None:
    """A week the calendar can show (a date near the ends of time is refused, not a 500)."""
    if when is not None and not EARLIEST_WEEK <= when <= LATEST_WEEK:
        raise InvalidInput(f"week {when.isoformat()} is out of range (1900-9000)")
    return when


def week_page(
    request: Request,
    context: ApiContext,
    seen: Seen,
    clinician_id: str,
    when: date | None,
    slot: str = "",
    notices: list[Notice] | None = None,
    status: int = 200,
    values: Values | None = None,
    extra: Mapping[str, Any] | None = None,
    day: date | None = None,
) -> HTMLResponse:
    fmt = formats(context)
    start = week_start_of(_plausible(day) or _plausible(when) or opening_day(fmt.today))
    scope = caller_scope(request)
    week = page_queries.clinician_week(
        context.uow_factory(), scope, context.policy, clinician_id, start
    )
    notices = list(notices or [])
    try:
        choice = _choice(context, scope, clinician_id, slot)
    except ParityError as error:
        choice, status = None, error.http_status
        if refusal(error, "book") not in notices:  # a refused post already carries it
            notices.append(refusal(error, "book"))
    page = {
        "title": f"{week.clinician.name}: week of {fmt.day(start)}",
        "nav": "week" if seen.role == "clinician" else "clinicians",
        "forms": FORMS,
        "seen": seen,
        "week": week,
        "grid": _grid(week, context, seen, day),
        "day": day,
        "choice": choice,
        "clinic_names": {c.id: c.name for c in queries.clinics(context.uow_factory())},
        "previous": (start - timedelta(weeks=1)).isoformat(),
        "next": (start + timedelta(weeks=1)).isoformat(),
        "form": dict(values or {}),
        "pending": None,
        "moving": None,
        "todos": queries.kept(
            context.uow_factory(), scope, exception_todos(clinician_id, context.uow_factory())
        ),
        **(extra or {}),
    }
    return render(request, context, "week.html.j2", page, status=status, notices=notices)


def opening_day(today: date) -> date:
    """The week a calendar opens on: this one, or on a weekend the coming one (the week
    just gone is all past)."""
    return today + timedelta(days=7 - today.weekday()) if today.weekday() >= 5 else today


def _grid(week: ClinicianWeek, context: ApiContext, seen: Seen, day: date | None) -> TimeGrid:
    """The week (or one `day` of it) on an hour axis; each day heading opens that day."""
    fmt, tz = formats(context), context.policy.rules.timezone
    days = day_columns(week, tz, context.clock.now())
    if day is not None:
        days = [d for d in days if d.day == day] or [Day(day)]
    path = f"/app/clinicians/{week.clinician.id}/week"
    columns = [
        (
            Column(
                fmt.day(d.day), week.clinician.id, d.day, seen.link(path, day=d.day.isoformat())
            ),
            d.blocks,
        )
        for d in days
    ]
    return time_grid(columns, tz)


# Clinicians side by side on one day: enough for a clinic's day, few enough to read.
SIDE_BY_SIDE = 8


@router.get("/clinicians")
def clinicians(
    request: Request,
    context: Context,
    seen: Seen,
    clinic: Annotated[str, Query(max_length=100)] = "",
    day: Week = None,
) -> HTMLResponse:
    """The clinicians (of a clinic); with a clinic, their day side by side on one hour axis."""
    search = queries.ClinicianSearch(clinic_id=clinic or None)
    clinicians = queries.clinicians(context.uow_factory(), search)
    shown = _plausible(day) or opening_day(formats(context).today)  # the week's own bounds
    # Side by side, only the schedules whose week the caller may open: the guard's rule for
    # a clinician's week (docs/adr/0012, "2026-12-08 (round nineteen probes)").
    scheduled = schedules_seen(request, clinicians)
    page = {
        "title": "Clinicians",
        "nav": "clinicians",
        "clinicians": clinicians,
        "clinic_names": {c.id: c.name for c in queries.clinics(context.uow_factory())},
        "clinic": clinic,
        "day": shown,
        "previous": (shown - timedelta(days=1)).isoformat(),
        "next": (shown + timedelta(days=1)).isoformat(),
        "scheduled": len(scheduled),
        "grid": _side_by_side(context, caller_scope(request), seen, scheduled[:SIDE_BY_SIDE], shown)
        if clinic and scheduled
        else None,
    }
    return render(request, context, "clinicians.html.j2", page)


def schedules_seen(request: Request, clinicians: list[Clinician]) -> list[Clinician]:
    """The clinicians whose schedule the signed-in caller may see, as the guard decides for
    one clinician's week (`may_see_clinician`): a therapist their own, a scheduler their
    clinics' clinicians, managers and admins everyone's."""
    who = getattr(request.state, "principal", None)
    if not isinstance(who, Principal):
        return []
    return [c for c in clinicians if may_see_clinician(who, c.id, c.clinic_ids)]


def _side_by_side(
    context: ApiContext, scope: MemberScope, seen: Seen, clinicians: list[Clinician], day: date
) -> TimeGrid:
    tz, now = context.policy.rules.timezone, context.clock.now()
    columns = []
    for clinician in clinicians:
        week = page_queries.clinician_week(
            context.uow_factory(), scope, context.policy, clinician.id, week_start_of(day)
        )
        blocks = next((d.blocks for d in day_columns(week, tz, now) if d.day == day), [])
        link = seen.link(f"/app/clinicians/{clinician.id}/week", day=day.isoformat())
        columns.append((Column(clinician.name, clinician.id, day, link), blocks))
    return time_grid(columns, tz)


@router.get("/week")
def my_week(seen: Seen) -> RedirectResponse:
    """A clinician's own week (`?as=clinician:ID` until sign-in exists)."""
    if seen.role != "clinician":
        return RedirectResponse("/app/clinicians", status_code=303)
    return RedirectResponse(seen.link(f"/app/clinicians/{seen.id}/week"), status_code=303)


@router.get("/clinicians/{clinician_id}/week")
def clinician_week(
    clinician_id: str,
    request: Request,
    context: Context,
    seen: Seen,
    week: Week = None,
    slot: SlotRef = "",
    day: Week = None,
    move: SlotRef = "",
) -> HTMLResponse:
    """The week on an hour axis, or with `day` that one day; `slot` opens the booking panel
    for a free slot, `move` the panel that moves the visit booked in that slot."""
    extra = moving(context, caller_scope(request), clinician_id, move) if move else None
    return week_page(request, context, seen, clinician_id, week, slot, extra=extra, day=day)


def moving(context: ApiContext, scope: MemberScope, clinician_id: str, move: str) -> dict[str, Any]:
    """The move panel's choice: the visit booked in slot `move` (a visit of a member in the
    caller's scope, or NotFound) and where it could go."""
    booked = queries.visit_in_slot(context.uow_factory(), scope, ids.number(move, "move"))
    in_week(clinician_id, booked.clinician_id, move)
    now = context.clock.now()
    choice = move_choice(booked.slot_id, context.uow_factory(), now, context.policy)
    return {"moving": choice}


def in_week(clinician_id: str, owner: str, slot: object) -> None:
    """A move acts on this week only: the visit moved and the slot it goes to are both the
    clinician's whose week the guard let the caller open (docs/adr/0012, "2026-12-08 (round
    nineteen probes)"); the panel proposes nothing else, and the form may do nothing else."""
    if owner != clinician_id:
        raise InvalidInput(f"slot {slot} is not in this clinician's week")


def week_of(text: str) -> date | None:
    return forms.optional_day(text, "week")


@dataclass(frozen=True)
class WeekPost(Posted):
    """A form posted from a clinician's week: the week the page showed (`week`, as posted)
    rides along; `slot`, when set, reopens the booking panel beside a refusal."""

    seen: Viewer
    clinician_id: str
    week: str
    when: date | None
    slot: str = ""

    def again(self, notices: list[Notice], status: int, values: Values) -> Response:
        slot = self.slot if status >= 400 else ""
        return week_page(
            self.request,
            self.context,
            self.seen,
            self.clinician_id,
            self.when,
            slot,
            notices,
            status,
            values,
        )

    @property
    def back(self) -> str:
        return self.seen.link(f"/app/clinicians/{self.clinician_id}/week", week=self.week)


async def _week_post(
    clinician_id: str, request: Request, context: Context, seen: Seen, week: Field = ""
) -> WeekPost:
    return WeekPost(request, context, seen, clinician_id, week, week_of(week))


WeekForm = Annotated[WeekPost, Depends(_week_post)]


@router.post("/clinicians/{clinician_id}/week/book")
def book_slot(
    post: WeekForm,
    slot: Field = "",
    care_request: Field = "",
    move: Field = "",
    asked_by: Field = "",
    reason: Field = "",
) -> Response:
    """Book a free slot for an open request; with `move`, move the visit booked in that slot
    to `slot` instead (who asked and why kept on record)."""
    context, clinician_id = post.context, post.clinician_id
    scope = caller_scope(post.request)
    if move:
        values = {"slot": slot, "asked_by": asked_by, "reason": reason}
        fields = (slot, asked_by, reason, signed_in(post.request).subject)
        return post.act("book", _moved(context, scope, clinician_id, move, fields), values)

    def action() -> str:
        chosen = queries.slot(context.uow_factory(), slot_id(slot, clinician_id, context))
        if chosen.clinician_id != clinician_id:
            raise InvalidInput(f"slot {chosen.id} is not in this clinician's week")
        asked = ids.number(care_request, "care request")
        queries.care_request(context.uow_factory(), scope, asked)  # the caller's, or NotFound
        # The scheduler books on the phone with the member, under their own name.
        cmd = BookRequest(asked, chosen.id, signed_in(post.request).subject, Channel.PHONE)
        decision = book_request(cmd, context.uow_factory(), context.clock, context.policy)
        return booked_text(decision, context, scope)

    return replace(post, slot=slot).act("book", action, {"care_request": care_request})


def _moved(
    context: ApiContext,
    scope: MemberScope,
    clinician_id: str,
    move: str,
    fields: tuple[str, str, str, str],
) -> Callable[[], str]:
    slot, asked_by, reason, recorded_by = fields

    def action() -> str:
        uow = context.uow_factory
        booked = queries.visit_in_slot(uow(), scope, ids.number(move, "visit's slot"))
        in_week(clinician_id, booked.clinician_id, move)
        target = queries.slot(uow(), slot_id(slot, clinician_id, context))
        in_week(clinician_id, target.clinician_id, slot)
        cmd = MoveVisit(
            booked.slot_id,
            target.id,
            forms.choice(CancelledBy, asked_by, "who asked"),
            reason.strip(),
            recorded_by,
        )
        old, decision = move_visit(cmd, context.uow_factory(), context.clock, context.policy)
        fmt = formats(context)
        moved_from = f"Moved the visit of {fmt.when(old.start)} ({old.cancelled_by} asked). "
        return moved_from + booked_text(decision, context, scope)

    return action
