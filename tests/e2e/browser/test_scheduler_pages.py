"""The scheduler's pages in Chromium: the work queue, a request's ranked offers, booking,
forms that explain what is wrong, and the optimizer preview."""

from __future__ import annotations

import re

from browser_region import THERAPIST
from browser_support import Site, csrf_of, shoot, sign_in
from playwright.sync_api import Page, expect

MARK = "window.parityMarker = 'no reload'"
MARKED = "window.parityMarker"


def test_a_scheduler_books_a_follow_up_from_the_work_queue(site: Site, page: Page) -> None:
    sign_in(page, site, "scheduler")
    request_id = site.region.follow_up_request
    page.goto(site.url("/app/queue"))
    rows = page.locator("table.queue tbody tr")
    expect(rows.first).to_contain_text("overdue by")  # soonest deadline first
    shoot(page, "queue")

    page.evaluate(MARK)
    page.get_by_label("Standard").select_option("follow-up-therapy")
    expect(rows).to_have_count(1)
    assert page.evaluate(MARKED) == "no reload", "the filter swapped the table in place"
    assert "standard=follow-up-therapy" in page.url, "the filtered queue keeps its address"

    page.get_by_role("link", name=f"#{request_id} follow-up").click()
    expect(page.get_by_role("heading", name=f"Care request #{request_id}")).to_be_visible()
    best = page.locator("li.offer").first
    expect(best).to_contain_text("same clinician (continuity of care)")
    expect(best).to_contain_text("Clinician 1")
    shoot(page, "request")

    page.evaluate(MARK)
    best.get_by_role("button", name="Book").click()
    booked = page.locator(".notice-ok")
    expect(booked).to_contain_text("with Clinician 1")
    expect(booked).to_contain_text("within the follow-up-therapy standard")
    expect(page.locator(".lede .badge").first).to_have_text("booked")
    assert page.evaluate(MARKED) == "no reload"
    shoot(page, "request-booked")

    with site.uow() as uow:
        visits = uow.appointments.where(request_id=request_id)
    assert [v.clinician_id for v in visits] == [THERAPIST]
    page.goto(site.url("/app/queue?standard=follow-up-therapy"))
    expect(page.locator("table.queue tbody")).to_contain_text("No open request matches")


def test_forms_explain_what_is_wrong_and_keep_what_was_typed(site: Site, page: Page) -> None:
    sign_in(page, site, "scheduler")
    request_id = site.region.follow_up_request
    page.goto(site.url(f"/app/requests/{request_id}"))
    page.on("dialog", lambda dialog: dialog.accept())  # a refusal or referral asks to confirm
    # A refusal recorded by staff needs its channel and a contact note (ADR 0013, rule 2);
    # the browser's `required` lets blanks through, the server says what is missing.
    slot = page.locator("li.offer").first.locator("input[name=slot]").first.get_attribute("value")
    page.locator(f"#f-decline-channel-{slot}").select_option("sms")
    page.locator(f"#f-decline-note-{slot}").fill("   ")
    page.locator("li.offer").first.get_by_role(
        "button", name="Record that the member declined"
    ).click()
    refused = page.locator("#frag_request .notice-error")
    expect(refused).to_contain_text("a refusal recorded by staff needs a contact note")
    expect(page.locator(f"#f-decline-channel-{slot}")).to_have_value("sms")
    with site.uow() as uow:
        assert not uow.offers.where(request_id=request_id), "nothing recorded"

    page.get_by_label("Reason").fill("   ")
    page.get_by_role("button", name="Refer out of network").click()
    expect(page.locator("#frag_request .notice-error")).to_contain_text(
        "reason for the referral is required"
    )

    page.locator(f"#f-decline-channel-{slot}").select_option("sms")
    page.locator(f"#f-decline-note-{slot}").fill("texted; Ada asked for an evening")
    page.locator("li.offer").first.get_by_role(
        "button", name="Record that the member declined"
    ).click()
    expect(page.locator("#frag_request .notice-ok")).to_contain_text(
        "sms, recorded by scheduler; timely offer: the request counts as compliant"
    )
    expect(page.locator(".timeline")).to_contain_text("declined by scheduler")

    page.get_by_label("Reason").fill("member asked for a Saturday visit nobody offers")
    page.get_by_role("button", name="Refer out of network").click()
    expect(page.locator("#frag_request .notice-ok")).to_contain_text("Referred out of network")
    expect(page.locator(".lede .badge").first).to_have_text("referred")

    # Without the script the same refusal is a whole page with a 4xx, never a 500.
    answer = page.request.post(
        site.url(f"/app/requests/{site.region.violation_request}/decline"),
        form={"slot": slot or "", "channel": "phone", "note": "", "csrf_token": csrf_of(page)},
    )
    assert answer.status == 422
    assert "a refusal recorded by staff needs a contact note" in answer.text()


def test_the_optimizer_previews_the_queue_then_applies_its_plan(site: Site, page: Page) -> None:
    sign_in(page, site, "scheduler")
    page.goto(site.url("/app/queue"))
    page.get_by_role("button", name="Preview the optimizer's plan").click()
    panel = page.locator("#optimizer")
    expect(panel).to_contain_text("the most any schedule could place is")
    expect(panel.locator("tbody tr").first).to_be_visible()
    with site.uow() as uow:
        assert not uow.referrals.where(request_id=site.region.violation_request), "preview only"
    shoot(page, "queue-optimizer")

    panel.get_by_role("button", name="Apply: offer").click()
    expect(panel.locator(".notice-ok")).to_contain_text("Applied the plan")
    with site.uow() as uow:
        follow_up = uow.requests.get(site.region.follow_up_request)
        overdue = uow.requests.get(site.region.violation_request)
        offered = uow.offers.where(request_id=follow_up.id)
    # The follow-up is offered to its member, who has not answered: it stays open.
    assert follow_up.status.value == "open"
    assert [o.response.value for o in offered] == ["pending"]
    assert offered[0].offered_by.startswith("optimizer, applied by ")
    assert overdue.status.value == "referred", "no timely slot left: referred, never booked late"


def test_the_optimizer_preview_keeps_the_queue_as_it_was_filtered(site: Site, page: Page) -> None:
    sign_in(page, site, "scheduler")
    page.goto(site.url("/app/queue"))
    clinic_cells = page.locator("table.queue tbody td[data-label=Clinic]")
    clinics = sorted(set(clinic_cells.all_inner_texts()))
    assert len(clinics) > 1, "the region's queue spans clinics"
    page.goto(site.url("/app/queue"))
    page.get_by_label("Clinic").select_option(label=clinics[0])
    expect(clinic_cells.filter(has_not_text=clinics[0])).to_have_count(0)
    page.get_by_role("button", name="Preview the optimizer's plan").click()
    expect(page.locator("#optimizer")).to_contain_text("the most any schedule could place is")
    assert set(clinic_cells.all_inner_texts()) == {clinics[0]}
    expect(page.get_by_label("Clinic")).to_have_value(re.compile(r"\S"))
