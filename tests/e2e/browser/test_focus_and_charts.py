"""Keyboard users (docs/adr/0016-pages-for-each-role.md): the focus ring has at least 3:1
contrast against what it sits on (WCAG 2.2, SC 1.4.11), computed here from the page's own
colours; each chart costs at most two tab stops (its skip link and the picture download) and
carries no cloud or selection tools."""

from __future__ import annotations

import re

from browser_support import Site, sign_in
from playwright.sync_api import Page, expect

MINIMUM = 3.0
RING = """e => {
  const style = getComputedStyle(e);
  let back = e.parentElement;
  while (back && getComputedStyle(back).backgroundColor === 'rgba(0, 0, 0, 0)') back = back.parentElement;
  return [style.outlineColor, style.outlineWidth, back ? getComputedStyle(back).backgroundColor : 'rgb(255, 255, 255)'];
}"""


def _luminance(colour: str) -> float:
    """Relative luminance of an `rgb(...)` colour (WCAG 2.2 definition)."""
    red, green, blue = (int(x) / 255 for x in re.findall(r"\d+", colour)[:3])

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(first: str, second: str) -> float:
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_focus_ring_stands_out_in_the_page_and_in_the_header(site: Site, page: Page) -> None:
    sign_in(page, site, "scheduler")
    page.goto(site.url("/app/queue"))
    for target in (page.get_by_label("Member name, id or phone"), page.locator(".nav a").first):
        target.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # focus by keyboard, so :focus-visible applies
        colour, width, behind = target.evaluate(RING)
        assert float(width.removesuffix("px")) >= 2
        assert contrast(colour, behind) >= MINIMUM, (colour, behind)


def test_each_chart_costs_at_most_two_tab_stops_and_has_no_cloud_or_selection_tools(
    site: Site, page: Page
) -> None:
    sign_in(page, site, "manager")
    page.goto(site.url("/app/dashboard"))
    boxes = page.locator(".chart-box")
    expect(boxes.first.locator(".chart[data-drawn]")).to_have_count(1)
    tabbable = "a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])"
    for n in range(boxes.count()):
        box = boxes.nth(n)
        assert box.locator(tabbable).count() <= 2
        for tool in ("sendDataToCloud", "select2d", "lasso2d", "zoom2d", "pan2d"):
            assert box.locator(f"[data-attr='{tool}'], [data-val='{tool}']").count() == 0
    skip = boxes.first.locator(".skip-chart")
    skip.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id").startswith("after-chart-")
