"""The pages judge a repeated ask as the report does, and show the member's acts as
recorded (docs/adr/0013, 2026-12-07 evening): the work queue lists a member's second ask
for the same care, made while the first waited, once, as the first ask noting the repeat;
each request's page says which it is; a later date recorded by staff shows how the member
said it."""

from __future__ import annotations

from fastapi import FastAPI
from fhir_support import FhirClient, matches, parameters
from test_pages_keep_the_record import SAM, open_request, signed_in


def test_the_work_queue_shows_a_repeated_ask_once_as_the_first(
    app: FastAPI, api: FhirClient
) -> None:
    first = open_request(api)
    repeat = open_request(api)  # Ada asks again: `$find` without `service-request`
    assert repeat != first
    with signed_in(app, SAM) as client:
        queue = client.get("/app/queue").text
        first_page = client.get(f"/app/requests/{first}").text
        repeat_page = client.get(f"/app/requests/{repeat}").text
    assert f'<a href="/app/requests/{first}">#{first} ' in queue
    assert f'<a href="/app/requests/{repeat}">#{repeat} ' not in queue  # not its own row
    assert f'<a href="/app/requests/{repeat}">#{repeat}</a> (open)' in queue  # noted
    assert f'<a href="/app/requests/{repeat}">#{repeat}</a>' in first_page
    assert f'repeats <a href="/app/requests/{first}">#{first}</a>' in repeat_page


def test_a_later_date_recorded_by_staff_shows_how_the_member_said_it(
    app: FastAPI, api: FhirClient
) -> None:
    request_id = open_request(api)
    note = "Ada phoned at 09:10: she is away until the 10th"
    api.post(
        f"/ServiceRequest/{request_id}/$prefer-later",
        parameters(date={"valueDate": "2026-06-10"}, channel="phone", note=note),
    )
    assert matches(
        api.post(
            "/Appointment/$find",
            parameters(
                patient_reference="Patient/ada", service_request=f"ServiceRequest/{request_id}"
            ),
        )
    )
    with signed_in(app, SAM) as client:
        page = client.get(f"/app/requests/{request_id}").text
        evidence = client.get(f"/app/requests/{request_id}/evidence").text
    assert "(via phone)" in page
    assert note in page
    assert "the member said it via phone" in evidence
    assert note in evidence
