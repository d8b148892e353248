"""The scheduling flow over HTTP: `$find` → `$hold` → `$book`, reschedules, cancellations,
offers declined and accepted, clinical exceptions and out-of-network referrals."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import (
    INITIAL_DEADLINE,
    LA,
    NOW,
    FhirClient,
    Region,
    auth_headers,
    instant,
    matches,
    parameters,
    resources,
)

from parity.domain.users import Role

Json = dict[str, Any]


def find(api: FhirClient, patient: str = "ada", **more: Any) -> Json:
    return api.post(
        "/Appointment/$find", parameters(patient_reference=f"Patient/{patient}", **more)
    )


def book(api: FhirClient, appt_id: str, expect: int = 200, **more: Any) -> Json:
    return api.post("/Appointment/$book", parameters(appt_id=appt_id, **more), expect)


def booked_visit(bundle: Json) -> Json:
    return next(a for a in resources(bundle, "Appointment") if a["status"] == "booked")


def request_of(resource: Json) -> str:
    return str(resource["basedOn"][0]["reference"])


def slot_of(resource: Json) -> str:
    return str(resource["slot"][0]["reference"])


def diagnostics(outcome: Json) -> str:
    return str(outcome["issue"][0]["diagnostics"])


def rule(outcome: Json) -> str:
    return str(outcome["issue"][0]["details"]["coding"][0]["code"])


def test_find_proposes_timely_appointments_best_first(api: FhirClient) -> None:
    bundle = find(api)
    proposals = matches(bundle)
    assert bundle["total"] == len(proposals) == 5
    starts = [instant(p["start"]) for p in proposals]
    assert starts == sorted(starts)
    for proposal in proposals:
        assert proposal["status"] == "proposed"
        assert NOW + timedelta(hours=2) <= instant(proposal["start"]) <= INITIAL_DEADLINE
        assert instant(proposal["requestedPeriod"][0]["end"]) == INITIAL_DEADLINE
        actors = [p["actor"]["reference"].split("/")[0] for p in proposal["participant"]]
        assert actors == ["Patient", "Practitioner", "Location"]
        assert proposal["slot"][0]["reference"].startswith("Slot/")
        assert "before the deadline" in proposal["comment"]
    [request] = resources(bundle, "ServiceRequest")
    assert request_of(proposals[0]) == f"ServiceRequest/{request['id']}"


def test_find_for_an_open_request_searches_again_without_opening_another(
    api: FhirClient,
) -> None:
    first = matches(find(api))[0]
    again = find(api, service_request={"valueReference": {"reference": request_of(first)}})
    assert request_of(matches(again)[0]) == request_of(first)
    assert api.get("/ServiceRequest", patient="Patient/ada")["total"] == 1


def test_find_keeps_to_the_window_asked_for(api: FhirClient) -> None:
    proposals = matches(find(api, start="2026-06-03", end="2026-06-05"))
    assert proposals
    for proposal in proposals:
        day = instant(proposal["start"]).astimezone(NOW.tzinfo).date().isoformat()
        assert "2026-06-03" <= day < "2026-06-05"


def test_find_again_with_a_later_window_searches_in_it(api: FhirClient) -> None:
    """An open request's earliest times all fall before the window asked for: the times
    in the window are searched for, not cut from the earliest ones (which left nothing)."""
    first = matches(find(api, _count={"valueInteger": 2}))
    assert all(
        instant(p["start"]).astimezone(NOW.tzinfo).date().isoformat() < "2026-06-04" for p in first
    )
    again = find(
        api,
        service_request={"valueReference": {"reference": request_of(first[0])}},
        start="2026-06-04",
        _count={"valueInteger": 2},
    )
    later = matches(again)
    assert len(later) == 2
    for proposal in later:
        day = instant(proposal["start"]).astimezone(NOW.tzinfo).date().isoformat()
        assert day >= "2026-06-04"
        assert instant(proposal["start"]) <= INITIAL_DEADLINE
    assert request_of(later[0]) == request_of(first[0])


def test_an_urgent_request_is_proposed_within_48_hours(api: FhirClient) -> None:
    bundle = find(api, visit_type={"valueCode": "urgent"}, _count={"valueInteger": 3})
    [request] = resources(bundle, "ServiceRequest")
    assert request["priority"] == "urgent"
    assert instant(request["occurrencePeriod"]["end"]) == NOW + timedelta(hours=48)
    proposals = matches(bundle)
    assert len(proposals) == 3
    assert all(instant(p["start"]) <= NOW + timedelta(hours=48) for p in proposals)


def test_hold_then_book_books_the_proposed_appointment(api: FhirClient) -> None:
    proposal = matches(find(api))[0]
    held = api.post("/Appointment/$hold", parameters(appt_resource={"resource": proposal}))
    [pending] = resources(held, "Appointment")
    assert pending["status"] == "pending"
    assert pending["id"].startswith("hold-")
    expiry = {e["url"].rsplit("/", 1)[1]: e for e in pending["extension"]}["hold-expires"]
    assert instant(expiry["valueInstant"]) == NOW + timedelta(minutes=10)
    assert api.get(f"/{slot_of(proposal)}")["status"] == "busy-tentative"

    result = book(api, pending["id"])
    booked = booked_visit(result)
    assert booked["id"].isdigit()
    assert slot_of(booked) == slot_of(proposal)
    [note] = resources(result, "OperationOutcome")
    assert note["issue"][0]["severity"] == "information"
    assert "timely under initial-therapy" in diagnostics(note)
    assert api.get(f"/Appointment/{booked['id']}") == booked
    assert api.get(f"/{slot_of(proposal)}")["status"] == "busy"
    assert api.get(f"/ServiceRequest/{request_of(booked).split('/')[1]}")["status"] == "completed"
    assert api.get(f"/Appointment/{pending['id']}")["status"] == "booked"


def test_book_without_a_hold_books_the_proposal_directly(api: FhirClient) -> None:
    proposal = matches(find(api))[1]
    booked = booked_visit(api.post(f"/Appointment/{proposal['id']}/$book", parameters()))
    assert slot_of(booked) == slot_of(proposal)
    assert booked["participant"][0]["actor"]["reference"] == "Patient/ada"


def test_booking_the_same_slot_twice_is_a_conflict_naming_slot_unavailable(
    api: FhirClient,
) -> None:
    taken = matches(find(api))[0]
    book(api, taken["id"])
    rival = matches(find(api, patient="dee"))[0]
    same_slot = f"{rival['id'].rsplit('-', 1)[0]}-{slot_of(taken).split('/')[1]}"
    outcome = book(api, same_slot, expect=409)
    assert outcome["issue"][0]["code"] == "conflict"
    assert rule(outcome) == "slot-unavailable"
    assert diagnostics(outcome).startswith("slot-unavailable: slot ")
    assert api.post("/Appointment/$hold", parameters(appt_id=same_slot), 409)


def test_a_slot_on_hold_cannot_be_held_or_booked_by_someone_else(api: FhirClient) -> None:
    proposal = matches(find(api))[0]
    api.post("/Appointment/$hold", parameters(appt_id=proposal["id"]))
    rival = matches(find(api, patient="dee"))[0]
    same_slot = f"{rival['id'].rsplit('-', 1)[0]}-{slot_of(proposal).split('/')[1]}"
    assert rule(book(api, same_slot, expect=409)) == "slot-unavailable"


def test_a_hold_expires_and_then_cannot_be_booked(api: FhirClient, region: Region) -> None:
    proposal = matches(find(api))[0]
    held = resources(
        api.post("/Appointment/$hold", parameters(appt_id=proposal["id"])), "Appointment"
    )
    region.clock.advance(timedelta(minutes=11))
    outcome = book(api, held[0]["id"], expect=409)
    assert rule(outcome) == "slot-unavailable"
    assert "expired" in diagnostics(outcome)
    assert api.get(f"/Appointment/{held[0]['id']}")["status"] == "cancelled"


def test_cancelling_a_hold_releases_its_slot(api: FhirClient) -> None:
    proposal = matches(find(api))[0]
    held = resources(
        api.post("/Appointment/$hold", parameters(appt_id=proposal["id"])), "Appointment"
    )
    released = api.post(f"/Appointment/{held[0]['id']}/$cancel", parameters())
    assert released["status"] == "cancelled"
    assert api.get(f"/{slot_of(proposal)}")["status"] == "free"


def test_reschedule_cancels_the_old_visit_and_books_the_new_one_together(
    api: FhirClient,
) -> None:
    old = booked_visit(book(api, matches(find(api))[0]["id"]))
    new_proposal = matches(find(api, start="2026-06-04"))[0]
    result = book(api, new_proposal["id"], cancelled_appt_id=old["id"])
    new = booked_visit(result)
    cancelled = next(a for a in resources(result, "Appointment") if a["id"] == old["id"])
    assert cancelled["status"] == "cancelled"
    assert {c["code"] for c in cancelled["cancelationReason"]["coding"]} == {"pat", "member"}
    assert slot_of(new) == slot_of(new_proposal)
    assert api.get(f"/{slot_of(old)}")["status"] == "free"
    booked = api.get("/Appointment", patient="Patient/ada", status="booked")
    assert [a["id"] for a in matches(booked)] == [new["id"]]


def test_a_refused_reschedule_leaves_the_old_visit_booked(api: FhirClient) -> None:
    old = booked_visit(book(api, matches(find(api))[0]["id"]))
    wanted = matches(find(api, start="2026-06-04"))[0]
    rival = matches(find(api, patient="dee", start="2026-06-04"))[0]
    assert slot_of(rival) == slot_of(wanted)
    book(api, rival["id"])
    outcome = book(api, wanted["id"], expect=409, cancelled_appt_id=old["id"])
    assert rule(outcome) == "slot-unavailable"
    assert api.get(f"/Appointment/{old['id']}")["status"] == "booked"
    assert api.get(f"/{slot_of(old)}")["status"] == "busy"


def test_a_reschedule_through_a_hold_cancels_the_old_visit(api: FhirClient) -> None:
    old = booked_visit(book(api, matches(find(api))[0]["id"]))
    proposal = matches(find(api, start="2026-06-04"))[0]
    held = resources(
        api.post("/Appointment/$hold", parameters(appt_id=proposal["id"])), "Appointment"
    )
    result = book(api, held[0]["id"], cancelled_appt_id={"valueString": f"Appointment/{old['id']}"})
    assert booked_visit(result)["slot"] == proposal["slot"]
    assert api.get(f"/Appointment/{old['id']}")["status"] == "cancelled"


def test_rescheduling_another_patients_visit_is_refused(api: FhirClient) -> None:
    theirs = booked_visit(book(api, matches(find(api, patient="dee"))[0]["id"]))
    mine = matches(find(api))[0]
    outcome = book(api, mine["id"], expect=422, cancelled_appt_id=theirs["id"])
    assert "another patient" in diagnostics(outcome)
    assert api.get(f"/Appointment/{theirs['id']}")["status"] == "booked"


def test_a_member_cancellation_records_the_member_and_withdraws_the_request(
    api: FhirClient,
) -> None:
    visit = booked_visit(book(api, matches(find(api))[0]["id"]))
    body = parameters(cancelled_by={"valueCode": "member"}, reason="feeling better")
    cancelled = api.post(f"/Appointment/{visit['id']}/$cancel", body)
    assert cancelled["status"] == "cancelled"
    reason = cancelled["cancelationReason"]
    assert {c["code"] for c in reason["coding"]} == {"pat", "member"}
    assert reason["text"] == "feeling better"
    assert cancelled["participant"][0]["status"] == "declined"
    assert api.get(f"/{request_of(visit)}")["status"] == "revoked"
    again = api.post(f"/Appointment/{visit['id']}/$cancel", body, 409)
    assert rule(again) == "invalid-transition"


def test_a_clinic_cancellation_needs_a_reason_and_reopens_the_request(api: FhirClient) -> None:
    visit = booked_visit(book(api, matches(find(api))[0]["id"]))
    path = f"/Appointment/{visit['id']}/$cancel"
    assert api.post(path, parameters(cancelled_by="clinic"), 422)
    cancelled = api.post(path, parameters(cancelled_by="clinic", reason="clinician ill"))
    assert {c["code"] for c in cancelled["cancelationReason"]["coding"]} == {"prov", "clinic"}
    assert cancelled["participant"][1]["status"] == "declined"
    request = api.get(f"/{request_of(visit)}")
    assert request["status"] == "active"
    assert instant(request["occurrencePeriod"]["end"]) == INITIAL_DEADLINE
    again = matches(find(api, service_request=request_of(visit)))
    assert again


def test_a_follow_up_goes_back_to_the_same_clinician_on_the_sb_221_clock(
    api: FhirClient,
) -> None:
    first = booked_visit(book(api, matches(find(api))[0]["id"]))
    bundle = find(
        api,
        visit_type="follow-up",
        prior_appointment={"valueReference": {"reference": f"Appointment/{first['id']}"}},
    )
    [request] = resources(bundle, "ServiceRequest")
    clock = {e["url"]: e for e in request["extension"][2]["extension"]}["clock-start"]
    assert instant(clock["valueDateTime"]) == instant(first["start"])
    best = matches(bundle)[0]
    assert best["participant"][1] == {**first["participant"][1], "status": "accepted"}
    assert "same clinician" in best["comment"]
    assert api.post(
        "/Appointment/$find",
        parameters(patient_reference="Patient/ada", visit_type="follow-up"),
        422,
    )


def test_nothing_timely_is_an_empty_bundle_that_says_to_refer_out_of_network(
    api: FhirClient,
) -> None:
    bundle = find(api, patient="eve")
    assert bundle["total"] == 0
    assert matches(bundle) == []
    [outcome] = resources(bundle, "OperationOutcome")
    assert rule(outcome) == "deadline-unreachable"
    assert "$refer" in diagnostics(outcome)
    [request] = resources(bundle, "ServiceRequest")

    referral = api.post(
        f"/ServiceRequest/{request['id']}/$refer", parameters(reason="no Vietnamese speaker")
    )
    assert {"in-network-cost-sharing"} <= {i["type"]["text"] for i in referral["input"]}
    assert referral["resourceType"] == "Task"
    assert referral["code"]["coding"][0]["code"] == "out-of-network-referral"
    assert "SB 855" in referral["note"][0]["text"]
    assert instant(referral["restriction"]["period"]["end"]) == INITIAL_DEADLINE
    after = api.get(f"/ServiceRequest/{request['id']}")
    assert after["status"] == "completed"
    assert after["extension"][0]["valueCode"] == "referred"
    assert api.get(f"/Task/{referral['id']}") == referral
    tasks = api.get("/Task", patient="Patient/eve", code="out-of-network-referral")
    assert [t["id"] for t in matches(tasks)] == [referral["id"]]


def _treating_clinician(api: FhirClient) -> str:
    """Book ada a first visit: its clinician now treats her."""
    visit = booked_visit(book(api, matches(find(api))[0]["id"]))
    practitioner = next(
        p["actor"]["reference"]
        for p in visit["participant"]
        if "Practitioner/" in p["actor"]["reference"]
    )
    return str(practitioner).removeprefix("Practitioner/")


def test_a_clinical_exception_is_the_treating_clinicians_with_who_and_why(
    app: FastAPI, api: FhirClient
) -> None:
    clinician = _treating_clinician(api)
    [request] = resources(find(api), "ServiceRequest")
    body = parameters(
        reason="stable; prefers to wait for her own therapist",
        extended_deadline={"valueDate": "2026-06-24"},
    )
    path = f"/ServiceRequest/{request['id']}/$clinical-exception"
    # An administrator, a scheduler or a manager may not determine it: only a clinician.
    assert rule(api.post(path, body, 403)) == "forbidden"
    headers = auth_headers(app, Role.THERAPIST, subject="dr.rivera", clinician=clinician)
    with TestClient(app, headers=headers) as http:
        response = http.post(path, json=body)
        assert response.status_code == 200, response.text
        task = response.json()
        # The author comes from the session, never from the body.
        stray = http.post(path, json=parameters(author="someone else", **{"reason": "x"}))
        assert stray.status_code == 422
    assert task["code"]["coding"][0]["code"] == "clinical-exception"
    assert task["requester"]["display"] == "dr.rivera (therapist)"
    assert task["requester"]["reference"] == f"Practitioner/{clinician}"
    extended = instant(task["restriction"]["period"]["end"])
    assert extended == datetime(2026, 6, 24, 23, 59, 59, tzinfo=LA)
    after = api.get(f"/ServiceRequest/{request['id']}")
    assert instant(after["occurrencePeriod"]["end"]) == extended
    legal = {e["url"]: e for e in after["extension"][2]["extension"]}["legal-deadline"]
    assert instant(legal["valueDateTime"]) == INITIAL_DEADLINE


def test_a_declined_offer_is_kept_as_a_rejected_task(api: FhirClient) -> None:
    proposal = matches(find(api))[0]
    request = request_of(proposal)
    offer = api.post(
        f"/{request}/$offer",
        parameters(slot={"valueReference": proposal["slot"][0]}, channel="phone"),
    )
    assert offer["status"] == "requested"
    assert offer["businessStatus"]["text"] == "timely"
    assert api.get(f"/{slot_of(proposal)}")["status"] == "busy-tentative"
    # Staff record a refusal with the channel and the contact note behind it.
    unnoted = api.post(f"/Task/{offer['id']}/$decline", parameters(channel="phone"), 422)
    assert "contact note" in diagnostics(unnoted)
    declined = api.post(
        f"/Task/{offer['id']}/$decline", parameters(channel="phone", note="called 09:10")
    )
    assert declined["status"] == "rejected"
    assert declined["note"][0]["text"] == "declined by test-admin via phone: called 09:10"
    assert instant(declined["lastModified"]) == NOW
    assert api.get(f"/{slot_of(proposal)}")["status"] == "free"
    assert api.get(f"/{request}")["status"] == "active"
    again = api.post(f"/Task/{offer['id']}/$accept", parameters(channel="phone"), 409)
    assert rule(again) == "invalid-transition"


def _timely_flag(proposal: Json) -> bool:
    [flag] = [e for e in proposal["extension"] if e["url"].endswith("/timely")]
    return bool(flag["valueBoolean"])


def test_after_a_declined_timely_offer_find_proposes_later_times_that_can_be_held(
    api: FhirClient,
) -> None:
    """Once the member declined a timely offer the plan met the standard and may book later
    (docs/adr/0013, "2026-12-07 (late evening)"): `$find` proposes later times too, each
    marked not timely, and a later time it proposes can be held and booked. In person, Ada
    has fewer timely times than a page holds, so later ones have room on it."""
    proposal = matches(find(api, service_type="in-person"))[0]
    request = request_of(proposal)
    before = matches(find(api, service_request=request, _count={"valueInteger": 100}))
    assert all(instant(p["start"]) <= INITIAL_DEADLINE for p in before)
    offer = api.post(f"/{request}/$offer", parameters(slot=slot_of(proposal), channel="phone"))
    api.post(f"/Task/{offer['id']}/$decline", parameters(channel="phone", note="called 09:10"))
    after = matches(find(api, service_request=request, _count={"valueInteger": 100}))
    late = [p for p in after if instant(p["start"]) > INITIAL_DEADLINE]
    assert late  # the region's last two weeks are after the deadline
    # The declined slot is free again; the timely times come first, as before.
    assert [p["id"] for p in after][: len(before)] == [p["id"] for p in before]
    assert [_timely_flag(p) for p in after] == [
        instant(p["start"]) <= INITIAL_DEADLINE for p in after
    ]
    held = api.post("/Appointment/$hold", parameters(appt_id=late[0]["id"]))
    [pending] = matches(held)
    visit = booked_visit(book(api, pending["id"]))
    assert slot_of(visit) == slot_of(late[0])


def test_an_accepted_offer_books_the_offered_slot(api: FhirClient) -> None:
    proposal = matches(find(api))[0]
    offer = api.post(
        f"/{request_of(proposal)}/$offer", parameters(slot=slot_of(proposal), channel="sms")
    )
    result = api.post(f"/Task/{offer['id']}/$accept", parameters(channel="phone"))
    assert slot_of(booked_visit(result)) == slot_of(proposal)
    [task] = resources(result, "Task")
    assert task["status"] == "accepted"
    assert api.get("/Task", **{"based-on": request_of(proposal)})["total"] == 1


def test_a_member_withdraws_an_open_request_and_it_is_kept_who_and_when(
    app: FastAPI, api: FhirClient
) -> None:
    [request] = resources(find(api), "ServiceRequest")
    member = auth_headers(app, Role.MEMBER, subject="ada-login", member="ada")
    with TestClient(app, headers=member) as http:
        done = http.post(f"/ServiceRequest/{request['id']}/$withdraw")
        assert done.status_code == 200, done.text
        again = http.post(f"/ServiceRequest/{request['id']}/$withdraw")
    assert done.json()["status"] == "revoked"
    assert again.status_code == 409


def test_a_members_later_date_is_recorded_and_booked_from(api: FhirClient) -> None:
    [request] = resources(find(api), "ServiceRequest")
    path = f"/ServiceRequest/{request['id']}/$prefer-later"
    said = {"channel": "phone", "note": "member called 09:10: after the 10th"}
    api.post(path, parameters(date={"valueDate": "2026-06-10"}, **said))
    proposals = matches(find(api, service_request=f"ServiceRequest/{request['id']}"))
    assert proposals
    assert all(instant(p["start"]) >= datetime(2026, 6, 10, tzinfo=LA) for p in proposals)


@pytest.mark.parametrize("operation", ["$prefer-later", "$withdraw"])
@pytest.mark.parametrize(
    "said",
    [{"channel": "phone"}, {"note": "member called 09:10"}, {}],
    ids=["no note", "no channel", "neither"],
)
def test_staff_recording_a_members_act_without_how_and_when_they_said_it_is_refused(
    api: FhirClient, operation: str, said: dict[str, str]
) -> None:
    """ADR 0013, 2026-12-07 evening: a later date or a withdrawal recorded by staff needs the
    member's channel and the contact note, as a refusal does: a 422 OperationOutcome, and
    the request unchanged."""
    [request] = resources(find(api), "ServiceRequest")
    path = f"/ServiceRequest/{request['id']}/{operation}"
    extra = {"date": {"valueDate": "2026-06-10"}} if operation == "$prefer-later" else {}
    refused = api.post(path, parameters(**extra, **said), 422)
    assert refused["resourceType"] == "OperationOutcome"
    after = api.get(f"/ServiceRequest/{request['id']}")
    assert after["status"] == "active"
    assert after["meta"]["versionId"] == request["meta"]["versionId"]


def test_a_member_cannot_set_prior_authorisation_on_their_own_request(app: FastAPI) -> None:
    """Prior authorisation (urgent: 96 hours, not 48) is the plan's determination, never the
    member's own flag: a member's `$find` asking for it is refused and opens nothing."""
    member = auth_headers(app, Role.MEMBER, subject="ada-login", member="ada")
    body = parameters(
        patient_reference="Patient/ada",
        visit_type="urgent",
        prior_authorization={"valueBoolean": True},
    )
    with TestClient(app, headers=member) as http:
        refused = http.post("/Appointment/$find", json=body)
        assert refused.status_code == 403, refused.text
        assert http.get("/ServiceRequest", params={"patient": "Patient/ada"}).json()["total"] == 0


def test_a_prior_authorisation_is_recorded_under_the_signed_in_staff_user(
    app: FastAPI, api: FhirClient
) -> None:
    """Staff record the plan's determination on an urgent request while its 48 hours run:
    the deadline becomes 96 hours from the clock start. A member may not record one."""
    [request] = resources(find(api, visit_type="urgent"), "ServiceRequest")
    path = f"/ServiceRequest/{request['id']}/$prior-authorization"
    member = auth_headers(app, Role.MEMBER, subject="ada-login", member="ada")
    with TestClient(app, headers=member) as http:
        assert http.post(path).status_code == 403
    authorised = api.post(path, None)
    start = instant(authorised["occurrencePeriod"]["start"])
    assert instant(authorised["occurrencePeriod"]["end"]) == start + timedelta(hours=96)
    # The determination is on the resource, as the evidence documents give it (ADR 0013).
    for shown in (authorised, api.get(f"/ServiceRequest/{request['id']}")):
        [determined] = [e for e in shown["extension"] if e["url"].endswith("/prior-authorization")]
        parts = {
            p["url"]: next(v for k, v in p.items() if k != "url") for p in determined["extension"]
        }
        assert parts == {
            "on-record": True,
            "applied": True,
            "determined-by": "test-admin",
            "role": "admin",
            "recorded": parts["recorded"],
        }
        assert instant(parts["recorded"]) == NOW
    [plain] = resources(find(api, patient="bo"), "ServiceRequest")
    assert not [e for e in plain["extension"] if e["url"].endswith("/prior-authorization")]
    again = api.post(path, None, 409)
    assert rule(again) == "invalid-transition"
