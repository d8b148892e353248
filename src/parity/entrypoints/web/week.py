"""A clinician's week: bookable slots, bookings, protected IPC blocks (shown, never
bookable), PTO and admin time, the IPC ledger, their caseload and the follow-ups coming due.
A scheduler books a free slot for an open request from here."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from parity.domain.care import Channel
from parity.domain.errors import InvalidInput, ParityError, ProtectedTimeConflict
from parity.domain.schedule import (
    AvailabilityException,
    ExceptionKind,
    week_start_of,
)
from parity.entrypoints.api.context import ApiContext, Context
from parity.entrypoints.api.signed_in import signed_in
from parity.entrypoints.web import forms
from parity.entrypoints.web.care import MAX_ID, booked_text
from parity.entrypoints.web.forms import Field
from parity.entrypoints.web.page import Notice, PageFor, Seen, Values, act, formats, refusal, render
from parity.entrypoints.web.routing import PageRoute
from parity.entrypoints.web.week_grid import day_columns
from parity.services import page_queries, queries
from parity.services.booking import BookRequest, book_request
from parity.services.courses import exception_todos
from parity.services.page_queries import SlotChoice
from parity.services.schedules import AddException, add_availability_exception

router = APIRouter(route_class=PageRoute)

FORMS = ("book", "pto")
Week = Annotated[date | None, Query(description="any day of the week (YYYY-MM-DD)")]
SlotRef = Annotated[str, Query(max_length=200)]


def _choice(context: ApiContext, clinician_id: str, slot: str) -> SlotChoice | None:
    """The free slot the booking panel is for; protected time is refused outright."""
    if not slot:
        return None
    found = page_queries.slot_choice(
        context.uow_factory(), context.policy, slot_id(slot, clinician_id, context)
    )
    if found.slot.clinician_id != clinician_id:
        raise InvalidInput(f"slot {found.slot.id} is not in this clinician's week")
    return found


def slot_id(text: str, clinician_id: str, context: ApiContext) -> int:
    """A slot id from a form; an IPC block's id (`ipc-{clinician}-{epoch}`, as the FHIR API
    names them) is refused: no booking path may consume protected time."""
    if text.startswith("ipc-"):
        owner, _, epoch = text.removeprefix("ipc-").rpartition("-")
        if owner != clinician_id or not epoch.isdigit():
            raise InvalidInput(f"{text!r} is not one of this clinician's blocks")
        start = datetime.fromtimestamp(int(epoch), tz=context.policy.rules.timezone)
        block = queries.protected_block(context.uow_factory(), owner, start)
        raise ProtectedTimeConflict(
            f"{formats(context).when(block.start)}–{formats(context).clock(block.end)} is "
            f"protected indirect-patient-care time under {context.policy.contract.name}; "
            "no booking path may consume it",
        )
    return forms.whole(text, "slot", 1, MAX_ID)


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
) -> HTMLResponse:
    fmt = formats(context)
    start = week_start_of(when or fmt.today)
    week = page_queries.clinician_week(context.uow_factory(), context.policy, clinician_id, start)
    notices = list(notices or [])
    try:
        choice = _choice(context, clinician_id, slot)
    except ParityError as error:
        choice, status = None, error.http_status
        if refusal(error, "book") not in notices:  # a refused post already carries it
            notices.append(refusal(error, "book"))
    page = {
        "title": f"{week.clinician.name}: week of {fmt.day(start)}",
        "nav": "clinicians",
        "forms": FORMS,
        "seen": seen,
        "week": week,
        "days": day_columns(week, context.policy.rules.timezone, context.clock.now()),
        "choice": choice,
        "clinic_names": {c.id: c.name for c in queries.clinics(context.uow_factory())},
        "previous": (start - timedelta(weeks=1)).isoformat(),
        "next": (start + timedelta(weeks=1)).isoformat(),
        "form": dict(values or {}),
        "todos": exception_todos(clinician_id, context.uow_factory()),
    }
    return render(request, context, "week.html.j2", page, status=status, notices=notices)


@router.get("/clinicians")
def clinicians(
    request: Request, context: Context, clinic: Annotated[str, Query(max_length=100)] = ""
) -> HTMLResponse:
    search = queries.ClinicianSearch(clinic_id=clinic or None)
    page = {
        "title": "Clinicians",
        "nav": "clinicians",
        "clinicians": queries.clinicians(context.uow_factory(), search),
        "clinic_names": {c.id: c.name for c in queries.clinics(context.uow_factory())},
        "clinic": clinic,
    }
    return render(request, context, "clinicians.html.j2", page)


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
) -> HTMLResponse:
    return week_page(request, context, seen, clinician_id, week, slot)


def _again(
    request: Request,
    context: ApiContext,
    seen: Seen,
    clinician_id: str,
    when: date | None,
    slot: str = "",
) -> PageFor:
    def page(notices: list[Notice], status: int, values: Values) -> Response:
        return week_page(
            request,
            context,
            seen,
            clinician_id,
            when,
            slot if status >= 400 else "",
            notices,
            status,
            values,
        )

    return page


def _week_of(text: str) -> date | None:
    return forms.optional_day(text, "week")


@router.post("/clinicians/{clinician_id}/week/book")
def book_slot(
    clinician_id: str,
    request: Request,
    context: Context,
    seen: Seen,
    slot: Field = "",
    care_request: Field = "",
    week: Field = "",
) -> Response:
    when = _week_of(week)

    def action() -> str:
        chosen = slot_id(slot, clinician_id, context)
        asked = forms.whole(care_request, "care request", 1, MAX_ID)
        # The scheduler books on the phone with the member, under their own name.
        cmd = BookRequest(asked, chosen, signed_in(request).subject, Channel.PHONE)
        return booked_text(
            book_request(cmd, context.uow_factory(), context.clock, context.policy), context
        )

    back = seen.link(f"/app/clinicians/{clinician_id}/week", week=week)
    page = _again(request, context, seen, clinician_id, when, slot)
    return act(request, "book", action, page, back, {"care_request": care_request})


@router.post("/clinicians/{clinician_id}/pto")
def add_pto(
    clinician_id: str,
    request: Request,
    context: Context,
    seen: Seen,
    start: Field = "",
    end: Field = "",
    reason: Field = "",
    week: Field = "",
) -> Response:
    """PTO: free slots under it are withdrawn, and visits booked in it are cancelled by the
    clinic (their requests re-open with their original deadlines)."""
    tz = context.policy.rules.timezone

    def action() -> str:
        absence = AvailabilityException(
            clinician_id,
            ExceptionKind.PTO,
            forms.local_moment(start, "start", tz),
            forms.local_moment(end, "end", tz),
            reason.strip(),
        )
        add_availability_exception(
            AddException(absence), context.uow_factory(), context.policy, context.clock
        )
        fmt = formats(context)
        return f"PTO recorded from {fmt.when(absence.start)} to {fmt.when(absence.end)}."

    values = {"start": start, "end": end, "reason": reason}
    back = seen.link(f"/app/clinicians/{clinician_id}/week", week=week)
    return act(
        request,
        "pto",
        action,
        _again(request, context, seen, clinician_id, _week_of(week)),
        back,
        values,
    )
