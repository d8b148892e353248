"""A therapist determines a clinical exception from their own week's to-do list.

28 CCR §1300.67.2.2(c)(5)(G): a longer wait is allowed only where the treating provider has
noted in the record that it will not harm the member. The week page lists the follow-ups
whose course cadence runs past the legal deadline; the therapist writes the reason and
the new date under their own name, and the record carries who, when and why.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

from browser_region import LA, NOW, THERAPIST
from browser_support import Site, shoot, sign_in
from playwright.sync_api import Page, expect

# Ada's weekly course becomes monthly: her next session would fall 28 days after the visit
# that started her follow-up clock, past SB 221's 10 business days.
MONTHLY = 28
NEW_DATE = date(2026, 6, 24)


def test_a_therapist_documents_an_exception_from_the_week_to_do(site: Site, page: Page) -> None:
    request_id = site.region.follow_up_request
    with site.uow() as uow:
        (course,) = uow.courses.where(member_id="ada", clinician_id=THERAPIST)
        uow.courses.save(replace(course, cadence_days=MONTHLY))
        uow.commit()
        assert not uow.clinical_exceptions.where(request_id=request_id)

    sign_in(page, site, "therapist")
    page.goto(site.url("/app/week"))
    todo = page.locator("section[aria-labelledby=todo-heading]")
    item = todo.locator("li", has_text=f"#{request_id}")
    expect(item).to_contain_text(f"every {MONTHLY} days")
    item.get_by_label("Why a longer wait will not harm the member").fill(
        "Stable on monthly sessions; agreed with the member at the last visit."
    )
    item.get_by_label("New date (end of that day)").fill(NEW_DATE.isoformat())
    item.get_by_role("button", name="Document the exception").click()

    expect(page.locator(".notice-ok")).to_contain_text("Clinical exception recorded")
    expect(todo).to_contain_text("Nothing to determine.")
    shoot(page, "week-exception-documented")

    with site.uow() as uow:
        (recorded,) = uow.clinical_exceptions.where(request_id=request_id)
    assert recorded.author == "therapist", "the signed-in therapist is the author"
    assert recorded.clinician_id == THERAPIST
    assert recorded.reason.startswith("Stable on monthly sessions")
    assert recorded.recorded_at == NOW, "the time is the server's clock, not the form's"
    assert recorded.extended_deadline == datetime.combine(NEW_DATE, time(23, 59, 59), tzinfo=LA)
    assert recorded.late is False
