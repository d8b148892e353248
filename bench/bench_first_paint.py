"""How soon the dashboard paints, in a real browser, on the demo.

Loads the demo region (4 weeks of history) into a SQLite file, serves it with `parity
serve`, signs in as the demo manager in headless Chromium (Playwright) and opens the
dashboard a few times, printing per load: the server's time to the first byte of the
page, the first contentful paint, DOMContentLoaded, and when every chart was drawn (all
from the browser's own performance timeline, in ms since the navigation started).

Run: .venv/bin/python bench/bench_first_paint.py [--loads 5] [--weeks 4]
     [--browser /usr/bin/chromium] [--page /app/dashboard].
The figures are in docs/adr/0017-booking-api-speed.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright
from rich.console import Console
from rich.table import Table

from servers import BIN, free_port, server

console = Console(width=120)
PASSWORD = "first-paint-bench-Passw0rd!"
TIMING = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByType("paint").find(p => p.name === "first-contentful-paint");
  return {
    ttfb: nav.responseStart,
    redirected: nav.redirectEnd,
    fcp: paint ? paint.startTime : null,
    dcl: nav.domContentLoadedEventEnd,
    html_bytes: nav.transferSize,
  };
}"""


def load_once(page: Page, url: str | None) -> dict[str, Any]:
    """One load of the page (`url`; None: the page the browser is on) timed from the
    browser's own timeline, once every chart on it is drawn."""
    if url is not None:
        page.goto(url, wait_until="load")
    else:
        page.wait_for_load_state("load")
    charts = page.locator(".chart").count()
    page.wait_for_function(
        "() => document.querySelectorAll('.chart:not([data-drawn])').length === 0",
        timeout=60_000,
    )
    figures: dict[str, Any] = page.evaluate(TIMING)
    figures["charts"] = charts
    figures["url"] = page.url
    figures["drawn"] = page.evaluate("() => performance.now()")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--browser", default="/usr/bin/chromium")
    parser.add_argument("--page", default="/app/dashboard")
    args = parser.parse_args()
    os.environ["PARITY_DEMO_PASSWORD"] = PASSWORD
    url = f"sqlite:///{tempfile.mkdtemp()}/paint.db"
    env = {**os.environ, "PARITY_DATABASE_URL": url}
    demo: list[str | Path] = [BIN / "parity", "demo", "--weeks", str(args.weeks), "--reset"]
    console.print(f"loading the demo ({args.weeks} weeks) …")
    subprocess.run(demo, env=env, check=True, stdout=subprocess.DEVNULL)
    rows = []
    with server(url, free_port(), workers=1) as (base, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.browser)
        page = browser.new_page()
        page.goto(f"{base}/app/login")
        page.get_by_label("User name").fill("demo-manager")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda u: "/app/login" not in u, wait_until="domcontentloaded")
        # The page signing in lands on, with nothing in the browser's cache: a user's
        # real first paint. Waiting for its charts also keeps its script and chart
        # requests out of the next load's timings.
        rows.append(load_once(page, None))
        for _ in range(args.loads):
            rows.append(load_once(page, f"{base}{args.page}"))
        browser.close()
    table = Table(title=f"{args.page} on the demo ({args.weeks} weeks), ms since navigation")
    for column in (
        "load",
        "redirect done",
        "first byte",
        "first contentful paint",
        "DOMContentLoaded",
        "charts drawn",
    ):
        table.add_column(column, justify="right")
    for number, row in enumerate(rows):
        table.add_row(
            "after sign-in (cold cache)" if number == 0 else str(number),
            f"{row['redirected']:.0f}" if row["redirected"] else "-",
            f"{row['ttfb']:.0f}",
            f"{row['fcp']:.0f}" if row["fcp"] is not None else "-",
            f"{row['dcl']:.0f}",
            f"{row['drawn']:.0f} ({row['charts']} charts)",
        )
    console.print(table)
    first, loads = rows[0], rows[1:]
    paints = [r["fcp"] for r in loads if r["fcp"] is not None]
    console.print(
        f"after sign-in, cold cache ({first['url']}): the sign-in's answer (its password "
        f"check) {_ms(first['redirected'] or None)}, first contentful paint "
        f"{_ms(first['fcp'])}, charts drawn {first['drawn']:.0f} ms"
    )
    if paints:
        console.print(
            f"reloads: first contentful paint median {statistics.median(paints):.0f} ms, "
            f"max {max(paints):.0f} ms; first byte median "
            f"{statistics.median(r['ttfb'] for r in loads):.0f} ms"
        )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


if __name__ == "__main__":
    main()
