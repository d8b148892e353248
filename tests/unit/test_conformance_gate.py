"""The conformance gate can fail: bodies that break the R4 schema or a scheduling invariant
are reported (docs/adr/0015). The gate lives with the e2e tests; these are its own tests."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))

from conformance_gate import problems

BOOKED = {
    "resourceType": "Appointment",
    "id": "1",
    "status": "booked",
    "start": "2026-06-01T16:00:00Z",
    "end": "2026-06-01T17:00:00Z",
    "participant": [{"actor": {"reference": "Patient/ada"}, "status": "accepted"}],
}


def test_a_valid_appointment_passes() -> None:
    assert problems(BOOKED) == []


def test_a_status_outside_the_r4_value_set_breaks_the_schema() -> None:
    assert problems({**BOOKED, "status": "confirmed"})


def test_an_empty_array_is_found() -> None:
    assert problems({**BOOKED, "slot": []})


def test_a_booked_appointment_without_an_end_breaks_app_2() -> None:
    found = problems({k: v for k, v in BOOKED.items() if k != "end"})
    assert any("app-2" in p for p in found)


def test_a_cancellation_reason_on_a_booked_visit_breaks_app_4() -> None:
    found = problems({**BOOKED, "cancelationReason": {"text": "ill"}})
    assert any("app-4" in p for p in found)


def test_a_collection_with_a_total_breaks_bdl_1() -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "total": 1}
    assert any("bdl-1" in p for p in problems(bundle))


def test_two_entries_with_one_full_url_and_version_break_bdl_7() -> None:
    entry = {
        "fullUrl": "http://x/Appointment/1",
        "resource": {**BOOKED, "meta": {"versionId": "a"}},
    }
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [entry, entry]}
    assert any("bdl-7" in p for p in problems(bundle))
