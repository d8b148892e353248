"""The scenario lab's progress fragment never strands a page: however the background run and
a poll interleave, the fragment either shows the finished comparison or keeps polling."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import Region
from security_support import PASSWORD, add_login_user

from parity.entrypoints.web import comparisons, lab

ASKED = comparisons.RunAsked(["socal-2025", "socal-union-2024"], 2, 1, 0.002, 7)
FINISHED = comparisons.Comparison("run here: a stand-in", ["socal-2025"], {}, [])


def test_a_run_finishing_while_its_fragment_renders_is_shown_or_still_polled(
    app: FastAPI, region: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_login_user(region)
    running = lab.LabJob(1, ASKED)
    app.state.parity_lab = lab.Lab()
    app.state.parity_lab.jobs[running.id] = running
    listed = comparisons.scenario_choices

    def finish_mid_render() -> list[comparisons.ScenarioChoice]:
        running.result = FINISHED  # the background thread ends here, during the render
        return listed()

    monkeypatch.setattr(comparisons, "scenario_choices", finish_mid_render)
    with TestClient(app, follow_redirects=False) as client:
        client.post("/app/login", data={"username": "matrix", "password": PASSWORD})
        fragment = client.get("/app/scenarios?job=1", headers={"X-Parity-Fragment": "frag_job"})
    assert fragment.status_code == 200, fragment.text
    polls = 'data-poll="/app/scenarios?job=1"' in fragment.text
    shown = FINISHED.source in fragment.text
    assert polls or shown, fragment.text
