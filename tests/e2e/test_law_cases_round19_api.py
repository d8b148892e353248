"""Law cases, round nineteen, over HTTP: the stories of tests/unit/law_round19.py (each with
the rule its outcome comes from) told through the services on the API's store, and read
back from `GET /report/evidence` and `GET /report/compliance` as a regulator would
(docs/adr/0013-evidence-a-regulator-accepts.md, 2026-12-08)."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import Region, auth_headers

# The story table lives beside the unit tests' oracle, which it uses.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from law_round19 import LONG_AFTER, STORIES, Story

from parity.domain.compliance import COMPLIANT, Outcome

WINDOW = {"from": "2026-05-01", "to": "2026-12-01"}


@pytest.mark.parametrize(
    ("told", "expected"), [s[1:] for s in STORIES], ids=[s[0] for s in STORIES]
)
def test_each_story_reads_back_over_http_as_the_rule_says(
    app: FastAPI, region: Region, told: Callable[[Story], None], expected: Outcome
) -> None:
    story = Story(region.store, region.policy, itertools.count(10_000), member="ada")
    story.clinic = "san-diego"
    told(story)
    region.clock.set(LONG_AFTER)
    with TestClient(app, headers=auth_headers(app)) as http:
        documents: list[dict[str, Any]] = http.get("/report/evidence", params=WINDOW).json()
        report: dict[str, Any] = http.get("/report/compliance", params=WINDOW).json()
    (mine,) = [d for d in documents if d["request"] == story.req.id]
    assert mine["outcome"] == expected.value
    (standard,) = [
        b for b in report["breakdowns"]["by_standard"] if b["key"] == [story.req.standard]
    ]
    assert standard["outcomes"].get(expected.value, 0) >= 1
    if expected in COMPLIANT:
        assert standard["violations"] == 0
