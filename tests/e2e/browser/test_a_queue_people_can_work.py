"""The work queue in Chromium (docs/adr/0016-pages-for-each-role.md): search by member, sort
by a column, a visible tie-break, claim and release, and the live refresh served by Parity."""

from __future__ import annotations

from browser_support import Site, shoot, sign_in
from playwright.sync_api import Page, expect

from parity.services.claims import claim_request


def test_a_scheduler_searches_sorts_and_claims_a_request(site: Site, page: Page) -> None:
    sign_in(page, site, "scheduler")
    page.goto(site.url("/app/queue"))
    rows = page.locator("table.queue tbody tr")
    expect(page.locator("table.queue")).to_contain_text("tie: by request number")
    expect(page.locator("table.queue")).not_to_contain_text("initial-therapy")  # plain words

    page.get_by_label("Member name, id or phone").fill("lovelace")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ada Lovelace")

    page.goto(site.url("/app/queue"))
    page.get_by_role("link", name="Member").click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Member")
    names = page.locator("table.queue tbody td[data-label=Member]").all_inner_texts()
    firsts = [n.splitlines()[0].lower() for n in names]
    assert firsts == sorted(firsts), "sorted by member name"

    first = rows.first
    number = first.locator("th a").inner_text().split()[0].lstrip("#")
    first.get_by_role("button", name=f"Claim request {number}").click()
    expect(page.locator("#frag_queue .notice-ok")).to_contain_text(f"Request #{number} is yours")
    mine = page.locator(
        "table.queue tbody tr", has=page.get_by_role("button", name=f"Release request {number}")
    )
    expect(mine).to_contain_text("you")
    shoot(page, "queue-claimed")
    mine.get_by_role("button", name=f"Release request {number}").click()
    expect(page.locator("#frag_queue .notice-ok")).to_contain_text("back in the queue")


def test_a_request_claimed_by_someone_else_shows_who_and_offers_no_claim(
    site: Site, page: Page
) -> None:
    request_id = site.region.follow_up_request
    claim_request(request_id, "kim", site.uow(), site.region.clock)
    sign_in(page, site, "scheduler")
    page.goto(site.url("/app/queue"))
    row = page.locator("table.queue tbody tr", has_text=f"#{request_id} ")
    expect(row).to_contain_text("kim")
    expect(row.get_by_role("button", name=f"Claim request {request_id}")).to_have_count(0)
    # The live refresh is htmx, served by Parity itself.
    assert page.evaluate("typeof window.htmx") == "object"
    expect(page.locator("#frag_queue")).to_have_attribute("hx-trigger", "every 30s")
