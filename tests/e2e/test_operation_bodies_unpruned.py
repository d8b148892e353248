"""The scheduling operations answer bodies built without empty values, and skip the
pruning pass every other body gets (docs/adr/0017-booking-api-speed.md): each answer of
`$find`, `$hold`, `$book`, a reschedule and `$cancel` must be what pruning would leave."""

from __future__ import annotations

from typing import Any

from fhir_support import FhirClient, matches, parameters, resources

from parity.entrypoints.api.responses import pruned


def _unpruned(body: dict[str, Any]) -> dict[str, Any]:
    assert pruned(body) == body
    return body


def test_every_operation_answers_a_body_without_empty_values(api: FhirClient) -> None:
    found = _unpruned(api.post("/Appointment/$find", parameters(patient_reference="Patient/ada")))
    held = _unpruned(api.post("/Appointment/$hold", parameters(appt_id=matches(found)[0]["id"])))
    [pending] = resources(held, "Appointment")
    booked = _unpruned(api.post("/Appointment/$book", parameters(appt_id=pending["id"])))
    visit = next(a for a in resources(booked, "Appointment") if a["status"] == "booked")
    later = parameters(patient_reference="Patient/ada", start="2026-06-04")
    second = matches(_unpruned(api.post("/Appointment/$find", later)))[0]
    moved = _unpruned(
        api.post(
            "/Appointment/$book", parameters(appt_id=second["id"], cancelled_appt_id=visit["id"])
        )
    )
    now = next(a for a in resources(moved, "Appointment") if a["status"] == "booked")
    cancel = parameters(cancelled_by="clinic", reason="the clinician is away")
    _unpruned(api.post(f"/Appointment/{now['id']}/$cancel", cancel))
    nothing = parameters(patient_reference="Patient/ada", start="2027-06-01")
    assert resources(_unpruned(api.post("/Appointment/$find", nothing)), "OperationOutcome")
