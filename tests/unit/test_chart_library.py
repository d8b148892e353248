"""The chart library the pages load is the small plotly.js build Parity vendors, at the
plotly.js version the `plotly` package writes figures for, with its licence beside it."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from plotly.offline import get_plotlyjs, get_plotlyjs_version

from parity.entrypoints.reports import charts
from parity.entrypoints.web import assets


def _banner(body: bytes) -> str:
    return body[:300].decode("utf-8")


def test_the_vendored_build_is_the_plotly_js_version_the_plotly_package_writes_for() -> None:
    banner = _banner(assets.static_bytes(assets.PLOTLY_BUILD))
    found = re.search(r"plotly\.js \((\w+) - minified\) v([\d.]+)", banner)
    assert found is not None, banner
    assert found.group(1) == "cartesian"
    assert found.group(2) == get_plotlyjs_version() == assets.PLOTLY_VERSION


def test_the_served_bundle_is_the_vendored_build_and_a_third_of_the_full_one() -> None:
    served = assets.asset(assets.PLOTLY)
    assert served.body == assets.static_bytes(assets.PLOTLY_BUILD)
    full = gzip.compress(get_plotlyjs().encode("utf-8"), compresslevel=6, mtime=0)
    assert len(served.gzipped) * 2.5 < len(full)


def test_the_build_carries_every_trace_type_the_pages_draw() -> None:
    """The trace types are read from the chart module's source (`go.Bar(` ...)."""
    source = Path(charts.__file__).read_text(encoding="utf-8")
    drawn = {name.lower() for name in re.findall(r"\bgo\.([A-Z]\w*)\(", source)} - {"figure"}
    assert {"scatter", "bar"} <= drawn
    body = assets.static_bytes(assets.PLOTLY_BUILD).decode("utf-8")
    carried = set(re.findall(r'moduleType:"trace",name:"(\w+)"', body))
    assert drawn <= carried, drawn - carried


def test_the_licence_is_vendored_beside_the_build() -> None:
    licence = assets.static_bytes("vendor/LICENSE-plotly.js.txt").decode("utf-8")
    assert "MIT License" in licence
    assert "Plotly" in licence
