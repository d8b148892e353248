"""The week as a calendar (docs/adr/0016-pages-for-each-role.md): an hour axis on which a
block is as tall as it is long and the days line up; a legend drawn with the blocks' own
style; a day view; moving a booked visit; on a Saturday the coming week."""

from __future__ import annotations

from datetime import date

from browser_region import THERAPIST, at
from browser_support import Site, shoot, sign_in
from playwright.sync_api import Page, expect

from parity.domain.care import AppointmentStatus, CancelledBy
from parity.services.booking import BookRequest, book_request

WEEK = f"/app/clinicians/{THERAPIST}/week"


def _box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def test_blocks_are_as_tall_as_they_are_long_and_the_days_line_up(site: Site, page: Page) -> None:
    sign_in(page, site, "scheduler")
    page.goto(site.url(WEEK))
    ipc = page.locator(".timegrid .block-ipc")
    expect(ipc).to_have_count(5)
    hour = _box(page, ".timegrid .block-ipc")["height"]  # 08:00-09:00
    booked = page.locator(".timegrid .block-booked", has_text="09:00–10:30").first
    box = booked.bounding_box()
    assert box is not None
    assert abs(box["height"] / hour - 1.5) < 0.1, "a 90-minute visit is 1.5 times an hour block"
    tops = {round(b["y"]) for b in (ipc.nth(n).bounding_box() or {"y": -1} for n in range(5))}
    assert len(tops) == 1, f"the 08:00 blocks of every day line up: {tops}"
    # The legend's chips are drawn with the blocks' own style.
    for kind in ("free", "booked", "ipc", "pto"):
        chip = page.locator(f".legend .block-{kind}")
        block = page.locator(f".timegrid .block-{kind}").first
        style = "e => getComputedStyle(e).backgroundImage + getComputedStyle(e).backgroundColor"
        assert chip.evaluate(style) == block.evaluate(style), kind

    page.get_by_role("link", name="Wed 3 Jun 2026", exact=True).click()
    expect(page.locator(".timegrid .tg-head")).to_have_count(1)
    expect(page.locator(".timegrid .tg-head")).to_have_text("Wed 3 Jun 2026")
    shoot(page, "week-day-view")


def test_a_scheduler_moves_a_booked_visit_to_another_slot(site: Site, page: Page) -> None:
    region = site.region
    decision = book_request(
        BookRequest(region.follow_up_request), site.uow(), region.clock, region.policy
    )
    sign_in(page, site, "scheduler")
    with site.uow() as uow:
        visit = uow.appointments.get(decision.appointment_id)
    page.goto(site.url(f"{WEEK}?week={visit.start.date().isoformat()}"))
    page.get_by_role("link", name="Reschedule the").first.click()
    panel = page.locator("#frag_book")
    expect(panel).to_contain_text("Ada Lovelace")
    chosen = panel.get_by_label("New time").locator("option").first.get_attribute("value")
    panel.get_by_label("Why, and when and how it was asked").fill("Ada phoned: new work shift")
    panel.get_by_role("button", name="Move the visit").click()
    expect(page.locator(".notice-ok").first).to_contain_text("Moved the visit")
    shoot(page, "week-moved")
    with site.uow() as uow:
        old = uow.appointments.get(visit.id)
        live = [
            a
            for a in uow.appointments.where(request_id=visit.request_id)
            if a.status is AppointmentStatus.BOOKED
        ]
    assert old.cancelled_by is CancelledBy.MEMBER
    assert [str(a.slot_id) for a in live] == [chosen]


def test_on_a_saturday_the_week_opens_on_the_coming_monday(site: Site, page: Page) -> None:
    site.region.clock.set(at(date(2026, 6, 6), 10))  # Saturday
    sign_in(page, site, "scheduler")
    page.goto(site.url(WEEK))
    expect(page.get_by_role("heading", name="Clinician 1: week of Mon 8 Jun 2026")).to_be_visible()


def test_a_scheduler_sees_a_clinics_clinicians_side_by_side(site: Site, page: Page) -> None:
    sign_in(page, site, "scheduler")
    page.goto(site.url("/app/clinicians?clinic=san-diego&day=2026-06-04"))
    with site.uow() as uow:
        there = [c.name for c in uow.clinicians.list() if "san-diego" in c.clinic_ids]
    heads = page.locator(".timegrid .tg-head")
    expect(heads).to_have_count(min(len(there), 8))
    assert set(heads.all_inner_texts()) <= set(there)
    expect(page.locator(".timegrid .block-ipc").first).to_be_visible()
    shoot(page, "clinic-day")
