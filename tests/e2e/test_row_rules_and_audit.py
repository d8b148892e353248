"""Row-level rules ("own records only") and the audit trail over HTTP: every read or change
of a member's data, and every refusal, leaves a FHIR AuditEvent that auditors can query.

Another member's record answers 404 (absent or not yours) and a search finds only what is in
the caller's scope (docs/adr/0012-authorisation-where-the-data-is-touched.md)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir.resources.R4B import get_fhir_model_class
from fhir_support import FhirClient, Region, auth_headers, matches, parameters, validate
from security_support import AdaRecords, prepare

from parity.domain.members import Member
from parity.domain.users import Role
from parity.entrypoints.security.trail import AuditTrail


@pytest.fixture
def ada(api: FhirClient) -> AdaRecords:
    return prepare(api)


def _get(app: FastAPI, path: str, role: Role, **links: Any) -> int:
    with TestClient(app) as client:
        return client.get(path, headers=auth_headers(app, role, **links)).status_code


def _patients(app: FastAPI, path: str, role: Role, **links: Any) -> set[str]:
    """The members a search's results name (its subjects, patients and participants)."""
    with TestClient(app) as client:
        answer = client.get(path, headers=auth_headers(app, role, **links))
    assert answer.status_code == 200, answer.text
    return set(re.findall(r'"Patient/([^"]+)"', answer.text))


def test_a_member_reads_only_their_own_records(app: FastAPI, ada: AdaRecords) -> None:
    own = {"member": "ada"}
    assert _get(app, "/Patient/ada", Role.MEMBER, **own) == 200
    assert _get(app, f"/Appointment/{ada.appointment_id}", Role.MEMBER, **own) == 200
    assert _get(app, f"/Task/{ada.offer_id}", Role.MEMBER, **own) == 200
    assert _get(app, "/Appointment?patient=Patient/ada", Role.MEMBER, **own) == 200
    theirs = {"member": "bo"}
    assert _get(app, "/Patient/ada", Role.MEMBER, **theirs) == 404
    assert _get(app, f"/Appointment/{ada.appointment_id}", Role.MEMBER, **theirs) == 404
    assert _get(app, f"/ServiceRequest/{ada.request_id}", Role.MEMBER, **theirs) == 404
    assert _get(app, f"/Task/{ada.offer_id}", Role.MEMBER, **theirs) == 404
    assert _patients(app, "/Appointment?patient=Patient/ada", Role.MEMBER, **theirs) == set()
    assert _patients(app, "/ServiceRequest?status=active", Role.MEMBER, **theirs) == set()


def test_a_member_cannot_book_for_someone_else(app: FastAPI, ada: AdaRecords) -> None:
    with TestClient(app) as client:
        answer = client.post(
            "/Appointment/$find",
            json=parameters(patient_reference="Patient/ada"),
            headers=auth_headers(app, Role.MEMBER, member="bo"),
        )
    assert answer.status_code == 404
    assert validate(answer.json())["issue"][0]["code"] == "not-found"


def test_a_therapist_sees_their_own_patients_only(app: FastAPI, ada: AdaRecords) -> None:
    mine = {"clinician": ada.clinician_id}
    assert _get(app, "/Patient/ada", Role.THERAPIST, **mine) == 200
    assert _get(app, "/Patient/bo", Role.THERAPIST, **mine) == 404
    assert (
        _get(
            app,
            f"/Appointment?practitioner=Practitioner/{ada.clinician_id}",
            Role.THERAPIST,
            **mine,
        )
        == 200
    )
    others = "/Appointment?practitioner=Practitioner/c00002"
    assert _patients(app, others, Role.THERAPIST, clinician="c00003") == set()
    assert _get(app, "/Patient/ada", Role.THERAPIST, clinician="c00002") == 404


def test_a_scheduler_sees_members_of_their_clinics(app: FastAPI, ada: AdaRecords) -> None:
    assert _get(app, "/Patient/ada", Role.SCHEDULER, clinics=("san-diego",)) == 200
    assert _get(app, "/Patient/ada", Role.SCHEDULER, clinics=("fontana",)) == 404
    assert _get(app, "/Patient/bo", Role.SCHEDULER, clinics=("fontana",)) == 200


def test_an_auditor_reads_aggregates_and_the_trail_but_no_member(app: FastAPI) -> None:
    assert _get(app, "/Patient/ada", Role.AUDITOR) == 403
    assert _get(app, "/report/compliance?from=2026-05-01&to=2026-06-01", Role.AUDITOR) == 200
    assert _get(app, "/AuditEvent", Role.AUDITOR) == 200
    assert _get(app, "/AuditEvent", Role.MANAGER) == 403
    assert _get(app, "/AuditEvent", Role.MEMBER, member="ada") == 403


def _trail(app: FastAPI, reader: Role = Role.AUDITOR, **query: str) -> list[dict[str, Any]]:
    """The trail as `reader` reads it: an auditor sees a member's own account by pseudonym,
    an admin as recorded (docs/adr/0012, "2026-12-08 (round nineteen probes)")."""
    with TestClient(app) as client:
        answer = client.get("/AuditEvent", params=query, headers=auth_headers(app, reader))
    assert answer.status_code == 200, answer.text
    events = matches(validate(answer.json()), "AuditEvent")
    for event in events:  # each entry against the R4B model, and the codes it leaves open
        get_fhir_model_class("AuditEvent").model_validate(event)
        assert event["action"] in {"C", "R", "U", "D", "E"}
        assert event["outcome"] in {"0", "4", "8", "12"}
        assert event["agent"][0]["requestor"] is True
    return events


def test_reads_changes_and_refusals_of_member_data_are_audited(
    app: FastAPI, region: Region, ada: AdaRecords
) -> None:
    assert _get(app, "/Patient/ada", Role.MEMBER, member="ada", subject="ada-login") == 200
    assert _get(app, "/Patient/ada", Role.MEMBER, member="bo", subject="bo-login") == 404
    events = _trail(app, Role.ADMIN, patient="Patient/ada")
    booked = [e for e in events if e["action"] == "E" and "$book" in e["entity"][0]["description"]]
    assert booked, "the booking made by prepare() is there"
    assert booked[-1]["outcome"] == "0"
    read = next(e for e in events if e["agent"][0]["who"]["identifier"]["value"] == "ada-login")
    assert read["action"] == "R"
    assert read["outcome"] == "0"
    assert read["agent"][0]["role"][0]["text"] == "member"
    assert read["agent"][0]["network"]["address"] == "testclient"
    assert {"reference": read["entity"][1]["what"]["reference"]} == {"reference": "Patient/ada"}
    refused = _trail(app, Role.ADMIN, agent="bo-login")
    assert [e["outcome"] for e in refused] == ["4"]
    assert refused[0]["outcomeDesc"] == "HTTP 404"
    assert len(refused[0]["entity"]) == 1, "a refused read names no member: none was disclosed"
    assert _trail(app, outcome="failure")[0]["outcomeDesc"] in ("HTTP 404", "HTTP 403", "HTTP 401")


def test_reading_a_page_of_member_data_is_audited(app: FastAPI) -> None:
    with TestClient(app) as client:
        page = client.get("/app/me", headers=auth_headers(app, Role.MEMBER, member="cruz"))
    assert page.status_code == 200
    [event] = _trail(app, patient="Patient/cruz")
    assert event["entity"][0]["description"] == "GET /app/me"


def test_directory_reads_leave_no_audit_event(app: FastAPI) -> None:
    assert _get(app, "/Practitioner", Role.MEMBER, member="ada") == 200
    assert _trail(app) == []


def test_an_auditor_sees_members_in_the_evidence_report_only_as_pseudonyms(
    app: FastAPI, ada: AdaRecords
) -> None:
    window = "/report/evidence?from=2026-05-01&to=2026-07-01"
    with TestClient(app) as client:
        staff = client.get(window, headers=auth_headers(app, Role.MANAGER)).json()
        audited = client.get(window, headers=auth_headers(app, Role.AUDITOR)).json()
    assert {row["member"] for row in staff} == {"ada"}
    [alias] = {row["member"] for row in audited}
    assert alias.startswith("anon-")
    assert "ada" not in str(audited)


def test_the_trail_is_searched_by_recorded_date(app: FastAPI, region: Region) -> None:
    assert _get(app, "/Patient/ada", Role.ADMIN) == 200
    assert len(_trail(app, date="ge2026-05-31")) == 1
    assert _trail(app, date="lt2026-05-31") == []
    with TestClient(app) as client:
        bad = client.get("/AuditEvent?date=xx2026", headers=auth_headers(app, Role.AUDITOR))
    assert bad.status_code == 422


def test_a_schedulers_work_queue_holds_only_their_clinics_requests(
    app: FastAPI, ada: AdaRecords
) -> None:
    def queue(*clinics: str) -> set[str]:
        with TestClient(app) as client:
            answer = client.get(
                "/ServiceRequest?status=active",
                headers=auth_headers(app, Role.SCHEDULER, clinics=clinics),
            )
        assert answer.status_code == 200
        return {r["subject"]["reference"] for r in matches(answer.json(), "ServiceRequest")}

    assert queue("san-diego") == {"Patient/ada"}
    assert queue("fontana") == set()


def test_a_search_event_names_every_member_it_returned_uncut(app: FastAPI, region: Region) -> None:
    """Sixty members found by one search: the event names each of them (no 200-character
    cut), and the trail finds the event by any one of them (docs/adr/0012)."""
    many = [f"member-{n:03d}" for n in range(60)]
    with region.store:
        for key in many:
            region.store.members.add(Member(key, f"Member {key}", "san-diego", "english", ()))
        region.store.commit()
    with TestClient(app) as client:
        found = client.get(f"/Patient?_id={','.join(many)}&_count=100", headers=auth_headers(app))
    assert found.status_code == 200
    assert len(matches(found.json(), "Patient")) == 60
    for key in (many[0], many[-1]):
        [event] = _trail(app, patient=f"Patient/{key}")
        named = {e["what"]["reference"] for e in event["entity"][1:]}
        assert named == {f"Patient/{m}" for m in many}


def test_a_change_and_its_audit_event_are_one_transaction(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event of a change is written as the change commits: a server that dies right
    after answering (the middleware's own write never happens) still leaves it."""

    async def lost(*_: object) -> None:
        """The process died after answering: nothing more is written."""

    monkeypatch.setattr(AuditTrail, "_write", lost)
    with TestClient(app) as client:
        client.post(
            "/Appointment/$find",
            json=parameters(patient_reference="Patient/ada"),
            headers=auth_headers(app, Role.MEMBER, member="ada", subject="ada-login"),
        )
    monkeypatch.undo()
    [event] = _trail(app, Role.ADMIN, agent="ada-login")
    assert event["entity"][0]["description"] == "POST /Appointment/$find"
    assert event["entity"][1]["what"]["reference"] == "Patient/ada"


def test_a_change_whose_audit_event_cannot_be_written_does_not_happen(
    app: FastAPI, region: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object) -> None:
        raise RuntimeError("the audit trail is unwritable")

    with region.store:
        before = len(region.store.requests.list())
    monkeypatch.setattr(type(region.store.audit_events), "append", refuse)
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.post(
            "/Appointment/$find",
            json=parameters(patient_reference="Patient/ada"),
            headers=auth_headers(app, Role.MEMBER, member="ada"),
        )
    assert answer.status_code == 500
    with region.store:
        assert len(region.store.requests.list()) == before
