"""The member's own acts and the plan's prior-authorisation determination, recorded from the
pages (docs/adr/0016, 2026-12-07 (night)) under the rules the API keeps (docs/adr/0013,
2026-12-07 evening):

- staff record a member's later date or withdrawal only with the channel the member used
  and a contact note, else a plain form error and nothing recorded;
- a member withdraws or asks for a later date from their own page, through the portal;
- a member cannot act on another member's request, nor record prior authorisation;
- a scheduler outside the member's clinics is answered as the API answers them;
- the determination names the signed-in clinician who recorded it.

Expected values come from the rules: a date asked for is the start of that clinic-local day
(as the API reads a FHIR date); an urgent request's clock starts when it is asked for, and
prior authorisation makes its limit 96 hours instead of 48 (H&S §1367.03(a)(5)(A)-(B))."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import LA, NOW, FhirClient, Region, auth_headers, matches, parameters
from test_pages_keep_the_record import ADA, SAM, csrf, open_request, signed_in

from parity.domain.care import CareRequest, Channel, RequestStatus
from parity.domain.users import Principal, Role
from parity.entrypoints.security.matrix import API, PAGES

NOTE = "Ada phoned at 09:10: she is away until the 20th"
LATER = "2026-06-20"
LATER_FROM = datetime(2026, 6, 20, 0, 0, tzinfo=LA)  # the start of that clinic-local day


def stored(region: Region, request_id: int) -> CareRequest:
    with region.store:
        return region.store.requests.get(request_id)


def bo_request(api: FhirClient) -> int:
    found = matches(api.post("/Appointment/$find", parameters(patient_reference="Patient/bo")))
    return int(found[0]["basedOn"][0]["reference"].removeprefix("ServiceRequest/"))


def urgent_request(api: FhirClient) -> int:
    found = matches(
        api.post(
            "/Appointment/$find",
            parameters(patient_reference="Patient/ada", visit_type={"valueCode": "urgent"}),
        )
    )
    return int(found[0]["basedOn"][0]["reference"].removeprefix("ServiceRequest/"))


def ada_clinician(api: FhirClient) -> str:
    """Book Ada a visit so its clinician treats her (a therapist sees their patients only)."""
    found = matches(api.post("/Appointment/$find", parameters(patient_reference="Patient/ada")))
    booked = api.post("/Appointment/$book", parameters(appt_id=found[0]["id"]))
    visit = booked["entry"][0]["resource"]
    return str(visit["participant"][1]["actor"]["reference"].removeprefix("Practitioner/"))


# -- staff record the member's word --------------------------------------------------------------


def test_staff_record_a_later_date_with_the_channel_and_note_the_page_and_evidence_show(
    app: FastAPI, api: FhirClient, region: Region
) -> None:
    request_id = open_request(api)
    page = f"/app/requests/{request_id}"
    with signed_in(app, SAM) as client:
        shown = client.get(page).text
        assert f'action="{page}/prefer-later"' in shown
        answer = client.post(
            f"{page}/prefer-later",
            data={
                "csrf_token": csrf(client, page),
                "date": LATER,
                "channel": "phone",
                "note": NOTE,
            },
        )
        assert answer.status_code == 303, answer.text[:400]
        assert answer.headers["location"] == page
        after = client.get(page).text
        evidence = client.get(f"{page}/evidence").text
    kept = stored(region, request_id)
    assert kept.status is RequestStatus.OPEN
    assert kept.member_preferred_from == LATER_FROM
    assert kept.preference_recorded_by == "sam.scheduler"
    assert kept.preference_channel is Channel.PHONE
    assert kept.preference_note == NOTE
    assert "(via phone)" in after
    assert NOTE in after
    assert "the member said it via phone" in evidence
    assert NOTE in evidence


def test_two_later_dates_from_the_page_are_both_shown_in_order_the_latest_in_force(
    app: FastAPI, api: FhirClient, region: Region
) -> None:
    """The member first asks for the 20th, then says the 12th is fine: both are kept, in
    order, on the request's page and its evidence page, and the request is booked from the
    12th (docs/adr/0013, 2026-12-08)."""
    request_id = open_request(api)
    page = f"/app/requests/{request_id}"
    sooner = "the 12th is fine after all"
    with signed_in(app, SAM) as client:
        for date, note in ((LATER, NOTE), ("2026-06-12", sooner)):
            answer = client.post(
                f"{page}/prefer-later",
                data={
                    "csrf_token": csrf(client, page),
                    "date": date,
                    "channel": "phone",
                    "note": note,
                },
            )
            assert answer.status_code == 303, answer.text[:400]
        after = client.get(page).text
        evidence = client.get(f"{page}/evidence").text
    kept = stored(region, request_id)
    twelfth = datetime(2026, 6, 12, 0, 0, tzinfo=LA)
    assert kept.member_preferred_from == kept.not_before == twelfth
    for shown in (after, evidence):
        assert shown.index(NOTE) < shown.index(sooner)
        assert shown.index("superseded by the next") < shown.index("in force")
    assert "2026-06-20T00:00:00-07:00" in evidence
    assert "2026-06-12T00:00:00-07:00" in evidence


def test_a_fragment_post_answers_the_request_block_with_the_confirmation(
    app: FastAPI, api: FhirClient
) -> None:
    request_id = open_request(api)
    page = f"/app/requests/{request_id}"
    with signed_in(app, SAM) as client:
        answer = client.post(
            f"{page}/prefer-later",
            data={"csrf_token": csrf(client, page), "date": LATER, "channel": "sms", "note": NOTE},
            headers={"X-Parity-Fragment": "frag_request"},
        )
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<section id="frag_request">')
    assert "notice-ok" in answer.text
    assert "(via sms)" in answer.text


def test_staff_without_a_note_or_a_channel_get_a_plain_form_error_and_nothing_is_recorded(
    app: FastAPI, api: FhirClient, region: Region
) -> None:
    request_id = open_request(api)
    page = f"/app/requests/{request_id}"
    with signed_in(app, SAM) as client:
        token = csrf(client, page)
        no_note = client.post(
            f"{page}/prefer-later",
            data={"csrf_token": token, "date": LATER, "channel": "phone", "note": "   "},
        )
        no_channel = client.post(
            f"{page}/withdraw", data={"csrf_token": token, "channel": "", "note": NOTE}
        )
        no_note_withdrawal = client.post(
            f"{page}/withdraw", data={"csrf_token": token, "channel": "phone", "note": ""}
        )
        past = client.post(
            f"{page}/prefer-later",
            data={"csrf_token": token, "date": "2026-05-30", "channel": "phone", "note": NOTE},
        )
        not_a_date = client.post(
            f"{page}/prefer-later",
            data={"csrf_token": token, "date": "soon", "channel": "phone", "note": NOTE},
        )
    for answer in (no_note, no_channel, no_note_withdrawal, past, not_a_date):
        assert 400 <= answer.status_code < 500, answer.status_code
        assert "text/html" in answer.headers["content-type"]
        assert "Not done:" in answer.text
    assert "needs a contact note" in no_note.text
    assert f'value="{LATER}"' in no_note.text  # what was typed is kept
    assert "needs the channel the member used" in no_channel.text
    assert "needs a contact note" in no_note_withdrawal.text
    assert "has passed" in past.text
    assert "must be a date" in not_a_date.text
    kept = stored(region, request_id)
    assert kept.status is RequestStatus.OPEN
    assert kept.member_preferred_from is None
    assert kept.withdrawn_at is None


def test_staff_record_a_withdrawal_with_the_channel_and_note(
    app: FastAPI, api: FhirClient, region: Region
) -> None:
    request_id = open_request(api)
    page = f"/app/requests/{request_id}"
    note = "Ada texted back: she found care through her employer"
    with signed_in(app, SAM) as client:
        answer = client.post(
            f"{page}/withdraw",
            data={"csrf_token": csrf(client, page), "channel": "sms", "note": note},
        )
        assert answer.status_code == 303, answer.text[:400]
        after = client.get(page).text
        evidence = client.get(f"{page}/evidence").text
    kept = stored(region, request_id)
    assert kept.status is RequestStatus.WITHDRAWN
    assert kept.withdrawn_by == "sam.scheduler"
    assert kept.withdrawal_channel is Channel.SMS
    assert kept.withdrawal_note == note
    assert "(via sms)" in after
    assert note in after
    assert f'action="{page}/withdraw"' not in after  # closed: no form any more
    assert f'action="{page}/prefer-later"' not in after
    assert "the member said it via sms" in evidence


def test_a_manager_sees_no_form_for_the_members_acts_and_may_not_post_them(
    app: FastAPI, api: FhirClient, region: Region
) -> None:
    request_id = open_request(api)
    page = f"/app/requests/{request_id}"
    manager = Principal("gia.manager", Role.MANAGER)
    with signed_in(app, manager) as client:
        shown = client.get(page).text
        refused = client.post(
            f"{page}/withdraw",
            data={"csrf_token": csrf(client, page), "channel": "phone", "note": NOTE},
        )
    for act in ("withdraw", "prefer-later", "prior-authorization"):
        assert f'action="{page}/{act}"' not in shown
    assert refused.status_code == 403
    assert stored(region, request_id).status is RequestStatus.OPEN


# -- the member acts for themselves -----------------------------------------------------------


def test_a_member_withdraws_their_own_request_from_their_page_through_the_portal(
    app: FastAPI, api: FhirClient, region: Region
) -> None:
    request_id = open_request(api)
    with signed_in(app, ADA) as client:
        shown = client.get("/app/me").text
        assert f'action="/app/me/requests/{request_id}/withdraw"' in shown
        answer = client.post(
            f"/app/me/requests/{request_id}/withdraw",
            data={"csrf_token": csrf(client, "/app/me")},
        )
        assert answer.status_code == 303, answer.text[:400]
        after = client.get("/app/me").text
    kept = stored(region, request_id)
    assert kept.status is RequestStatus.WITHDRAWN
    assert kept.withdrawn_by == "ada-online"
    assert kept.withdrawal_channel is Channel.PORTAL
    assert kept.withdrawal_note == ""
    assert f"/app/me/requests/{request_id}/withdraw" not in after


def test_a_member_asks_for_a_later_date_from_their_page_through_the_portal(
    app: FastAPI, api: FhirClient, region: Region
) -> None:
    request_id = open_request(api)
    with signed_in(app, ADA) as client:
        answer = client.post(
            f"/app/me/requests/{request_id}/prefer-later",
            data={"csrf_token": csrf(client, "/app/me"), "date": LATER},
        )
        assert answer.status_code == 303, answer.text[:400]
        after = client.get("/app/me").text
    kept = stored(region, request_id)
    assert kept.status is RequestStatus.OPEN
    assert kept.member_preferred_from == LATER_FROM
    assert kept.preference_recorded_by == "ada-online"
    assert kept.preference_channel is Channel.PORTAL
    assert "from Sat 20 Jun 2026" in after  # 2026-06-01 is a Monday


def test_a_member_cannot_act_on_another_members_request(
    app: FastAPI, api: FhirClient, region: Region
) -> None:
    theirs = bo_request(api)
    with signed_in(app, ADA) as client:
        token = csrf(client, "/app/me")
        withdrawn = client.post(f"/app/me/requests/{theirs}/withdraw", data={"csrf_token": token})
        later = client.post(
            f"/app/me/requests/{theirs}/prefer-later", data={"csrf_token": token, "date": LATER}
        )
        staff_form = client.post(
            f"/app/requests/{theirs}/withdraw",
            data={"csrf_token": token, "channel": "portal", "note": "me"},
        )
    assert withdrawn.status_code in (403, 404)
    assert later.status_code in (403, 404)
    assert staff_form.status_code == 403
    kept = stored(region, theirs)
    assert kept.status is RequestStatus.OPEN
    assert kept.member_preferred_from is None
    assert kept.withdrawn_at is None


def test_a_member_cannot_post_the_prior_authorisation_form(
    app: FastAPI, api: FhirClient, region: Region
) -> None:
    request_id = urgent_request(api)
    before = stored(region, request_id).deadline
    with signed_in(app, ADA) as client:
        refused = client.post(
            f"/app/requests/{request_id}/prior-authorization",
            data={"csrf_token": csrf(client, "/app/me")},
        )
        own_page = client.get("/app/me").text
    assert refused.status_code == 403
    assert "prior-authorization" not in own_page
    kept = stored(region, request_id)
    assert kept.prior_authorization_at is None
    assert kept.deadline == before


# -- scope and the determination --------------------------------------------------------------


def test_a_scheduler_outside_the_members_clinic_is_answered_as_the_api_answers(
    app: FastAPI, api: FhirClient, region: Region
) -> None:
    request_id = open_request(api)  # Ada's home clinic is san-diego
    fontana = Principal("fay.scheduler", Role.SCHEDULER, clinic_ids=("fontana",))
    bearer = auth_headers(app, Role.SCHEDULER, subject="fay.scheduler", clinics=("fontana",))
    with TestClient(app, headers=bearer) as http:
        by_api = http.post(
            f"/ServiceRequest/{request_id}/$withdraw",
            json=parameters(channel="phone", note=NOTE),
        ).status_code
    assert by_api == 404
    with signed_in(app, fontana) as client:
        token = csrf(client, "/app/queue")
        answers = [
            client.post(
                f"/app/requests/{request_id}/withdraw",
                data={"csrf_token": token, "channel": "phone", "note": NOTE},
            ),
            client.post(
                f"/app/requests/{request_id}/prefer-later",
                data={"csrf_token": token, "date": LATER, "channel": "phone", "note": NOTE},
            ),
            client.post(
                f"/app/requests/{request_id}/prior-authorization", data={"csrf_token": token}
            ),
        ]
    assert [a.status_code for a in answers] == [by_api] * 3
    kept = stored(region, request_id)
    assert kept.status is RequestStatus.OPEN
    assert kept.member_preferred_from is None
    assert kept.prior_authorization_at is None


def test_prior_authorisation_recorded_by_a_clinician_names_them_and_moves_the_deadline(
    app: FastAPI, api: FhirClient, region: Region
) -> None:
    clinician = ada_clinician(api)
    request_id = urgent_request(api)
    page = f"/app/requests/{request_id}"
    asked = stored(region, request_id)
    assert asked.deadline == NOW + timedelta(hours=48)  # the urgent standard, from the ask
    doctor = Principal("dr-lee", Role.THERAPIST, clinician_id=clinician)
    with signed_in(app, doctor) as client:
        shown = client.get(page).text
        assert f'action="{page}/prior-authorization"' in shown
        answer = client.post(f"{page}/prior-authorization", data={"csrf_token": csrf(client, page)})
        assert answer.status_code == 303, answer.text[:400]
        after = client.get(page).text
        evidence = client.get(f"{page}/evidence").text
    kept = stored(region, request_id)
    assert kept.prior_authorization_by == "dr-lee"
    assert kept.prior_authorization_role == "therapist"
    assert kept.prior_authorization_at == NOW
    assert kept.prior_authorization is True
    assert kept.deadline == NOW + timedelta(hours=96)
    assert "determined by dr-lee (therapist)" in after
    assert f'action="{page}/prior-authorization"' not in after  # once per request
    assert "determined by dr-lee (therapist)" in evidence


def test_prior_authorisation_after_the_urgent_deadline_is_kept_and_moves_nothing(
    app: FastAPI, api: FhirClient, region: Region
) -> None:
    request_id = urgent_request(api)
    page = f"/app/requests/{request_id}"
    region.clock.advance(timedelta(hours=49))  # the 48 hours have run out
    with signed_in(app, SAM) as client:
        answer = client.post(f"{page}/prior-authorization", data={"csrf_token": csrf(client, page)})
        assert answer.status_code == 303, answer.text[:400]
        after = client.get(page).text
    kept = stored(region, request_id)
    assert kept.prior_authorization_by == "sam.scheduler"
    assert kept.prior_authorization is False
    assert kept.deadline == NOW + timedelta(hours=48)
    assert "not applied (after the urgent deadline)" in after


def test_no_prior_authorisation_form_on_a_request_it_cannot_apply_to(
    app: FastAPI, api: FhirClient, region: Region
) -> None:
    request_id = open_request(api)  # an initial visit: prior authorisation changes nothing
    page = f"/app/requests/{request_id}"
    with signed_in(app, SAM) as client:
        shown = client.get(page).text
        refused = client.post(
            f"{page}/prior-authorization", data={"csrf_token": csrf(client, page)}
        )
    assert f'action="{page}/prior-authorization"' not in shown
    assert refused.status_code == 422
    assert "only an urgent request" in refused.text
    assert stored(region, request_id).prior_authorization_at is None


# -- the matrix: no page lets a role do what the API refuses it ---------------------------------

PAGE_OF_API = {
    "/ServiceRequest/{request_id}/$withdraw": (
        "/app/requests/{request_id}/withdraw",
        "/app/me/requests/{request_id}/withdraw",
    ),
    "/ServiceRequest/{request_id}/$prefer-later": (
        "/app/requests/{request_id}/prefer-later",
        "/app/me/requests/{request_id}/prefer-later",
    ),
    "/ServiceRequest/{request_id}/$prior-authorization": (
        "/app/requests/{request_id}/prior-authorization",
    ),
}


def test_the_page_routes_allow_no_role_the_api_refuses() -> None:
    for api_path, page_paths in PAGE_OF_API.items():
        allowed = API[("POST", api_path)].roles
        for page_path in page_paths:
            access = PAGES[("POST", page_path)]
            assert access.roles, page_path
            assert access.roles <= allowed, (page_path, access.roles - allowed)
            assert access.record == "ServiceRequest", page_path  # audited as member data
    assert PAGES[("POST", "/app/requests/{request_id}/prior-authorization")].roles == {
        Role.THERAPIST,
        Role.SCHEDULER,
        Role.ADMIN,
    }
    for act in ("withdraw", "prefer-later"):
        assert PAGES[("POST", f"/app/me/requests/{{request_id}}/{act}")].roles == {Role.MEMBER}
        assert Role.MEMBER not in PAGES[("POST", f"/app/requests/{{request_id}}/{act}")].roles
