"""The manager's and planner's pages in Chromium: the access dashboard and its charts, a
violation's evidence, the corrective-action plan, and the scenario lab."""

from __future__ import annotations

import re

from browser_support import Site, shoot, sign_in
from playwright.sync_api import FilePayload, Page, Route, expect

CHARTS_DRAWN = ".chart .plot-container"


def test_a_manager_opens_a_violations_evidence(site: Site, page: Page) -> None:
    sign_in(page, site, "manager")
    violation = site.region.violation_request
    page.goto(site.url("/app/dashboard"))
    expect(page.locator(CHARTS_DRAWN)).to_have_count(4)
    # The regulator's measure (ADR 0013 rule 8): the network's survey rate holds, since on
    # the survey date every provider had a timely slot free; Fontana's unoffered requests
    # show in the plan's own measure, the request rate, below the line.
    survey = page.locator(".card", has_text="Survey rate, non-urgent")
    expect(survey).to_contain_text("the regulator's 70 % line")
    expect(survey).to_have_class(re.compile(r"\bcard-ok\b"))
    expect(survey.get_by_role("link", name="corrective action plan")).to_have_count(0)
    own = page.locator(".card", has_text="Request rate: non-urgent requests offered in time")
    expect(own).to_contain_text("the plan's own measure")
    expect(own).to_have_class(re.compile(r"\bcard-bad\b"))
    shoot(page, "dashboard")

    page.get_by_label("Cause", exact=True).select_option("late-offer")
    violations = page.locator("#frag_violations tbody tr")
    expect(violations).to_have_count(2)
    expect(page.locator(CHARTS_DRAWN)).to_have_count(4)  # the charts were not touched
    page.get_by_label("Cause", exact=True).select_option("")
    page.locator("#frag_violations").get_by_role("button", name="Filter").click()
    row = violations.filter(has_text=f"Evidence #{violation}")
    expect(row).to_contain_text("no offer made")
    # Clearing the cause and pressing Filter may each swap the table in: let both land
    # before clicking, or the click can meet a row the second swap takes away.
    page.wait_for_load_state("networkidle")

    row.get_by_role("link", name=f"Evidence #{violation}").click()
    # The evidence view (ADR 0013 rule 9; ADR 0016 links there first): a verdict naming its
    # rule, clinic-local times with offsets, the offers (none) and the timeline.
    heading = page.get_by_role("heading", name=f"Evidence of care request #{violation}")
    expect(heading).to_be_visible()
    evidence = page.locator("article.evidence")
    expect(evidence.locator(".verdict")).to_contain_text(
        "Violation: no timely appointment was offered"
    )
    expect(evidence).to_contain_text("cause no-offer-made")
    # Requested Mon 11 May 08:00; 10 business days, Memorial Day (25 May) not one of them.
    deadline = evidence.get_by_role("definition").filter(has_text="2026-05-26T23:59:59-07:00")
    expect(deadline).to_have_count(1)
    expect(evidence.locator("section", has_text="Offers")).to_contain_text("No offer was made.")
    timeline = evidence.locator("section", has_text="Timeline")
    expect(timeline).to_contain_text("care requested")
    expect(timeline).to_contain_text("legal deadline")
    shoot(page, "evidence")


def test_charts_draw_from_the_plotly_bundle_parity_serves(site: Site, page: Page) -> None:
    sign_in(page, site, "manager")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(site.url("/app/dashboard"))
    expect(page.locator(CHARTS_DRAWN)).to_have_count(4)
    assert page.locator("#chart-trend .scatterlayer .trace").count() >= 1
    assert page.locator("#chart-clinics .barlayer .point").count() >= 1
    assert page.locator("#chart-causes .barlayer .point").count() >= 1
    assert [url for url in asked if not url.startswith(site.base)] == [], "no CDN, no network"
    bundle = [url for url in asked if "/app/static/plotly.min.js" in url]
    assert bundle, asked
    answer = page.request.get(bundle[0])
    assert answer.ok
    assert answer.headers["content-type"].startswith("text/javascript")


def test_the_chart_library_is_fetched_while_the_figures_are_still_on_their_way(
    site: Site, page: Page
) -> None:
    """The dashboard paints its chart boxes first and fetches their figures after; the
    library must not wait for the figures. The figures' answer is held back here until
    the browser has asked for the library: if it asked only once the figures arrived, it
    never asks while they are held, and waiting for its request fails."""
    sign_in(page, site, "manager")
    held: list[Route] = []

    def hold_the_figures(route: Route) -> None:
        if route.request.headers.get("x-parity-fragment") == "frag_charts":
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r".*/app/dashboard(\?.*)?$"), hold_the_figures)
    with page.expect_request(re.compile(r".*/app/static/plotly\.min\.js.*"), timeout=15_000):
        page.goto(site.url("/app/dashboard"))
    assert len(held) == 1, "the figures were asked for once, and are still held"
    expect(page.locator(CHARTS_DRAWN)).to_have_count(0)
    held[0].continue_()
    expect(page.locator(CHARTS_DRAWN)).to_have_count(4)


def test_the_evidence_of_any_request_opens_by_its_number(site: Site, page: Page) -> None:
    sign_in(page, site, "manager")
    request_id = site.region.follow_up_request
    page.goto(site.url("/app/dashboard"))
    page.get_by_label("Evidence of request number").fill(f"#{request_id}")
    page.get_by_label("Evidence of request number").press("Enter")
    expect(page.get_by_role("heading", name=f"Care request #{request_id}")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("follow-up-therapy deadline")


def test_the_corrective_action_plan_takes_actions_and_status_changes(
    site: Site, page: Page
) -> None:
    sign_in(page, site, "manager")
    page.goto(site.url("/app/plan"))
    finding = page.locator("article.finding").first
    # Opened from Fontana's dashboard row for May: 3 of its 11 decided non-urgent requests
    # were offered in time (the other 8 had no offer before their deadline).
    expect(finding).to_contain_text("Fontana Medical Center, non-urgent, 2026-05-01..2026-06-01")
    expect(finding).to_contain_text("was 27 % against the 70 % threshold")
    expect(finding.locator(".badge", has_text="overdue")).to_be_visible()

    finding.locator("summary").click()
    finding.get_by_role("textbox", name="Action", exact=True).fill(
        "Open Saturday intake clinics at Fontana"
    )
    finding.get_by_label("Owner").fill("Regional access manager")
    finding.get_by_label("Due").fill("2026-06-30")
    finding.get_by_role("button", name="Add the action").click()
    expect(page.locator(".notice-ok")).to_contain_text("added for Regional access manager")
    actions = page.locator("article.finding").first.locator("tbody tr")
    expect(actions).to_have_count(2)

    first = actions.first
    first.get_by_label("New status of action").select_option("done")
    first.get_by_role("button", name="Change").click()
    expect(page.locator(".notice-ok")).to_contain_text("is now done")
    expect(
        page.locator("article.finding").first.locator(".badge", has_text="overdue")
    ).to_have_count(0)
    shoot(page, "plan")


def test_the_scenario_lab_runs_a_comparison_and_draws_it(site: Site, page: Page) -> None:
    sign_in(page, site, "manager")
    page.goto(site.url("/app/scenarios"))
    page.get_by_label("Runs per scenario").fill("2")
    page.get_by_label("Years").fill("1")
    page.get_by_label("Share of the region").fill("0.002")
    page.get_by_role("button", name="Run").click()
    # The run ends in charts or in a failure notice; a failure is reported by its message.
    ended = page.locator(f"{CHARTS_DRAWN}, #frag_job .notice-error").first
    expect(ended).to_be_visible(timeout=90_000)
    expect(page.locator("#frag_job .notice-error")).to_have_count(0)
    expect(page.locator("#frag_job caption")).to_contain_text("mean [5th – 95th percentile")
    assert page.locator(CHARTS_DRAWN).count() >= 4
    shoot(page, "scenarios")


MONTHLY_CSV = """scenario,month,metric,mean,p5,p95,runs
socal-2025,2025-06,initial_within_standard,0.82,0.78,0.86,30
socal-2025,2025-07,initial_within_standard,0.80,0.75,0.85,30
socal-union-2024,2025-06,initial_within_standard,0.90,0.87,0.93,30
socal-union-2024,2025-07,initial_within_standard,0.91,0.88,0.94,30
socal-2025,2025-06,headcount,118,112,124,30
socal-2025,2025-07,headcount,117,110,123,30
socal-union-2024,2025-06,headcount,121,116,126,30
socal-union-2024,2025-07,headcount,123,118,128,30
"""


def test_the_scenario_lab_loads_a_saved_comparison(site: Site, page: Page) -> None:
    sign_in(page, site, "manager")
    page.goto(site.url("/app/scenarios"))
    upload: FilePayload = {
        "name": "study-monthly.csv",
        "mimeType": "text/csv",
        "buffer": MONTHLY_CSV.encode(),
    }
    page.get_by_label("Monthly CSV from parity scenarios compare").set_input_files(upload)
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.locator(CHARTS_DRAWN)).to_have_count(2)
    expect(page.locator("#frag_job")).to_contain_text("file: study-monthly.csv")

    wrong: FilePayload = {"name": "notes.csv", "mimeType": "text/csv", "buffer": b"a,b\n1,2\n"}
    page.get_by_label("Monthly CSV from parity scenarios compare").set_input_files(wrong)
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.locator(".notice-error")).to_contain_text("not a scenarios monthly CSV")
