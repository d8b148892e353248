"""Law cases, round nineteen, over HTTP: the stories of tests/unit/law_round19.py (each with
the rule its outcome comes from) told through the services on the API's store, and read
back from `GET /report/evidence` and `GET /report/compliance` as a regulator would
(docs/adr/0013-evidence-a-regulator-accepts.md, 2026-12-08)."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import LA, Region, auth_headers, instant, matches, parameters, resources

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


# -- the same rules through the FHIR operations themselves --------------------------------------


def _find(http: TestClient, **more: Any) -> dict[str, Any]:
    body = parameters(patient_reference="Patient/ada", **more)
    response = http.post("/Appointment/$find", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _at(http: TestClient, app: FastAPI, region: Region, when: datetime) -> None:
    """Move the clock, with a token issued at the new time (one from before has expired)."""
    region.clock.set(when)
    http.headers.update(auth_headers(app))


def _outcome(http: TestClient, app: FastAPI, region: Region, request: str) -> str:
    _at(http, app, region, LONG_AFTER)
    documents = http.get("/report/evidence", params=WINDOW).json()
    (mine,) = [d for d in documents if f"ServiceRequest/{d['request']}" == request]
    return str(mine["outcome"])


@pytest.mark.parametrize(
    ("rebooked_at", "expected"),
    [
        (datetime(2026, 6, 1, 10, tzinfo=LA), Outcome.WITHIN_STANDARD),
        (datetime(2026, 6, 4, 9, tzinfo=LA), Outcome.CLINIC_CANCELLED),
    ],
    ids=["rebooked the same morning", "rebooked three days later"],
)
def test_a_clinic_cancellation_through_the_api_is_judged_by_the_prompt_rebooking(
    app: FastAPI, region: Region, rebooked_at: datetime, expected: Outcome
) -> None:
    """Asked Sunday 05-31 (deadline Fri 06-12); the clinic cancels on Mon 06-01 09:00
    (`$cancel`, cancelled-by clinic); the rule file's [rescheduling] wants a new timely offer
    by the end of Tue 06-02. Rebooked through `$find` + `$book` on the same request."""
    with TestClient(app, headers=auth_headers(app)) as http:
        first = matches(_find(http))[0]
        booked = http.post("/Appointment/$book", json=parameters(appt_id=first["id"])).json()
        visit = next(a for a in resources(booked, "Appointment") if a["status"] == "booked")
        request = visit["basedOn"][0]["reference"]
        _at(http, app, region, datetime(2026, 6, 1, 9, tzinfo=LA))
        body = parameters(cancelled_by="clinic", reason="clinician ill")
        assert http.post(f"/Appointment/{visit['id']}/$cancel", json=body).status_code == 200
        _at(http, app, region, rebooked_at)
        again = matches(_find(http, service_request=request))[0]
        assert instant(again["start"]) <= datetime(2026, 6, 12, 23, 59, 59, tzinfo=LA)
        rebooked = http.post("/Appointment/$book", json=parameters(appt_id=again["id"]))
        assert rebooked.status_code == 200, rebooked.text
        assert _outcome(http, app, region, request) == expected.value


@pytest.mark.parametrize(
    ("after_start", "expected"),
    [(timedelta(minutes=-30), Outcome.MEMBER_DECLINED), (timedelta(minutes=30), Outcome.LATE)],
    ids=["refused before the time began", "refused after it began"],
)
def test_a_refusal_through_the_api_counts_only_while_the_time_could_be_taken(
    app: FastAPI, region: Region, after_start: timedelta, expected: Outcome
) -> None:
    """A scheduler offers a timely time by phone (`$offer`, 3 hours ahead) and records the
    member's refusal (`Task/$decline`, with the contact note) half an hour before, or after,
    the time began (28 CCR §1300.67.2.2(c)(5); ADR 0013, 2026-12-08). Nothing else is
    offered and a phone offer has no delivered message."""
    with TestClient(app, headers=auth_headers(app)) as http:
        proposal = matches(_find(http))[0]
        request = proposal["basedOn"][0]["reference"]
        start = instant(proposal["start"])
        _at(http, app, region, start - timedelta(hours=3))
        slot = {"valueReference": proposal["slot"][0]}
        offer = http.post(f"/{request}/$offer", json=parameters(slot=slot, channel="phone"))
        assert offer.status_code == 200, offer.text
        _at(http, app, region, start + after_start)
        note = parameters(channel="phone", note="member called back: not that time")
        refused = http.post(f"/Task/{offer.json()['id']}/$decline", json=note)
        assert refused.status_code == 200, refused.text
        assert _outcome(http, app, region, request) == expected.value
