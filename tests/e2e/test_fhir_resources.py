"""Reads and searches over HTTP: every body validates against the R4B models (the `api`
client checks each one) and carries `application/fhir+json`."""

from __future__ import annotations

from fhir_support import NOW, FhirClient, Region, instant, matches, parameters

SAN_DIEGO_THERAPIST = "c00001"


def book_one(api: FhirClient, patient: str = "Patient/ada") -> dict:
    found = api.post("/Appointment/$find", parameters(patient_reference=patient))
    proposal = matches(found)[0]
    booked = api.post("/Appointment/$book", parameters(appt_id=proposal["id"]))
    return matches(booked, "Appointment")[0]


def test_metadata_is_a_capability_statement_listing_the_scheduling_operations(
    api: FhirClient,
) -> None:
    statement = api.get("/metadata")
    assert statement["resourceType"] == "CapabilityStatement"
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert {"Practitioner", "Slot", "Appointment", "ServiceRequest", "Task"} <= set(resources)
    assert "AuditEvent" in resources
    codings = statement["rest"][0]["security"]["service"][0]["coding"]
    assert {"OAuth", "SMART-on-FHIR"} <= {c["code"] for c in codings}
    operations = {o["name"] for o in resources["Appointment"]["operation"]}
    assert {"find", "hold", "book", "cancel"} <= operations


def test_practitioners_roles_and_schedules_are_one_per_clinician(api: FhirClient) -> None:
    practitioners = api.get("/Practitioner")
    assert practitioners["total"] == 20
    first = matches(practitioners)[0]
    assert api.get(f"/Practitioner/{first['id']}") == first
    role = api.get(f"/PractitionerRole/{first['id']}")
    assert role["practitioner"]["reference"] == f"Practitioner/{first['id']}"
    schedule = api.get(f"/Schedule/{first['id']}")
    assert schedule["actor"][0]["reference"] == f"Practitioner/{first['id']}"
    assert api.get("/Schedule", actor=f"Practitioner/{first['id']}")["total"] == 1


def test_practitioner_search_filters_by_name_and_language(api: FhirClient) -> None:
    assert api.get("/Practitioner", name="clinician 1")["total"] == 11  # 1, 10-19
    spanish = matches(api.get("/Practitioner", communication="es"))
    assert spanish
    for practitioner in spanish:
        assert "es" in {c["coding"][0]["code"] for c in practitioner["communication"]}


def test_practitioner_roles_are_searched_by_location_and_specialty(api: FhirClient) -> None:
    roles = matches(api.get("/PractitionerRole", location="Location/fontana"))
    assert roles
    assert all({"reference": "Location/fontana"} in r["location"] for r in roles)
    therapists = api.get("/PractitionerRole", specialty="therapist")["total"]
    psychiatrists = api.get("/PractitionerRole", specialty="psychiatrist")["total"]
    assert therapists + psychiatrists <= 20
    assert therapists > 0


def test_locations_carry_the_clinic_address_and_time_zone(api: FhirClient) -> None:
    locations = api.get("/Location")
    assert locations["total"] == 4
    fontana = api.get("/Location/fontana")
    assert fontana["address"]["text"].startswith("9961 Sierra Ave.")
    assert fontana["extension"][0]["valueCode"] == "America/Los_Angeles"  # tz-code (R4)
    assert matches(api.get("/Location", name="fontana"))[0]["id"] == "fontana"


def test_patients_are_read_by_id_searched_by_id_and_listed_a_page_at_a_time(
    api: FhirClient,
) -> None:
    ada = api.get("/Patient/ada")
    assert ada["name"][0]["text"] == "Ada Lovelace"
    assert api.get("/Patient", _id="ada,cruz,nobody")["total"] == 2
    first = api.get("/Patient", _count=3)
    assert first["total"] == 5
    assert [p["id"] for p in matches(first)] == ["ada", "bo", "cruz"]
    rest = api.get(next(link["url"] for link in first["link"] if link["relation"] == "next"))
    assert [p["id"] for p in matches(rest)] == ["dee", "eve"]


def test_a_search_pages_with_count_total_and_next_links(api: FhirClient) -> None:
    first = api.get("/Practitioner", _count=7)
    assert first["total"] == 20
    assert len(matches(first)) == 7
    next_url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = api.get(next_url)
    assert len(matches(second)) == 7
    assert not {p["id"] for p in matches(first)} & {p["id"] for p in matches(second)}
    only_total = api.get("/Practitioner", _count=0)
    assert only_total["total"] == 20
    assert matches(only_total) == []


def test_slot_search_by_schedule_returns_slots_and_protected_time_in_start_order(
    api: FhirClient,
) -> None:
    week = api.get(
        "/Slot",
        schedule=f"Schedule/{SAN_DIEGO_THERAPIST}",
        start=["ge2026-06-01", "lt2026-06-06"],
        _count=500,
    )
    slots = matches(week)
    starts = [instant(s["start"]) for s in slots]
    assert starts == sorted(starts)
    assert {s["status"] for s in slots} == {"free", "busy-unavailable"}
    assert all(s["schedule"]["reference"] == f"Schedule/{SAN_DIEGO_THERAPIST}" for s in slots)
    protected = [s for s in slots if s["status"] == "busy-unavailable"]
    assert sum((instant(s["end"]) - instant(s["start"])).seconds for s in protected) >= 5 * 3600
    assert api.get(f"/Slot/{protected[0]['id']}") == protected[0]


def test_slot_search_by_actor_filters_by_status_and_start_range(api: FhirClient) -> None:
    found = api.get(
        "/Slot",
        actor=f"Practitioner/{SAN_DIEGO_THERAPIST}",
        status="free",
        start=["ge2026-06-02T00:00:00-07:00", "lt2026-06-03"],
    )
    slots = matches(found)
    assert slots
    assert {s["status"] for s in slots} == {"free"}
    assert {instant(s["start"]).astimezone(NOW.tzinfo).date().isoformat() for s in slots} == {
        "2026-06-02"
    }
    assert api.get(f"/Slot/{slots[0]['id']}") == slots[0]


def test_a_booked_slot_is_busy_in_the_slot_search(api: FhirClient) -> None:
    booked = book_one(api)
    slot_id = booked["slot"][0]["reference"].removeprefix("Slot/")
    practitioner = booked["participant"][1]["actor"]["reference"]
    busy = matches(api.get("/Slot", actor=practitioner, status="busy"))
    assert [s["id"] for s in busy] == [slot_id]
    assert api.get(f"/Slot/{slot_id}")["status"] == "busy"


def test_slot_search_without_a_schedule_is_refused_with_the_reason(api: FhirClient) -> None:
    outcome = api.get("/Slot", expect=422, start="ge2026-06-01")
    assert outcome["issue"][0]["code"] == "invalid"
    assert "schedule" in outcome["issue"][0]["diagnostics"]
    assert "$find" in outcome["issue"][0]["diagnostics"]


def test_a_search_for_an_unknown_schedule_finds_nothing(api: FhirClient) -> None:
    assert api.get("/Slot", schedule="Schedule/nobody")["total"] == 0


def test_service_requests_carry_their_legal_window_and_standard(api: FhirClient) -> None:
    find = api.post("/Appointment/$find", parameters(patient_reference="Patient/ada"))
    request_id = matches(find)[0]["basedOn"][0]["reference"].removeprefix("ServiceRequest/")
    request = api.get(f"/ServiceRequest/{request_id}")
    assert request["status"] == "active"
    assert request["priority"] == "routine"
    assert instant(request["authoredOn"]) == NOW
    assert request["occurrencePeriod"]["end"] == "2026-06-13T06:59:59Z"
    assert "due 2026-06-12 23:59:59 PDT (America/Los_Angeles)" in request["note"][0]["text"]
    standard = {e["url"]: e for e in request["extension"][2]["extension"]}
    assert standard["name"]["valueCode"] == "initial-therapy"
    assert "1300.67.2.2" in standard["citation"]["valueString"]
    assert "10 business days" in request["note"][0]["text"]
    assert api.get("/ServiceRequest", patient="Patient/ada")["total"] == 1
    queue = api.get("/ServiceRequest", status="active")
    assert [r["id"] for r in matches(queue)] == [request_id]


def test_appointments_are_searched_by_patient_practitioner_date_and_status(
    api: FhirClient,
) -> None:
    booked = book_one(api)
    practitioner = booked["participant"][1]["actor"]["reference"]
    day = instant(booked["start"]).astimezone(NOW.tzinfo).date().isoformat()
    for query in (
        {"patient": "Patient/ada"},
        {"practitioner": practitioner, "date": day},
        {"patient": "ada", "status": "booked"},
        {"based-on": booked["basedOn"][0]["reference"]},
    ):
        found = api.get("/Appointment", **query)
        assert [a["id"] for a in matches(found)] == [booked["id"]], query
    assert api.get("/Appointment", patient="Patient/ada", status="cancelled")["total"] == 0
    assert api.get("/Appointment", patient="Patient/ada", date="lt2026-06-01")["total"] == 0
    assert api.get(f"/Appointment/{booked['id']}") == booked


def test_appointment_search_without_patient_or_practitioner_is_refused(api: FhirClient) -> None:
    outcome = api.get("/Appointment", expect=422, date="2026-06-01")
    assert "patient" in outcome["issue"][0]["diagnostics"]


def test_the_offer_of_a_booking_is_readable_as_a_task(api: FhirClient, region: Region) -> None:
    booked = book_one(api)
    request = booked["basedOn"][0]["reference"]
    tasks = matches(api.get("/Task", **{"based-on": request}))
    assert [t["code"]["coding"][0]["code"] for t in tasks] == ["offer"]
    assert tasks[0]["status"] == "accepted"
    assert tasks[0]["focus"] == booked["slot"][0]
    assert api.get(f"/Task/{tasks[0]['id']}") == tasks[0]
    assert api.get("/Task", patient="Patient/ada")["total"] == 1


def test_the_openapi_docs_describe_the_operations_and_their_fhir_bodies(api: FhirClient) -> None:
    assert api.http.get("/docs").status_code == 404, "the viewers are off by default (ADR 0012)"
    spec = api.http.get("/openapi.json").json()
    find = spec["paths"]["/Appointment/$find"]["post"]
    assert "application/fhir+json" in find["requestBody"]["content"]
    assert {"/Appointment/$hold", "/Appointment/$book", "/Slot", "/metadata"} <= set(spec["paths"])
