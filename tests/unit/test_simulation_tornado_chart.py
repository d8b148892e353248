"""The tornado chart is a small SVG: one bar pair per assumption, flips marked."""

from __future__ import annotations

from xml.etree import ElementTree

from parity.entrypoints.cli.tornado import _svg
from parity.simulation.tornado import Assumption, Bar

SVG = "{http://www.w3.org/2000/svg}"


def test_the_chart_is_well_formed_small_svg_with_a_row_per_assumption() -> None:
    found = [
        Bar(Assumption("demand.a_share", 0.2, "ESTIMATE"), -0.01, 0.03),  # crosses zero
        Bar(Assumption("region_overrides.parity.rate", 0.5, "ESTIMATE"), 0.015, 0.025),
        Bar(Assumption("workforce.x", 3.0, "ESTIMATE"), None, 0.02),  # a run with no figure
    ]
    text = _svg(found, 0.02, "union - employer: follow up within standard")
    root = ElementTree.fromstring(text)
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("fill-opacity") == "0.75"]
    assert len(rects) == 5  # two per assumption, one missing end
    labels = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "demand.a_share (changes ranking)" in labels
    assert "parity.rate" in labels  # region overrides shown by their table and key
    assert "workforce.x" in labels
    assert len(text.encode()) < 300_000
