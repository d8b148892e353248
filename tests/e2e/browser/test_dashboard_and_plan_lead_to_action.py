"""The dashboard and the plan lead to action (docs/adr/0016-pages-for-each-role.md): rows
below the line flagged and worst first, each linking to its violations; a finding opened
from a row in one click; findings link to their requests; CSV of the tables and the plan."""

from __future__ import annotations

import csv
import io
import re

from browser_support import Site, shoot, sign_in
from playwright.sync_api import Page, expect


def _shares(page: Page) -> list[float]:
    cells = page.locator("table.clinics tbody td[data-label='Within standard']").all_inner_texts()
    return [float(text.split("%")[0]) for text in cells if "%" in text]


def test_a_manager_opens_a_finding_from_the_worst_row_and_reaches_its_requests(
    site: Site, page: Page
) -> None:
    sign_in(page, site, "manager")
    page.goto(site.url("/app/dashboard"))
    shares = _shares(page)
    assert shares == sorted(shares), "worst first"
    worst = page.locator("table.clinics tbody tr").first
    expect(worst).to_have_class("row-below")
    expect(worst).to_contain_text("below 70")
    clinic = worst.locator("th").inner_text()

    worst.get_by_role("button", name="Open a finding").click()
    expect(page).to_have_url(re.compile(r"/app/plan"))
    expect(page.locator(".notice-ok").first).to_contain_text("opened")
    shoot(page, "plan-finding-opened")
    finding = page.locator("article.finding").last
    expect(finding).to_contain_text(clinic)
    finding.get_by_role("link", name="Its violations and their requests").click()
    rows = page.locator("#frag_violations tbody tr")
    expect(rows.first).to_contain_text(clinic)
    rows.first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Care request #")).to_be_visible()


def test_the_tables_and_the_plan_download_as_csv(site: Site, page: Page) -> None:
    sign_in(page, site, "manager")
    answer = page.request.get(site.url("/app/dashboard/export?table=clinics"))
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(answer.text())))
    assert table, "one line per clinic and class"
    assert set(table[0]) >= {"clinic", "class", "decided", "share_within_standard"}
    plan = page.request.get(site.url("/app/plan/export"))
    lines = list(csv.DictReader(io.StringIO(plan.text())))
    assert any(line["action"] == "Add two intake blocks a week at Fontana" for line in lines)
