"""One care request: its evidence trail (for managers and auditors) and, while it is open,
what a scheduler does with it: book one of the ranked offers from `$find`, record an offer
the member declined, document a clinical exception, or refer it out of network; record what
the member said (a later date of their own, or a withdrawal: the channel they used and the
contact note), and the plan's prior-authorisation determination (docs/adr/0013, 2026-12-07
evening; docs/adr/0016, 2026-12-07 (night))."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from parity.domain import ids
from parity.domain.calendar import local_instant, reachable
from parity.domain.care import CareRequest, Channel, Decision, RequestStatus
from parity.domain.errors import InvalidInput, NotFound, UnknownStandard
from parity.domain.scope import MemberScope
from parity.domain.standards import AccessStandard, RuleSet, VisitType
from parity.domain.users import Principal
from parity.domain.workforce import Clinician
from parity.entrypoints.api.context import ApiContext, Context
from parity.entrypoints.api.signed_in import signed_in
from parity.entrypoints.security.scope import Scope
from parity.entrypoints.web import forms
from parity.entrypoints.web.formatting import short_citation
from parity.entrypoints.web.forms import Field
from parity.entrypoints.web.page import (
    Notice,
    PageFor,
    Posted,
    Values,
    act,
    formats,
    redirect,
    render,
)
from parity.entrypoints.web.routing import PageRoute
from parity.services import page_queries, queries
from parity.services.booking import BookRequest, book_request
from parity.services.offers import AnswerOffer, MakeOffer, answer_offer, make_offer
from parity.services.prior_authorization import RecordPriorAuthorization, record_prior_authorization
from parity.services.proposals import Proposal, find_proposals
from parity.services.requests import (
    PreferLater,
    RecordClinicalException,
    ReferOutOfNetwork,
    WithdrawRequest,
    prefer_later_date,
    record_clinical_exception,
    refer_out_of_network,
    withdraw_request,
)

router = APIRouter(route_class=PageRoute)

FORMS = ("book", "exception", "refer", "offer", "later", "withdraw", "authorization")


@dataclass(frozen=True)
class Offerable:
    """A ranked `$find` proposal with the clinician who would see the member."""

    proposal: Proposal
    clinician: Clinician


def offerable(context: ApiContext, scope: MemberScope, request_id: int) -> list[Offerable]:
    proposals = find_proposals(request_id, context.uow_factory(), context.clock, context.policy)
    seen = queries.candidates(context.uow_factory(), scope, request_id, [p.slot for p in proposals])
    return [Offerable(p, c.clinician) for p, c in zip(proposals, seen, strict=True)]


@dataclass(frozen=True)
class Authorization:
    """What recording the plan's prior-authorisation determination now would do: the
    standard and deadline the rule file gives with it (`RuleSet.governing`), and whether
    the urgent deadline still runs (made after it, it is kept and moves nothing)."""

    standard: AccessStandard
    deadline: datetime
    in_time: bool


def authorization_for(request: CareRequest, rules: RuleSet, now: datetime) -> Authorization | None:
    """The determination a page may offer to record, or None where none can be: the request
    is closed or already has one, it is not urgent (prior authorisation changes only the
    urgent standard), or the rule file names no standard for it."""
    if request.status is not RequestStatus.OPEN or request.prior_authorization_at is not None:
        return None
    if request.visit is not VisitType.URGENT:
        return None
    try:
        standard, deadline = rules.governing(
            request.visit, request.provider_class, request.clock_start, prior_authorization=True
        )
    except UnknownStandard:
        return None
    return Authorization(standard, deadline, now <= request.deadline)


def request_page(
    request: Request,
    context: ApiContext,
    scope: MemberScope,
    request_id: int,
    notices: list[Notice] | None = None,
    status: int = 200,
    values: Mapping[str, str] | None = None,
) -> HTMLResponse:
    now = context.clock.now()
    uow = context.uow_factory()
    record = page_queries.request_record(uow, scope, context.policy, request_id, now)
    is_open = record.request.status is RequestStatus.OPEN
    page = {
        "title": f"Care request #{request_id}",
        "nav": "queue",
        "forms": FORMS,
        "record": record,
        "standard": context.policy.rules.standard(record.request.standard),
        "proposals": offerable(context, scope, request_id) if is_open else [],
        "is_open": is_open,
        "clinic_names": {c.id: c.name for c in queries.clinics(context.uow_factory())},
        "form": dict(values or {}),
        "authorization": authorization_for(record.request, context.policy.rules, now),
        "earliest_later": (formats(context).today + timedelta(days=1)).isoformat(),
        "referral_rule": short_citation(
            context.policy.rules.citations.get("out_of_network", "SB 855")
        ),
    }
    return render(request, context, "request.html.j2", page, status=status, notices=notices)


@dataclass(frozen=True)
class CarePost(Posted):
    """A form posted from a care request's page; the request must be the caller's."""

    scope: MemberScope
    request_id: int

    def again(self, notices: list[Notice], status: int, values: Values) -> Response:
        return request_page(
            self.request, self.context, self.scope, self.request_id, notices, status, values
        )

    @property
    def back(self) -> str:
        return f"/app/requests/{self.request_id}"

    def mine(self, slot: str | None = None) -> int:
        """Check the request is the caller's to act on (`NotFound` otherwise) and the slot,
        when one is named, exists; any slot serving the request may be booked or offered for
        it (docs/adr/0012, evening of 2026-12-07). Returns the slot's id (0 when none)."""
        uow = self.context.uow_factory
        queries.care_request(uow(), self.scope, self.request_id)
        if slot is None:
            return 0
        return queries.slot(uow(), slot_field(slot)).id


async def _care_post(request_id: int, request: Request, context: Context, scope: Scope) -> CarePost:
    return CarePost(request, context, scope, request_id)


CareForm = Annotated[CarePost, Depends(_care_post)]


@router.get("/requests")
def find_request(number: Annotated[str, Query(alias="id", max_length=20)] = "") -> Response:
    """The evidence lookup: `?id=N` opens request N (an auditor's first question)."""
    wanted = ids.number(number.strip().lstrip("#"), "request number")
    return RedirectResponse(f"/app/requests/{wanted}", status_code=303)


@router.get("/requests/{request_id}")
def show_request(request_id: int, request: Request, context: Context, scope: Scope) -> HTMLResponse:
    return request_page(request, context, scope, request_id)


def booked_text(decision: Decision, context: ApiContext, scope: MemberScope) -> str:
    """What a booking did, in words: when, with whom, and how the law counts it."""
    if decision.appointment_id is None:
        return f"No timely slot: request #{decision.request_id} was {decision.action}"
    visit = queries.visit(context.uow_factory(), scope, decision.appointment_id)
    clinician = queries.clinician(context.uow_factory(), visit.appointment.clinician_id)
    fmt = formats(context)
    timely = "within" if decision.timely else "after"
    return (
        f"Booked {fmt.when(visit.appointment.start)} with {clinician.name} "
        f"({visit.appointment.modality}): {timely} the {decision.standard} standard, "
        f"deadline {fmt.when(decision.deadline)}."
    )


def slot_field(value: str) -> int:
    return ids.number(value, "slot")


def channel_field(value: str) -> Channel:
    """How the member was reached or answered: phone, portal, sms, email, in-person, letter."""
    try:
        return Channel(value.strip())
    except ValueError:
        names = ", ".join(c.value for c in Channel)
        raise InvalidInput(f"channel must be one of {names}") from None


@router.post("/requests/{request_id}/book")
def book(post: CareForm, slot: Field = "", channel: Field = "") -> Response:
    context = post.context

    def action() -> str:
        # Booked by the scheduler on the phone with the member: recorded under their name.
        who = signed_in(post.request).subject
        chosen = post.mine(slot)
        cmd = BookRequest(post.request_id, chosen, who, channel_field(channel or "phone"))
        decision = book_request(cmd, context.uow_factory(), context.clock, context.policy)
        return booked_text(decision, context, post.scope)

    return post.act("book", action, {"slot": slot})


@router.post("/requests/{request_id}/decline")
def record_declined(
    post: CareForm, slot: Field = "", channel: Field = "", note: Field = ""
) -> Response:
    """The member was offered this slot and said no: the offer (by the signed-in scheduler,
    through `channel`) and the refusal (with its contact note) are kept as evidence; a
    timely one counts as compliant (28 CCR §1300.67.2.2(c)(5))."""
    context = post.context

    def action() -> str:
        principal = signed_in(post.request)
        who = principal.subject
        via = channel_field(channel)
        if not note.strip():
            raise InvalidInput("a refusal recorded by staff needs a contact note")
        made = make_offer(
            MakeOffer(post.request_id, post.mine(slot), who, via),
            context.uow_factory(),
            context.clock,
            context.policy,
        )
        cmd = AnswerOffer(made.id, False, principal, via, note)
        answer_offer(cmd, context.uow_factory(), context.clock, context.policy)
        kind = "timely offer: the request counts as compliant" if made.timely else "late offer"
        return f"Recorded offer #{made.id} as declined ({via}, recorded by {who}; {kind}); the slot is free again."

    return post.act("offer", action, {"slot": slot, "channel": channel, "note": note})


@router.post("/requests/{request_id}/offers/{offer_id}")
def answer_pending(
    offer_id: int, post: CareForm, answer: Field = "", channel: Field = "", note: Field = ""
) -> Response:
    context = post.context

    def action() -> str:
        if answer not in ("accept", "decline"):
            raise InvalidInput("answer must be accept or decline")
        principal = signed_in(post.request)
        who = principal.subject
        _, care = queries.offer(context.uow_factory(), post.scope, offer_id)
        if care.id != post.request_id:  # an offer is answered only through its own request
            raise NotFound(f"offer {offer_id} of request {post.request_id} not found")
        cmd = AnswerOffer(offer_id, answer == "accept", principal, channel_field(channel), note)
        answered = answer_offer(cmd, context.uow_factory(), context.clock, context.policy)
        if isinstance(answered, Decision):
            return booked_text(answered, context, post.scope)
        return (
            f"Offer #{offer_id} recorded as declined (recorded by {who}); the slot is free again."
        )

    return post.act("offer", action)


@router.post("/requests/{request_id}/exception")
def clinical_exception(
    post: CareForm, reason: Field = "", extended_deadline: Field = "", from_week: Field = ""
) -> Response:
    """28 CCR §1300.67.2.2(c)(5)(G): the signed-in treating or referring clinician notes
    that a longer wait will not harm the member; who (from the session), when (the server)
    and why are kept. After the legal deadline it is kept as a late determination."""
    context = post.context
    tz = context.policy.rules.timezone

    def action() -> str:
        post.mine()
        cmd = RecordClinicalException(
            post.request_id,
            signed_in(post.request),
            forms.text(reason, "reason"),
            forms.end_of_day(extended_deadline, "extended deadline", tz),
        )
        recorded = record_clinical_exception(cmd, context.uow_factory(), context.clock)
        if recorded.late:
            return (
                "Recorded as a late determination: it was documented after the legal deadline, "
                "so the request stays late."
            )
        return f"Clinical exception recorded: the deadline is now {formats(context).when(recorded.extended_deadline)}."

    values = {"reason": reason, "extended_deadline": extended_deadline}
    if from_week:
        # From the clinician's to-do list: back to their week, the message riding along.
        week = f"/app/clinicians/{ids.text_id(from_week, 'clinician')}/week"
        return act(post.request, "exception", action, _back_to(week), week, values)
    return post.act("exception", action, values)


def _back_to(url: str) -> PageFor:
    def page(notices: list[Notice], status: int, values: Values) -> Response:
        return redirect(url, notices[0] if notices else None)

    return page


@router.post("/requests/{request_id}/refer")
def refer(post: CareForm, reason: Field = "") -> Response:
    """SB 855: when the network cannot offer timely care, out-of-network care at in-network
    cost sharing; never a silent late booking."""

    def action() -> str:
        post.mine()
        # Arranged by the signed-in user: the evidence names them, never a role's label.
        who = signed_in(post.request).subject
        cmd = ReferOutOfNetwork(post.request_id, forms.text(reason, "reason for the referral"), who)
        referral = refer_out_of_network(cmd, post.context.uow_factory(), post.context.clock)
        return f"Referred out of network (referral #{referral.id}) at in-network cost sharing."

    return post.act("refer", action, {"reason": reason})


# -- what the member said, and the plan's determination (docs/adr/0013, 2026-12-07 evening) --


def later_date(value: str, tz: ZoneInfo) -> datetime:
    """The member's later date: from the start of that clinic-local day, as the API reads
    `$prefer-later`'s `date` (the law's dates are the clinic's dates)."""
    day = forms.day(value, "the later date")
    return reachable(local_instant(datetime.combine(day, time(0)), tz), value)


def members_word(request: Request, channel: str) -> tuple[Principal, Channel | None]:
    """Who records the member's act (the session, never the form) and the channel given
    (None when none was). The service decides from the principal's role what is enough
    (`requests.members_word`: staff give the channel and the contact note)."""
    return signed_in(request), channel_field(channel) if channel.strip() else None


@router.post("/requests/{request_id}/prefer-later")
def prefer_later(
    post: CareForm, date: Field = "", channel: Field = "", note: Field = ""
) -> Response:
    """The member asks for a date after the one the plan can offer, told to the signed-in
    user through `channel` (the contact note says when and what): kept as evidence, and the
    request is booked from that date (`prefer_later_date`, as `$prefer-later`)."""
    context = post.context

    def action() -> str:
        post.mine()
        who, via = members_word(post.request, channel)
        start = later_date(date, context.policy.rules.timezone)
        cmd = PreferLater(post.request_id, start, who, via, note)
        found = prefer_later_date(cmd, context.uow_factory(), context.clock)
        return (
            f"Recorded: the member asks to be seen from {formats(context).day(start)} "
            f"(via {found.preference_channel}, recorded by {who.subject}). The request stays "
            "open and is booked from that date."
        )

    values = {"later_date": date, "later_channel": channel, "later_note": note}
    return post.act("later", action, values)


@router.post("/requests/{request_id}/withdraw")
def withdraw(post: CareForm, channel: Field = "", note: Field = "") -> Response:
    """The member no longer wants this care, as they told the signed-in user through
    `channel` (the contact note says when and what): the request closes
    (`withdraw_request`, as `$withdraw`)."""
    context = post.context

    def action() -> str:
        post.mine()
        who, via = members_word(post.request, channel)
        cmd = WithdrawRequest(post.request_id, who, via, note)
        found = withdraw_request(cmd, context.uow_factory(), context.clock)
        return (
            f"Request #{found.id} withdrawn at the member's wish (via "
            f"{found.withdrawal_channel}, recorded by {who.subject}); it is closed."
        )

    return post.act("withdraw", action, {"withdraw_channel": channel, "withdraw_note": note})


@router.post("/requests/{request_id}/prior-authorization")
def prior_authorization(post: CareForm) -> Response:
    """Record the plan's determination that this urgent request needs prior authorisation,
    under the signed-in staff or clinical user, now (`record_prior_authorization`, as
    `$prior-authorization`). Made by the urgent deadline it moves the deadline to the rule
    file's standard with prior authorisation; made after, it is kept and moves nothing."""
    context = post.context

    def action() -> str:
        post.mine()
        who = signed_in(post.request)
        cmd = RecordPriorAuthorization(post.request_id, who)
        found = record_prior_authorization(
            cmd, context.uow_factory(), context.clock, context.policy
        )
        due = formats(context).when(found.deadline)
        if found.authorization_applies:
            return (
                f"Prior authorisation recorded by {who.subject}: the {found.standard} "
                f"standard applies, deadline {due}."
            )
        return (
            f"Prior authorisation recorded by {who.subject} after the urgent deadline: kept "
            f"as evidence; the deadline stays {due}."
        )

    return post.act("authorization", action)
