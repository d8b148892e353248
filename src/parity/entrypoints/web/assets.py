"""Static files served by Parity itself: the pages' CSS and script, and the chart library.
No CDN: the pages work with no network beyond Parity.

The chart library is plotly.js's "cartesian" build (scatter, bar, histogram, box, heatmap
and the like: every chart the pages draw), vendored with its MIT licence under
static/vendor/ from the npm package `plotly.js-cartesian-dist-min`, at the plotly.js
version the `plotly` Python package writes figures for. It is a third of the full bundle
that package ships (about 0.5 MB gzipped instead of 1.5 MB), which the dashboard's first
paint waited for (docs/adr/0017-booking-api-speed.md).

Each file is read once, hashed for its ETag and gzipped once; browsers revalidate our own
files (they change with a deploy) and keep the chart library for a week (its URL carries
its version).
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import Response

from parity.domain.errors import NotFound

router = APIRouter()

PLOTLY_VERSION = "4.1.1"
PLOTLY_BUILD = f"vendor/plotly-cartesian-{PLOTLY_VERSION}.min.js"
OWN = {
    "parity.css": "text/css; charset=utf-8",
    "parity.js": "text/javascript; charset=utf-8",
    # htmx 2.0.4 from the npm package htmx.org (0BSD, htmx.LICENSE.txt beside it): the
    # work queue's live refresh (docs/adr/0016-pages-for-each-role.md).
    "htmx.min.js": "text/javascript; charset=utf-8",
    "htmx.LICENSE.txt": "text/plain; charset=utf-8",
}
PLOTLY = "plotly.min.js"
WEEK_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    media_type: str
    etag: str
    cache_control: str


def _asset(body: bytes, media_type: str, cache_control: str) -> Asset:
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    return Asset(
        body, gzip.compress(body, compresslevel=6, mtime=0), media_type, etag, cache_control
    )


def static_bytes(name: str) -> bytes:
    return (resources.files("parity.entrypoints.web") / "static" / name).read_bytes()


@cache
def asset(name: str) -> Asset:
    """A served file by name, built on first use and kept for the process's life."""
    if name == PLOTLY:
        control = f"public, max-age={WEEK_SECONDS}"
        return _asset(static_bytes(PLOTLY_BUILD), "text/javascript; charset=utf-8", control)
    if name not in OWN:
        raise NotFound(f"no static file {name!r}")
    return _asset(static_bytes(name), OWN[name], "no-cache")


def plotly_url() -> str:
    return f"/app/static/{PLOTLY}?v={PLOTLY_VERSION}-cartesian"


@router.get("/static/{name}", include_in_schema=False)
def static_file(name: str, request: Request) -> Response:
    found = asset(name)
    headers = {"ETag": found.etag, "Cache-Control": found.cache_control, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == found.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(found.gzipped, media_type=found.media_type, headers=headers)
    return Response(found.body, media_type=found.media_type, headers=headers)
