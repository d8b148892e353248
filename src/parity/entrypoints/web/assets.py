"""Static files served by Parity itself: the pages' CSS and script, and the Plotly bundle
that the `plotly` package ships. No CDN: the pages work with no network beyond Parity.

Each file is read once, hashed for its ETag and gzipped once; browsers revalidate our own
files (they change with a deploy) and keep the Plotly bundle for a week (its URL carries
the package version).
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import Response
from plotly.offline import get_plotlyjs

from parity.domain.errors import NotFound

router = APIRouter()

PLOTLY_VERSION = str(plotly.__version__)
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


@cache
def asset(name: str) -> Asset:
    """A served file by name, built on first use and kept for the process's life."""
    if name == PLOTLY:
        body = get_plotlyjs().encode("utf-8")
        control = f"public, max-age={WEEK_SECONDS}"
        return _asset(body, "text/javascript; charset=utf-8", control)
    if name not in OWN:
        raise NotFound(f"no static file {name!r}")
    body = (resources.files("parity.entrypoints.web") / "static" / name).read_bytes()
    return _asset(body, OWN[name], "no-cache")


def plotly_url() -> str:
    return f"/app/static/{PLOTLY}?v={PLOTLY_VERSION}"


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
