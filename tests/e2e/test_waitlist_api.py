"""The waitlist over FHIR, and answering an offer through its signed link (no sign-in)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import FhirClient, Region, auth_headers, matches, parameters
from locked_store import locked

from parity.adapters.message_files import load_outreach
from parity.adapters.signed_links import OfferLinks
from parity.domain.care import CareRequest, Channel, Offer, OfferResponse, RequestStatus
from parity.domain.standards import VisitType
from parity.domain.workforce import ProviderClass
from parity.entrypoints.api import create_app
from parity.services.offers import MakeOffer, make_offer
from parity.services.proposals import find_proposals
from parity.services.requests import RequestCare, open_request

SECRET = "a-test-secret-of-enough-length"


@pytest.fixture
def on(region: Region) -> Region:
    rules, messages = load_outreach()
    return Region(
        region.store, region.clock, replace(region.policy, waitlist=rules, messages=messages)
    )


@pytest.fixture
def links(on: Region) -> OfferLinks:
    return OfferLinks(SECRET, on.policy.waitlist.offer_hold)


@pytest.fixture
def waitlist_app(on: Region, links: OfferLinks) -> FastAPI:
    return create_app(locked(on.store), on.policy, on.clock, links=links)


@pytest.fixture
def client(waitlist_app: FastAPI) -> Iterator[TestClient]:
    """An admin's client: the waitlist API needs a token (tests/e2e/test_role_matrix.py
    checks the other roles)."""
    with TestClient(waitlist_app, headers=auth_headers(waitlist_app)) as found:
        yield found


@pytest.fixture
def visitor(waitlist_app: FastAPI) -> Iterator[TestClient]:
    """No token, no session: a member following the link in their message."""
    with TestClient(waitlist_app) as found:
        yield found


def _request(on: Region, member: str = "ada") -> CareRequest:
    member_record = on.store.members.get(member)
    cmd = RequestCare(
        member,
        VisitType.INITIAL,
        ProviderClass.THERAPIST,
        member_record.language,
        member_record.modalities,
        member_record.clinic_id,
    )
    return open_request(cmd, on.store, on.clock, on.policy)


def _offer(on: Region) -> Offer:
    request = _request(on)
    slot = find_proposals(request.id, on.store, on.clock, on.policy)[0].slot
    return make_offer(
        MakeOffer(request.id, slot.id, "sam", Channel.SMS), on.store, on.clock, on.policy
    )


def test_a_request_joins_is_listed_with_its_rank_and_leaves(on: Region, client: TestClient) -> None:
    api = FhirClient(client)
    first, second = _request(on, "ada"), _request(on, "dee")
    body = parameters(weekday=["mon", "wed"], earliest={"valueTime": "09:00:00"}, modality="video")
    joined = api.post(f"/ServiceRequest/{second.id}/$waitlist", body, expect=201)
    assert joined["status"] == "requested"
    assert {"type": {"text": "weekday"}, "valueCode": "wed"} in joined["input"]
    api.post(f"/ServiceRequest/{first.id}/$waitlist", parameters(), expect=201)
    listed = matches(api.get("/waitlist"))
    ranks = [(t["basedOn"][0]["reference"], t["extension"][0]["valueInteger"]) for t in listed]
    # Same standard and deadline day: the one that joined first ranks first.
    assert ranks == [(f"ServiceRequest/{second.id}", 1), (f"ServiceRequest/{first.id}", 2)]
    left = client.delete(f"/ServiceRequest/{second.id}/$waitlist")
    assert left.status_code == 200
    assert left.json()["status"] == "cancelled"
    assert len(matches(api.get("/waitlist"))) == 1


def test_joining_twice_leaving_twice_and_bad_preferences_are_clear_4xx(
    on: Region, client: TestClient
) -> None:
    api = FhirClient(client)
    request = _request(on)
    api.post(f"/ServiceRequest/{request.id}/$waitlist", parameters(), expect=201)
    twice = api.post(f"/ServiceRequest/{request.id}/$waitlist", parameters(), expect=409)
    assert "already on the waitlist" in twice["issue"][0]["diagnostics"]
    bad = api.post(
        f"/ServiceRequest/{request.id}/$waitlist", parameters(weekday="someday"), expect=422
    )
    assert "weekday" in bad["issue"][0]["diagnostics"]
    assert client.delete(f"/ServiceRequest/{request.id}/$waitlist").status_code == 200
    gone = client.delete(f"/ServiceRequest/{request.id}/$waitlist")
    assert gone.status_code == 404
    assert gone.json()["resourceType"] == "OperationOutcome"
    assert len(on.store.waitlist.list()) == 1  # nothing else was written


def test_a_signed_link_shows_the_offer_and_accepting_books_it(
    on: Region, visitor: TestClient, links: OfferLinks
) -> None:
    offer = _offer(on)
    token = links.token(offer.id)
    page = visitor.get("/app/offers/respond", params={"token": token})
    assert page.status_code == 200
    assert "Hello Ada," in page.text
    assert "Lovelace" not in page.text
    assert "Accept this time" in page.text
    done = visitor.post("/app/offers/respond", data={"token": token, "choice": "accept"})
    assert done.status_code == 200
    assert "Booked." in done.text
    assert on.store.offers.get(offer.id).response is OfferResponse.ACCEPTED
    assert on.store.offers.get(offer.id).responded_by == "member (signed link)"
    assert on.store.requests.get(offer.request_id).status is RequestStatus.BOOKED


def test_declining_through_the_link_keeps_the_refusal_and_answering_twice_is_refused(
    on: Region, visitor: TestClient, links: OfferLinks
) -> None:
    offer = _offer(on)
    token = links.token(offer.id)
    declined = visitor.post("/app/offers/respond", data={"token": token, "choice": "decline"})
    assert declined.status_code == 200
    assert "Declined." in declined.text
    assert on.store.offers.get(offer.id).response is OfferResponse.DECLINED
    again = visitor.post("/app/offers/respond", data={"token": token, "choice": "accept"})
    assert again.status_code == 409
    assert "already answered" in again.text
    assert on.store.offers.get(offer.id).response is OfferResponse.DECLINED


def test_a_tampered_link_is_refused_and_changes_nothing(
    on: Region, visitor: TestClient, links: OfferLinks
) -> None:
    offer = _offer(on)
    token = links.token(offer.id)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert visitor.get("/app/offers/respond", params={"token": tampered}).status_code == 403
    forged = OfferLinks("someone-elses-secret-key", timedelta(hours=4)).token(offer.id)
    refused = visitor.post("/app/offers/respond", data={"token": forged, "choice": "accept"})
    assert refused.status_code == 403
    assert "not valid" in refused.text
    assert on.store.offers.get(offer.id).response is OfferResponse.PENDING


def test_an_expired_link_is_refused_with_410(
    on: Region, visitor: TestClient, links: OfferLinks, monkeypatch: pytest.MonkeyPatch
) -> None:
    offer = _offer(on)
    issued = 1_700_000_000
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: issued)
    token = links.token(offer.id)
    late = issued + links.max_age.total_seconds() + 60
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: late)
    expired = visitor.post("/app/offers/respond", data={"token": token, "choice": "accept"})
    assert expired.status_code == 410
    assert "expired" in expired.text
    assert on.store.offers.get(offer.id).response is OfferResponse.PENDING
