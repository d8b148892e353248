"""A FHIR body is written as compact UTF-8 JSON, the same bytes whichever of orjson's paths
writes it: text keys on the fast path, a body with other keys with them turned to text
(docs/adr/0017-booking-api-speed.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from parity.entrypoints.api.responses import FhirResponse


def _standard(content: object) -> bytes:
    """What the standard encoder writes, compact and unescaped: the independent reference."""
    return json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode()


def test_a_bundle_is_the_standard_encoders_compact_utf8() -> None:
    body = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 1,
        "entry": [
            {
                "fullUrl": "http://x/Appointment/proposal-1-2",
                "resource": {
                    "resourceType": "Appointment",
                    "id": "proposal-1-2",
                    "minutesDuration": 50,
                    "comment": "Proposed: same clinician, Bé Nguyễn",
                    "extension": [{"url": "timely", "valueBoolean": True}],
                },
                "search": {"mode": "match"},
            }
        ],
    }
    assert FhirResponse(body, clean=True).body == _standard(body)


def test_number_keys_are_written_as_text() -> None:
    body = {"resourceType": "Basic", "by-week": {1: 3, 2: {"x": 4}}}
    expected = {"resourceType": "Basic", "by-week": {"1": 3, "2": {"x": 4}}}
    assert FhirResponse(body).body == _standard(expected)


def test_an_instant_in_a_body_is_written_as_iso_8601() -> None:
    moment = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    assert FhirResponse({"when": moment}).body == b'{"when":"2026-12-07T09:30:00+00:00"}'


def test_a_value_json_cannot_hold_is_still_refused() -> None:
    with pytest.raises(TypeError):
        FhirResponse({"resourceType": "Basic", "x": object()})
