"""Leave does no silent harm (docs/adr/0016-pages-for-each-role.md): PTO over a booked visit
lists it and asks first; confirmed, the member is offered a timely slot through the
waitlist and the notice names them; the PTO can then be changed or removed."""

from __future__ import annotations

from browser_region import LA, THERAPIST
from browser_support import Site, shoot, sign_in
from playwright.sync_api import Page, expect

from parity.domain.care import AppointmentStatus, OfferResponse
from parity.services.booking import BookRequest, book_request


def _book_ada(site: Site) -> int:
    """Ada's SB 221 follow-up, booked with Clinician 1 through the services."""
    region = site.region
    decision = book_request(
        BookRequest(region.follow_up_request), site.uow(), region.clock, region.policy
    )
    assert decision.action == "booked"
    return decision.appointment_id or 0


def test_pto_over_a_booked_visit_asks_first_then_offers_the_member_a_timely_slot(
    waitlist_site: Site, page: Page
) -> None:
    site = waitlist_site
    visit_id = _book_ada(site)
    with site.uow() as uow:
        visit = uow.appointments.get(visit_id)
    start = visit.start.astimezone(LA)
    sign_in(page, site, "scheduler")
    page.goto(site.url(f"/app/clinicians/{THERAPIST}/week?week={start.date().isoformat()}"))
    page.get_by_label("From").first.fill(f"{start:%Y-%m-%dT%H:%M}")
    page.get_by_label("Until").first.fill(f"{visit.end.astimezone(LA):%Y-%m-%dT%H:%M}")
    page.get_by_label("Reason (optional)").first.fill("training day")
    page.get_by_role("button", name="Record PTO").click()

    confirm = page.locator("#confirm-absence")
    expect(confirm).to_contain_text("cancels 1 booked visit")
    expect(confirm).to_contain_text("Ada Lovelace")
    shoot(page, "week-pto-confirm")
    with site.uow() as uow:
        assert uow.appointments.get(visit_id).status is AppointmentStatus.BOOKED, "asked first"
        assert not [e for e in uow.availability_exceptions.list() if e.reason == "training day"]

    confirm.get_by_role("button", name="Cancel 1 visit and record it").click()
    told = page.locator(".notice-ok").first
    expect(told).to_contain_text("PTO recorded")
    expect(told).to_contain_text("Ada Lovelace")
    with site.uow() as uow:
        assert uow.appointments.get(visit_id).status is AppointmentStatus.CANCELLED
        offers = uow.offers.where(request_id=visit.request_id)
        pending = [o for o in offers if o.response is OfferResponse.PENDING]
    if pending:  # a timely slot was free: the notice names when it was offered
        (offer,) = pending
        assert offer.timely
        expect(told).to_contain_text(f"offered {offer.slot_start.astimezone(LA):%a} ")
    else:
        expect(told).to_contain_text("first on the waitlist")
    shoot(page, "week-pto-recorded")

    leave = page.locator("#leave")
    expect(leave).to_contain_text("training day")
    leave.locator("li", has_text="training day").locator("summary").click()
    leave.get_by_role("button", name="Remove it").last.click()
    expect(page.locator(".notice-ok").first).to_contain_text("PTO removed")
    expect(page.locator("#leave")).not_to_contain_text("training day")
    with site.uow() as uow:
        (kept,) = [e for e in uow.availability_exceptions.list() if e.reason == "training day"]
    assert kept.withdrawn_at is not None, "a removed leave keeps its record"
