"""FHIR R4 forbids empty arrays, objects and strings: `pruned` drops them at any depth,
and keeps every other value, falsy ones included."""

from __future__ import annotations

from parity.entrypoints.api.responses import pruned


def test_empties_go_at_any_depth_and_falsy_values_stay() -> None:
    body = {
        "resourceType": "Appointment",
        "note": [],
        "comment": "",
        "meta": {},
        "priority": 0,
        "cancelled": False,
        "participant": [
            {"actor": {"reference": "", "display": None}, "type": [[], {}]},
            {"actor": {"reference": "Practitioner/ana"}, "required": "", "status": "accepted"},
            "",
            None,
        ],
        "extension": [{"url": "x", "valueString": ""}],
    }
    assert pruned(body) == {
        "resourceType": "Appointment",
        "priority": 0,
        "cancelled": False,
        "participant": [{"actor": {"reference": "Practitioner/ana"}, "status": "accepted"}],
        "extension": [{"url": "x"}],
    }


def test_a_value_that_is_not_a_container_comes_back_as_it_was() -> None:
    assert pruned("") == ""
    assert pruned(None) is None
    assert pruned([{}, [""]]) == []
