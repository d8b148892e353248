"""Answer an offer through the signed link in the member's message, without signing in:
the signature is the credential (adapters/signed_links.py). GET shows the offer with
Accept and Decline; POST acts. A tampered link is refused (403), an expired one too (410),
and an offer already answered says so (409). Public by design: the route needs no login,
only a valid, unexpired token, and it shows only first name, time and clinic.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from parity.adapters.signed_links import OfferLinks
from parity.domain.care import OfferResponse
from parity.domain.errors import InvalidTransition
from parity.domain.messages import first_name
from parity.domain.users import Principal, Role
from parity.entrypoints.api.context import ApiContext, Context
from parity.entrypoints.security.passage import speaks_for
from parity.entrypoints.web.page import render
from parity.entrypoints.web.routing import PageRoute
from parity.services import scoping
from parity.services.offers import AnswerOffer, respond_to_offer
from parity.services.outbox import local_when

router = APIRouter(route_class=PageRoute)

ANSWERED_BY = "member (signed link)"
Token = Annotated[str, Query(min_length=1, max_length=500)]


def offer_links(request: Request) -> OfferLinks:
    links = request.app.state.offer_links
    if not isinstance(links, OfferLinks):
        raise TypeError("the app was not built by create_app")
    return links


def _holder(request: Request, member_id: str, offer_id: int) -> Principal:
    """The link's holder, who is the member the offer was made to (docs/adr/0009): the audit
    event of this request names them, the offer and the member (docs/adr/0012)."""
    who = Principal(ANSWERED_BY, Role.MEMBER, member_id=member_id)
    speaks_for(request.scope, who, f"offer-{offer_id}")
    scoping.note({member_id})
    return who


def _shown(request: Request, context: ApiContext, offer_id: int) -> dict[str, object]:
    """What the page may say: first name, time, clinic, and the offer's state."""
    with context.uow_factory() as uow:
        offer = uow.offers.get(offer_id)
        care = uow.requests.get(offer.request_id)
        members = uow.members.where(id=care.member_id)
        slot = uow.slots.get(offer.slot_id)
        clinic = uow.clinics.get(slot.clinic_id).name
    _holder(request, care.member_id, offer_id)
    return {
        "offer": offer,
        "name": first_name(members[0].name) if members else "there",
        "when": local_when(offer.slot_start, context.policy.rules.timezone),
        "clinic": clinic,
        "pending": offer.response is OfferResponse.PENDING,
    }


def _page(request: Request, context: ApiContext, token: str, **extra: object) -> HTMLResponse:
    offer_id = offer_links(request).offer_id(token)
    values = {"title": "Your offered appointment", "nav": "", "token": token}
    return render(
        request,
        context,
        "offer_respond.html.j2",
        values | _shown(request, context, offer_id) | extra,
    )


@router.get("/offers/respond")
def show_offer(request: Request, context: Context, token: Token) -> HTMLResponse:
    return _page(request, context, token, done="")


@router.post("/offers/respond")
def answer(
    request: Request,
    context: Context,
    token: Annotated[str, Form(min_length=1, max_length=500)],
    choice: Annotated[str, Form(pattern="^(accept|decline)$")],
) -> HTMLResponse:
    offer_id = offer_links(request).offer_id(token)
    with context.uow_factory() as uow:
        offer = uow.offers.get(offer_id)
        member = uow.requests.get(offer.request_id).member_id
    if offer.response is not OfferResponse.PENDING:
        raise InvalidTransition(f"this offer was already answered ({offer.response})")
    # The signed link is the member's credential for this offer, and its holder is the
    # member (docs/adr/0009): answered as the member, through the portal.
    who = _holder(request, member, offer_id)
    cmd = AnswerOffer(offer_id, choice == "accept", who)
    respond_to_offer(cmd, context.uow_factory(), context.clock, context.policy)
    return _page(request, context, token, done=choice)
