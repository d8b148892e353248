"""The outside appointment a referral led to, recorded once the outside provider confirms
it (`POST ServiceRequest/{id}/$referral-appointment`): the report then says whether the
referral was arranged within the standard (SB 855, H&S §1374.72; 28 CCR §1300.67.2.2(c)(7))."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fhir_support import INITIAL_DEADLINE, NOW, FhirClient, parameters, resources

OPERATION = "$referral-appointment"


def _referred(api: FhirClient) -> str:
    """eve has no timely in-network time: her request is referred out of network now."""
    bundle = api.post("/Appointment/$find", parameters(patient_reference="Patient/eve"))
    [request] = resources(bundle, "ServiceRequest")
    api.post(f"/ServiceRequest/{request['id']}/$refer", parameters(reason="no capacity"))
    return str(request["id"])


def _referral_of(api: FhirClient, request_id: str) -> Any:
    window = {"from": NOW.date().isoformat(), "to": (NOW + timedelta(days=1)).date().isoformat()}
    documents = api.http.get("/report/evidence", params=window).json()
    (document,) = [d for d in documents if str(d["request"]) == request_id]
    return document["referral"]


def test_an_outside_visit_within_the_standard_is_a_referral_arranged_in_time(
    api: FhirClient,
) -> None:
    request_id = _referred(api)
    seen = (INITIAL_DEADLINE - timedelta(days=1)).isoformat()
    body = parameters(outside_provider="Harbor Counselling", appointment=seen)
    task = api.post(f"/ServiceRequest/{request_id}/{OPERATION}", body)
    assert task["resourceType"] == "Task"
    assert task["code"]["coding"][0]["code"] == "out-of-network-referral"
    referral = _referral_of(api, request_id)
    assert referral["outside_provider"] == "Harbor Counselling"
    assert referral["arranged_in_time"] is True


def test_an_outside_visit_after_the_deadline_is_a_referral_arranged_late(api: FhirClient) -> None:
    request_id = _referred(api)
    late = (INITIAL_DEADLINE + timedelta(days=7)).isoformat()
    body = parameters(outside_provider="Harbor Counselling", appointment=late)
    api.post(f"/ServiceRequest/{request_id}/{OPERATION}", body)
    assert _referral_of(api, request_id)["arranged_in_time"] is False


def test_a_visit_before_the_referral_and_a_request_never_referred_are_refused(
    api: FhirClient,
) -> None:
    request_id = _referred(api)
    before = (NOW - timedelta(days=3)).isoformat()
    body = parameters(outside_provider="Harbor Counselling", appointment=before)
    outcome = api.post(f"/ServiceRequest/{request_id}/{OPERATION}", body, 422)
    assert "before the referral was made" in str(outcome)
    assert _referral_of(api, request_id)["outside_appointment"] is None
    bundle = api.post("/Appointment/$find", parameters(patient_reference="Patient/ada"))
    [open_request] = resources(bundle, "ServiceRequest")
    seen = (INITIAL_DEADLINE - timedelta(days=1)).isoformat()
    body = parameters(outside_provider="Harbor Counselling", appointment=seen)
    api.post(f"/ServiceRequest/{open_request['id']}/{OPERATION}", body, 404)


def test_the_operation_needs_both_the_provider_and_the_time(api: FhirClient) -> None:
    request_id = _referred(api)
    path = f"/ServiceRequest/{request_id}/{OPERATION}"
    api.post(path, parameters(outside_provider="Harbor Counselling"), 422)
    api.post(path, parameters(appointment=INITIAL_DEADLINE.isoformat()), 422)
