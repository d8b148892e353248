"""The member's own view: my appointments, my offers, request care and book one of the
offered times, cancel; ask for a later date than offered, or withdraw a waiting request
(through the portal: docs/adr/0013, 2026-12-07 evening). Whose view it is comes from the
signed-in session (`viewer`); every action checks the record is that member's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from parity.domain import ids
from parity.domain.care import (
    AppointmentStatus,
    CancelledBy,
    CareRequest,
    Channel,
    Decision,
    RequestStatus,
)
from parity.domain.errors import InvalidInput
from parity.domain.members import Member
from parity.domain.scope import MemberScope
from parity.domain.standards import VisitType
from parity.domain.workforce import Modality, ProviderClass
from parity.entrypoints.api.context import ApiContext, Context
from parity.entrypoints.api.signed_in import signed_in
from parity.entrypoints.security.scope import caller_scope
from parity.entrypoints.web import forms
from parity.entrypoints.web.care import (
    Offerable,
    booked_text,
    later_date,
    offerable,
)
from parity.entrypoints.web.forms import Field, Fields
from parity.entrypoints.web.page import Notice, Posted, Seen, Values, Viewer, formats, render
from parity.entrypoints.web.routing import PageRoute
from parity.services import queries
from parity.services.booking import BookRequest, book_request
from parity.services.offers import AnswerOffer, answer_offer
from parity.services.requests import (
    PreferLater,
    RequestCare,
    WithdrawRequest,
    open_request,
    prefer_later_date,
    withdraw_request,
)
from parity.services.visits import CancelAppointment, cancel_appointment

router = APIRouter(route_class=PageRoute)

BOOKED_BY = "member (online)"
FORMS = ("request", "book", "cancel", "offer", "later", "withdraw")
TIMES_SHOWN = 3


@dataclass(frozen=True)
class OpenRequest:
    care: CareRequest
    times: list[Offerable]


def _member(context: ApiContext, scope: MemberScope, seen: Viewer) -> Member:
    """The member whose page this is; only a member in the caller's scope (docs/adr/0012)."""
    if seen.role != "member":
        raise InvalidInput("this page is a member's own view: open it as ?as=member:ID")
    return queries.member(context.uow_factory(), scope, seen.id)


def member_page(
    request: Request,
    context: ApiContext,
    seen: Viewer,
    notices: list[Notice] | None = None,
    status: int = 200,
    values: Values | None = None,
) -> HTMLResponse:
    scope = caller_scope(request)
    member = _member(context, scope, seen)
    uow = context.uow_factory
    visits = queries.search_visits(uow(), scope, queries.AppointmentSearch(member_id=member.id))
    requests = queries.search_requests(uow(), scope, member.id, None)
    waiting = [r for r in requests if r.status is RequestStatus.OPEN]
    evidence = queries.evidence(uow(), scope, None, member.id)
    now = context.clock.now()
    page = {
        "title": f"{member.name}: my care",
        "heading": "My care",
        "nav": "member",
        "forms": FORMS,
        "seen": seen,
        "member": member,
        "upcoming": [
            v
            for v in visits
            if v.appointment.status is AppointmentStatus.BOOKED and v.appointment.end > now
        ],
        "past": [
            v
            for v in visits
            if not (v.appointment.status is AppointmentStatus.BOOKED and v.appointment.end > now)
        ][::-1],
        "offers": [o for e in evidence for o in e.offers if o.response.value == "pending"],
        "waiting": [OpenRequest(r, offerable(context, scope, r.id)[:TIMES_SHOWN]) for r in waiting],
        "clinicians": {c.id: c.name for c in queries.clinicians(uow())},
        "clinic_names": {c.id: c.name for c in queries.clinics(uow())},
        "prior_options": [
            (str(v.appointment.id), formats(context).when(v.appointment.start))
            for v in visits
            if v.appointment.status is not AppointmentStatus.CANCELLED
        ],
        "provider_classes": [p.value for p in ProviderClass],
        "modalities": [m.value for m in Modality],
        "form": dict(values or {}),
        "earliest_later": (formats(context).today + timedelta(days=1)).isoformat(),
    }
    return render(request, context, "member.html.j2", page, status=status, notices=notices)


@router.get("/me")
def my_care(
    request: Request,
    context: Context,
    seen: Seen,
    member: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    if member.strip():
        return RedirectResponse(Viewer("member", member.strip()).link("/app/me"), status_code=303)
    if seen.role != "member":
        page = {"title": "Member view", "nav": "member"}
        return render(request, context, "member_choose.html.j2", page)
    return member_page(request, context, seen)


@dataclass(frozen=True)
class MemberPost(Posted):
    """A form posted from the member's own page; every action is checked to be theirs."""

    seen: Viewer

    def again(self, notices: list[Notice], status: int, values: Values) -> Response:
        return member_page(self.request, self.context, self.seen, notices, status, values)

    @property
    def back(self) -> str:
        return self.seen.link("/app/me")

    @property
    def scope(self) -> MemberScope:
        return caller_scope(self.request)

    def member(self) -> Member:
        return _member(self.context, self.scope, self.seen)


async def _member_post(request: Request, context: Context, seen: Seen) -> MemberPost:
    return MemberPost(request, context, seen)


MemberForm = Annotated[MemberPost, Depends(_member_post)]


def _prior(context: ApiContext, scope: MemberScope, member: Member, text: str) -> queries.Visit:
    visit = queries.visit(context.uow_factory(), scope, ids.number(text, "previous visit"))
    if visit.appointment.member_id != member.id:
        raise InvalidInput("that visit is not one of yours")
    return visit


def care_asked(
    context: ApiContext,
    scope: MemberScope,
    member: Member,
    values: Values,
    modality: list[str],
) -> RequestCare:
    """The request a member makes: their own language and clinic; a follow-up names the
    visit it follows (SB 221: its clock starts there, with the same clinician first)."""
    visit = forms.choice(VisitType, values["visit"], "kind of visit")
    # A repeated box (modality=video twice, or thousands of times in a forged post) is one
    # choice: the request stores each modality once.
    chosen = tuple(dict.fromkeys(forms.choice(Modality, m, "modality") for m in modality))
    prior = (
        _prior(context, scope, member, values["prior"]).appointment
        if visit is VisitType.FOLLOW_UP
        else None
    )
    return RequestCare(
        member_id=member.id,
        visit=visit,
        provider_class=forms.choice(ProviderClass, values["provider_class"], "kind of clinician"),
        language=values["language"].strip().lower() or member.language,
        modalities=chosen,
        clinic_id=member.clinic_id,
        preferred_clinician_id=prior.clinician_id if prior else None,
        prior_appointment_start=prior.start if prior else None,
        prior_appointment_id=prior.id if prior else None,
    )


@router.post("/me/requests")
def request_care(
    post: MemberForm,
    visit: Field = "",
    provider_class: Field = "",
    language: Field = "",
    modality: Fields = [],  # noqa: B006 - FastAPI reads the default, it is never mutated
    prior: Field = "",
) -> Response:
    values = {
        "visit": visit,
        "provider_class": provider_class,
        "language": language,
        "prior": prior,
    }
    context = post.context

    def action() -> str:
        cmd = care_asked(context, post.scope, post.member(), values, modality)
        opened = open_request(cmd, context.uow_factory(), context.clock, context.policy)
        due = formats(context).when(opened.deadline)
        return f"Request #{opened.id} made: by law you must be offered a visit by {due}. Its times are listed on this page under “Times for my … request”."

    return post.act("request", action, values)


@router.post("/me/requests/{request_id}/book")
def book_time(request_id: int, post: MemberForm, slot: Field = "") -> Response:
    context = post.context

    def action() -> str:
        _own_request(post, request_id)
        # The member's own acceptance, through the portal, under their signed-in name.
        who = signed_in(post.request).subject
        cmd = BookRequest(request_id, ids.number(slot, "time"), who, Channel.PORTAL)
        decision = book_request(cmd, context.uow_factory(), context.clock, context.policy)
        return booked_text(decision, context, post.scope)

    return post.act("book", action)


@router.post("/me/appointments/{appointment_id}/cancel")
def cancel(appointment_id: int, post: MemberForm) -> Response:
    """A member's cancellation closes the request (and is compliant; they may ask again)."""
    context = post.context

    def action() -> str:
        visit = queries.visit(context.uow_factory(), post.scope, appointment_id)
        if visit.appointment.member_id != post.member().id:
            raise InvalidInput(f"appointment #{appointment_id} is not yours")
        cmd = CancelAppointment(
            appointment_id, CancelledBy.MEMBER, "cancelled by the member online"
        )
        cancelled = cancel_appointment(cmd, context.uow_factory(), context.clock, context.policy)
        return f"Cancelled your visit of {formats(context).when(cancelled.start)}."

    return post.act("cancel", action)


@router.post("/me/offers/{offer_id}")
def answer_my_offer(offer_id: int, post: MemberForm, answer: Field = "") -> Response:
    context = post.context

    def action() -> str:
        offer, care = queries.offer(context.uow_factory(), post.scope, offer_id)
        if care.member_id != post.member().id:
            raise InvalidInput(f"offer #{offer_id} is not yours")
        if answer not in ("accept", "decline"):
            raise InvalidInput("answer must be accept or decline")
        cmd = AnswerOffer(offer.id, answer == "accept", signed_in(post.request), Channel.PORTAL)
        answered = answer_offer(cmd, context.uow_factory(), context.clock, context.policy)
        if isinstance(answered, Decision):
            return booked_text(answered, context, post.scope)
        return f"You declined the offer of {formats(context).when(offer.slot_start)}."

    return post.act("offer", action)


def _own_request(post: MemberPost, request_id: int) -> CareRequest:
    """The member's own request (`NotFound` outside their records, as the API answers)."""
    care = queries.care_request(post.context.uow_factory(), post.scope, request_id)
    if care.member_id != post.member().id:
        raise InvalidInput(f"request #{request_id} is not yours")
    return care


@router.post("/me/requests/{request_id}/prefer-later")
def prefer_later(request_id: int, post: MemberForm, date: Field = "") -> Response:
    """The member's own later date, through the portal: the request stays open and is
    booked from that date (`prefer_later_date`, as `$prefer-later`)."""
    context = post.context

    def action() -> str:
        _own_request(post, request_id)
        start = later_date(date, context.policy.rules.timezone)
        cmd = PreferLater(request_id, start, signed_in(post.request), Channel.PORTAL)
        prefer_later_date(cmd, context.uow_factory(), context.clock)
        return (
            f"Noted: you would like to be seen from {formats(context).day(start)}. "
            f"Request #{request_id} stays open, and times from that date are looked for."
        )

    return post.act("later", action, {"later_date": date, "later_request": str(request_id)})


@router.post("/me/requests/{request_id}/withdraw")
def withdraw(request_id: int, post: MemberForm) -> Response:
    """The member withdraws their own waiting request, through the portal
    (`withdraw_request`, as `$withdraw`)."""
    context = post.context

    def action() -> str:
        _own_request(post, request_id)
        cmd = WithdrawRequest(request_id, signed_in(post.request), Channel.PORTAL)
        withdraw_request(cmd, context.uow_factory(), context.clock)
        return f"Request #{request_id} withdrawn. You can ask for care again at any time."

    return post.act("withdraw", action)
