"""A therapist's week (protected IPC time shown, never bookable) and a member's own view."""

from __future__ import annotations

from browser_region import THERAPIST, THIS_WEEK, at
from browser_support import Site, csrf_of, shoot, sign_in
from playwright.sync_api import Page, expect


def test_a_therapist_sees_their_own_week_and_no_one_elses(site: Site, page: Page) -> None:
    sign_in(page, site, "therapist")
    page.goto(site.url("/app/week"))
    expect(page.get_by_role("heading", name="Clinician 1: week of Mon 1 Jun 2026")).to_be_visible()
    expect(page.locator(".timegrid .block-ipc")).to_have_count(5)
    other = page.goto(site.url("/app/clinicians/c00002/week"))
    assert other is not None
    assert other.status == 403
    expect(page.locator("main")).to_contain_text("not open to your role (therapist)")


def test_a_therapists_ipc_block_cannot_be_booked(site: Site, page: Page) -> None:
    sign_in(page, site, "scheduler")
    page.goto(site.url(f"/app/clinicians/{THERAPIST}/week"))
    expect(page.get_by_role("heading", name="Clinician 1: week of Mon 1 Jun 2026")).to_be_visible()
    ipc = page.locator(".timegrid .block-ipc")
    expect(ipc).to_have_count(5)  # 08:00-09:00 every weekday
    expect(ipc.first).to_contain_text("Protected IPC time")
    expect(ipc.first).to_have_attribute("aria-disabled", "true")
    assert ipc.locator("a, button, input, select").count() == 0, "no booking control on IPC"
    pattern = ipc.first.evaluate("block => getComputedStyle(block).backgroundImage")
    assert "gradient" in pattern, "IPC blocks are hatched, unlike bookable slots"
    free = page.locator(".timegrid .block-free").first
    assert free.evaluate("b => getComputedStyle(b).backgroundImage") == "none"

    ipc.first.click()
    expect(page.locator("#frag_book")).not_to_contain_text("Book this slot")
    shoot(page, "week")

    # A free slot opens the booking panel in place...
    page.locator(".timegrid .block-free", has_text="follow-up").first.get_by_role("link").click()
    expect(page.get_by_role("button", name="Book this slot")).to_be_visible()
    # ...but a forged form naming the IPC block is refused by the server, visibly.
    monday_ipc = int(at(THIS_WEEK, 8).timestamp())
    page.locator("#frag_book input[name=slot]").evaluate(
        "(input, value) => { input.value = value; }", f"ipc-{THERAPIST}-{monday_ipc}"
    )
    page.get_by_role("button", name="Book this slot").click()
    refused = page.locator(".notice-error")
    expect(refused).to_contain_text("protected indirect-patient-care time")
    expect(refused).to_contain_text("(protected-time)")

    # The address of a booking panel for protected time is refused the same way.
    answer = page.goto(
        site.url(f"/app/clinicians/{THERAPIST}/week?slot=ipc-{THERAPIST}-{monday_ipc}")
    )
    assert answer is not None
    assert answer.status == 409
    expect(page.locator("#frag_book .notice-error")).to_contain_text(
        "no booking path may consume it"
    )

    with site.uow() as uow:
        visits = [
            a for a in uow.appointments.where(clinician_id=THERAPIST) if a.status.value == "booked"
        ]
        inside = [a for a in visits if uow.protected.overlapping(THERAPIST, a.start, a.end)]
    assert not inside, "nothing was booked into protected time"


def test_a_scheduler_books_a_free_slot_from_the_week(site: Site, page: Page) -> None:
    sign_in(page, site, "scheduler")
    page.goto(site.url(f"/app/clinicians/{THERAPIST}/week?week={THIS_WEEK.isoformat()}"))
    page.locator(".timegrid .block-free", has_text="follow-up").first.get_by_role("link").click()
    page.get_by_label("Open request (soonest deadline first)").select_option(
        str(site.region.follow_up_request)
    )
    page.get_by_role("button", name="Book this slot").click()
    expect(page.locator(".notice-ok")).to_contain_text("with Clinician 1")
    expect(page.locator(".timegrid .block-booked", has_text="Ada Lovelace")).to_have_count(1)


def test_a_member_answers_an_offer_cancels_and_requests_care(site: Site, page: Page) -> None:
    sign_in(page, site, "dee")
    expect(page).to_have_url(site.url("/app/me"))
    expect(page.locator(".viewer-banner")).to_contain_text("Signed in as dee (member)")
    offers = page.get_by_role("region", name="Offers waiting for my answer")
    offers.get_by_role("button", name="Accept").click()
    expect(page.locator(".notice-ok")).to_contain_text("Booked")
    appointments = page.get_by_role("region", name="My appointments")
    expect(appointments.locator("li.visit")).to_have_count(1)
    shoot(page, "member")

    page.once("dialog", lambda dialog: dialog.accept())
    appointments.get_by_role("button", name="Cancel").click()
    expect(page.locator(".notice-ok")).to_contain_text("Cancelled your visit")
    expect(page.get_by_role("region", name="My appointments")).to_contain_text(
        "No upcoming appointment"
    )

    page.get_by_role("button", name="Request care").click()
    expect(page.locator(".notice-ok")).to_contain_text("by law you must be offered a visit by")
    times = page.locator("section[aria-labelledby^=waiting-] li.visit")
    expect(times.first).to_be_visible()
    times.first.get_by_role("button", name="Book").click()
    expect(page.locator(".notice-ok")).to_contain_text("Booked")


def test_a_member_cannot_act_on_another_members_records(site: Site, page: Page) -> None:
    with site.uow() as uow:
        ada = [r.id for r in uow.requests.where(member_id="ada") if r.status.value == "open"]
    sign_in(page, site, "dee")
    address = site.url(f"/app/me/requests/{ada[0]}/book")
    forged = page.request.post(address, form={"slot": "1"})
    assert forged.status == 403, "a form without the session's CSRF token is refused"
    answer = page.request.post(address, form={"slot": "1", "csrf_token": csrf_of(page)})
    assert answer.status == 404, "another member's request is absent to dee (ADR 0012)"
    assert "not found" in answer.text()
