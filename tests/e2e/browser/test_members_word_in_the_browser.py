"""A scheduler on the phone records the member's own later date from the request's page, in
Chromium (docs/adr/0016, 2026-12-07 (night)): the channel and the contact note go with it,
the confirmation appears in place, and the record keeps them (docs/adr/0013)."""

from __future__ import annotations

from datetime import datetime

from browser_region import LA
from browser_support import Site, shoot, sign_in
from playwright.sync_api import Page, expect

from parity.domain.care import Channel

MARK = "window.parityMarker = 'no reload'"
MARKED = "window.parityMarker"
NOTE = "Ada called at 10:05: she is travelling until the 15th and asked to be seen after"


def test_a_scheduler_records_the_members_later_date_and_sees_it_confirmed(
    site: Site, page: Page
) -> None:
    sign_in(page, site, "scheduler")
    request_id = site.region.follow_up_request
    page.goto(site.url(f"/app/requests/{request_id}"))
    page.on("dialog", lambda dialog: dialog.accept())  # the form asks to confirm
    page.evaluate(MARK)

    page.get_by_label("Seen from (the member's date)").fill("2026-06-15")
    page.get_by_label("How the member asked").select_option("phone")
    page.locator("#f-later-note").fill(NOTE)
    page.get_by_role("button", name="Record the later date").click()

    confirmed = page.locator("#frag_request .notice-ok")
    # 2026-06-01 is a Monday, so the 15th is one too.
    expect(confirmed).to_contain_text("the member asks to be seen from Mon 15 Jun 2026")
    expect(confirmed).to_contain_text("via phone, recorded by scheduler")
    expect(page.locator("#frag_request .facts")).to_contain_text("(via phone)")
    expect(page.locator("#frag_request .facts")).to_contain_text(NOTE)
    assert page.evaluate(MARKED) == "no reload", "the confirmation was swapped in place"
    shoot(page, "request-later-date")

    with site.uow() as uow:
        kept = uow.requests.get(request_id)
    assert kept.member_preferred_from == datetime(2026, 6, 15, 0, 0, tzinfo=LA)
    assert kept.preference_channel is Channel.PHONE
    assert kept.preference_note == NOTE
    assert kept.preference_recorded_by == "scheduler"
