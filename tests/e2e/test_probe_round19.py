"""The nineteenth round of attack probes, kept as regression tests: each test is one class
of hole found on 2026-12-08 and closed where the data is touched
(docs/adr/0012-authorisation-where-the-data-is-touched.md, "2026-12-08 (round nineteen
probes)"). The app runs on a SQLite file; what changed or not is read back with plain SQL,
never through Parity's own code."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from access_oracle_support import Records, build_app, seed
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import NOW, parameters
from security_support import PASSWORD, QUICK
from sqlalchemy import Engine, text

from parity.adapters.clock import SimulatedClock
from parity.adapters.rules_files import load_contract, load_rules
from parity.adapters.sql import SqlUnitOfWork, engine_from_url, upgrade
from parity.domain.users import Principal, Role
from parity.entrypoints.security import issue_token
from parity.services.policy import Policy
from parity.services.users import AddUser, add_user

# One staged region serves the module's tests: they run in one test process
# (docs/adr/0019-two-test-processes.md).
pytestmark = pytest.mark.xdist_group("probe-round19")


@dataclass
class Stage:
    app: FastAPI
    engine: Engine
    records: Records


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    folder: Path = tmp_path_factory.mktemp("round19")
    engine = engine_from_url(f"sqlite:///{folder / 'parity.db'}")
    upgrade(engine)
    app = build_app(engine, Policy(load_rules(), load_contract("socal-2025")))
    yield Stage(app, engine, seed(app))
    engine.dispose()


def _call(
    stage: Stage, method: str, path: str, who: Principal | None, **extra: Any
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {issue_token(stage.app, who)}"} if who else {}
    with TestClient(stage.app, raise_server_exceptions=False) as client:
        return client.request(method, path, headers=headers, follow_redirects=False, **extra)


def _one(engine: Engine, query: str, **values: Any) -> Any:
    with engine.connect() as db:
        return db.execute(text(query), values).scalar_one()


def _rows(engine: Engine, query: str, **values: Any) -> list[Any]:
    with engine.connect() as db:
        return list(db.execute(text(query), values).all())


def scheduler(*clinics: str) -> Principal:
    return Principal(f"probe-scheduler-{clinics[0]}", Role.SCHEDULER, clinic_ids=clinics)


ADMIN = Principal("probe-admin", Role.ADMIN)
APPOINTMENTS = "SELECT id, member_id, clinician_id, slot_id, status FROM appointments ORDER BY id"


def _clinician_at(stage: Stage, clinic: str, other_than: str) -> str:
    """A clinician of `clinic` (the clinic's list read in plain SQL), not `other_than`."""
    rows = _rows(stage.engine, "SELECT id, clinic_ids FROM clinicians ORDER BY id")
    return next(key for key, clinics in rows if clinic in clinics and key != other_than)


def _later_free_slot(stage: Stage, clinician: str, kind: str) -> int:
    query = (
        "SELECT id FROM slots WHERE clinician_id = :c AND kind = :k AND status = 'free' "
        "ORDER BY start LIMIT 1 OFFSET 1"
    )
    return int(_one(stage.engine, query, c=clinician, k=kind))


# -- a move from a clinician's week acts on that week only ----------------------------------


def _dees_visit(stage: Stage) -> tuple[int, str, str]:
    """Dee (a San Diego member) is booked with a clinician who works at Fontana only."""
    visit = int(stage.records.appointments["dee"][0])
    query = (
        "SELECT a.slot_id, a.clinician_id, s.kind FROM appointments a "
        "JOIN slots s ON s.id = a.slot_id WHERE a.id = :id"
    )
    slot, clinician, kind = _rows(stage.engine, query, id=visit)[0]
    clinics = _one(stage.engine, "SELECT clinic_ids FROM clinicians WHERE id = :c", c=clinician)
    assert "san-diego" not in clinics  # the premise: not a week San Diego's scheduler runs
    return int(slot), clinician, kind


def test_a_week_move_cannot_move_a_visit_of_another_clinicians_week(stage: Stage) -> None:
    slot, clinician, kind = _dees_visit(stage)
    own = _clinician_at(stage, "san-diego", other_than="")
    san_diego = scheduler("san-diego")
    # The week the visit is in is not theirs to open, and their own week's panel refuses it.
    assert _call(stage, "GET", f"/app/clinicians/{clinician}/week", san_diego).status_code == 403
    panel = _call(stage, "GET", f"/app/clinicians/{own}/week?move={slot}", san_diego)
    assert panel.status_code == 422, panel.text
    before = _rows(stage.engine, APPOINTMENTS)
    form = {
        "move": str(slot),
        "slot": str(_later_free_slot(stage, clinician, kind)),
        "asked_by": "clinic",
        "reason": "probe: moved from a week the caller may open",
    }
    moved = _call(stage, "POST", f"/app/clinicians/{own}/week/book", san_diego, data=form)
    assert moved.status_code == 422, moved.text
    assert "not in this clinician" in moved.text
    assert _rows(stage.engine, APPOINTMENTS) == before


def test_a_week_move_cannot_send_a_visit_into_another_clinicians_week(stage: Stage) -> None:
    visit = int(stage.records.appointments["ada"][0])
    query = (
        "SELECT a.slot_id, a.clinician_id, s.kind FROM appointments a "
        "JOIN slots s ON s.id = a.slot_id WHERE a.id = :id"
    )
    slot, own, kind = _rows(stage.engine, query, id=visit)[0]
    elsewhere = _clinician_at(stage, "san-diego", other_than=own)
    before = _rows(stage.engine, APPOINTMENTS)
    form = {
        "move": str(slot),
        "slot": str(_later_free_slot(stage, elsewhere, kind)),
        "asked_by": "clinic",
        "reason": "probe: a slot of another week",
    }
    path = f"/app/clinicians/{own}/week/book"
    moved = _call(stage, "POST", path, scheduler("san-diego"), data=form)
    assert moved.status_code == 422, moved.text
    assert _rows(stage.engine, APPOINTMENTS) == before


# -- clinicians side by side show only the schedules the caller may open --------------------

LEAVE_REASON = "probe: chemotherapy appointment"


def test_clinicians_side_by_side_shows_only_schedules_the_caller_may_open(stage: Stage) -> None:
    therapist_id = stage.records.clinicians["ada"]
    colleague = _clinician_at(stage, "fontana", other_than=stage.records.clinicians["bo"])
    leave = {
        "start": "2026-06-02T08:00",
        "end": "2026-06-02T12:00",
        "reason": LEAVE_REASON,
        "kind": "pto",
        "confirmed": "1",
    }
    laid = _call(stage, "POST", f"/app/clinicians/{colleague}/pto", ADMIN, data=leave)
    assert laid.status_code in (200, 303), laid.text
    day = "/app/clinicians?clinic=fontana&day=2026-06-02"
    assert LEAVE_REASON in _call(stage, "GET", day, ADMIN).text  # the premise: it is shown
    therapist = Principal("probe-therapist", Role.THERAPIST, clinician_id=therapist_id)
    for who in (therapist, scheduler("san-diego")):
        week = _call(stage, "GET", f"/app/clinicians/{colleague}/week?week=2026-06-01", who)
        assert week.status_code == 403, week.text  # the one rule for a clinician's schedule
        page = _call(stage, "GET", day, who)
        assert page.status_code == 200, page.text
        assert LEAVE_REASON not in page.text
        assert f'href="/app/clinicians/{colleague}/week?day=' not in page.text
    fontana = _call(stage, "GET", day, scheduler("fontana"))
    assert LEAVE_REASON in fontana.text  # the clinic's own scheduler runs that week


# -- a signed offer link is audited like any read or change of a member's data --------------

AUDITED = (
    "SELECT e.id, e.agent, e.role, e.entity_id FROM audit_events e "
    "JOIN audit_event_members m ON m.event_id = e.id "
    "WHERE m.member_id = :member AND e.route = :route ORDER BY e.id"
)


def test_a_signed_offer_link_leaves_an_audit_event_naming_its_member(stage: Stage) -> None:
    offer = int(stage.records.offers["bo"][0].removeprefix("offer-"))
    token = stage.app.state.offer_links.token(offer)
    shown = _call(stage, "GET", "/app/offers/respond", None, params={"token": token})
    assert shown.status_code == 200, shown.text
    assert "Bo" in shown.text  # the first name: member data
    read = _rows(stage.engine, AUDITED, member="bo", route="GET /app/offers/respond")
    assert len(read) == 1, read
    answered = _call(
        stage, "POST", "/app/offers/respond", None, data={"token": token, "choice": "decline"}
    )
    assert answered.status_code == 200, answered.text
    response = "SELECT response FROM offers WHERE id = :id"
    assert _one(stage.engine, response, id=offer) == "declined"
    changed = _rows(stage.engine, AUDITED, member="bo", route="POST /app/offers/respond")
    assert len(changed) == 1, changed
    for _, agent, role, entity in read + changed:
        assert (agent, role, entity) == ("member (signed link)", "member", f"offer-{offer}")


# -- free text kept as evidence is text, not a file -----------------------------------------

FILE = "f" * 500_000
COUNTS = (
    "SELECT (SELECT count(*) FROM care_requests), (SELECT count(*) FROM clinical_exceptions), "
    "(SELECT count(*) FROM referrals), (SELECT count(*) FROM appointments WHERE status = 'booked')"
)


def _free_text_calls(stage: Stage) -> dict[str, tuple[str, Principal, dict[str, Any]]]:
    """Each operation that keeps a caller's free text, given a file as that text."""
    bo, dee = stage.records.appointments["bo"][0], stage.records.requests["dee"][1]
    treating = Principal(
        "probe-therapist", Role.THERAPIST, clinician_id=stage.records.clinicians["dee"]
    )
    find = {"patient_reference": "Patient/bo"}
    return {
        "$cancel reason": (
            f"/Appointment/{bo}/$cancel",
            Principal("probe-bo", Role.MEMBER, "bo"),
            {"cancelled_by": "member", "reason": FILE},
        ),
        "$clinical-exception reason": (
            f"/ServiceRequest/{dee}/$clinical-exception",
            treating,
            {"reason": FILE, "extended_deadline": "2026-07-01"},
        ),
        "$refer reason": (f"/ServiceRequest/{dee}/$refer", ADMIN, {"reason": FILE}),
        "$refer outside-provider": (
            f"/ServiceRequest/{dee}/$refer",
            ADMIN,
            {"reason": "no capacity", "outside_provider": FILE},
        ),
        "$find language": (
            "/Appointment/$find",
            Principal("probe-bo", Role.MEMBER, "bo"),
            find | {"language": FILE},
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "$cancel reason",
        "$clinical-exception reason",
        "$refer reason",
        "$refer outside-provider",
        "$find language",
    ],
)
def test_free_text_that_is_a_file_is_refused_and_nothing_is_kept(stage: Stage, case: str) -> None:
    """Accepted before, to the body limit: a 500,000-character reason, provider or language
    was kept on the record and printed in every evidence document (the class of the contact
    note's limit, docs/adr/0012, "2026-12-07 (night)")."""
    path, who, values = _free_text_calls(stage)[case]
    before = _rows(stage.engine, COUNTS)
    found = _call(stage, "POST", path, who, json=parameters(**values))
    assert found.status_code == 422, found.text[:300]
    assert found.json()["resourceType"] == "OperationOutcome"
    assert FILE[:3000] not in found.text  # the refusal does not echo the file back
    assert _rows(stage.engine, COUNTS) == before


# -- the audit trail de-identifies a member's own account to an auditor ---------------------

LOGIN = "ada.lovelace@example.org"  # a member's login is often their name or e-mail


def test_an_auditor_never_reads_a_members_login_in_the_audit_trail(stage: Stage) -> None:
    ada = Principal(LOGIN, Role.MEMBER, "ada")
    assert _call(stage, "GET", "/Patient/ada", ada).status_code == 200
    newest = _one(stage.engine, "SELECT max(id) FROM audit_events WHERE agent = :a", a=LOGIN)
    auditor = Principal("probe-auditor", Role.AUDITOR)
    admin = _call(stage, "GET", f"/AuditEvent/{newest}", ADMIN)
    assert LOGIN in admin.text  # the premise: the trail keeps who acted
    for path in (f"/AuditEvent/{newest}", "/AuditEvent?patient=Patient/ada&_count=100"):
        read = _call(stage, "GET", path, auditor)
        assert read.status_code == 200, read.text
        assert LOGIN not in read.text
        assert "lovelace" not in read.text.lower()
        assert "anon-user-" in read.text
    # A search by the login finds what a search by nobody finds: it confirms no account.
    for name in ("agent", "agent-name"):
        found = _call(stage, "GET", "/AuditEvent", auditor, params={name: LOGIN})
        nobody = _call(stage, "GET", "/AuditEvent", auditor, params={name: "nobody@example.org"})
        assert found.status_code == nobody.status_code == 200
        assert found.json()["total"] == nobody.json()["total"] == 0
    # Staff stay named, and searchable by name (an admin's read of member data is audited;
    # made here, so the test does not rest on what other tests in its process did).
    assert _call(stage, "GET", "/Patient/ada", ADMIN).status_code == 200
    staff = _call(stage, "GET", "/AuditEvent", auditor, params={"agent": "probe-admin"})
    assert staff.json()["total"] > 0
    assert "probe-admin" in staff.text


# -- the sign-in form cannot be posted by another site ---------------------------------------

ATTACKER = "probe-attacker-member"
NOW_CLOCK = SimulatedClock(NOW)


@pytest.mark.parametrize(
    "elsewhere",
    [{"sec-fetch-site": "cross-site"}, {"sec-fetch-site": "same-site"}],
    ids=["another site", "a sibling site"],
)
def test_a_sign_in_posted_by_another_sites_page_sets_no_session(
    stage: Stage, elsewhere: dict[str, str]
) -> None:
    """Login CSRF: another site's page posting the attacker's own member login would sign
    the visitor in as that member, and the care the visitor then asks for would be kept in
    the attacker's record. The sign-in form has no session to bind a token to, so the
    browser's Fetch Metadata is the check."""
    uow = SqlUnitOfWork(stage.engine)
    if not _rows(stage.engine, "SELECT id FROM users WHERE username = :u", u=ATTACKER):
        add_user(AddUser(ATTACKER, Role.MEMBER, PASSWORD, member_id="eve"), uow, NOW_CLOCK, QUICK)
    form = {"username": ATTACKER, "password": PASSWORD}
    with TestClient(stage.app, raise_server_exceptions=False) as client:
        refused = client.post("/app/login", data=form, headers=elsewhere, follow_redirects=False)
        assert refused.status_code == 403, refused.text
        assert "parity_session" not in refused.headers.get("set-cookie", "")
        # The site's own form: under `Referrer-Policy: no-referrer` a browser sends
        # `Origin: null` with it, so only Fetch Metadata tells the two apart.
        same = {"sec-fetch-site": "same-origin", "origin": "null"}
        signed = client.post("/app/login", data=form, headers=same, follow_redirects=False)
        assert signed.status_code == 303, signed.text
        assert "parity_session" in signed.headers.get("set-cookie", "")


# -- reported, not fixed here: the evidence names the member's login as who acted ------------


def test_an_auditor_never_reads_a_members_login_in_the_evidence(stage: Stage) -> None:
    login = "cruz.celia@example.org"
    cruz = Principal(login, Role.MEMBER, "cruz")
    offer = stage.records.offers["cruz"][0]
    declined = _call(stage, "POST", f"/Task/{offer}/$decline", cruz, json=parameters())
    assert declined.status_code == 200, declined.text
    request_id = stage.records.requests["cruz"][1]
    auditor = Principal("probe-auditor", Role.AUDITOR)
    for path in (
        f"/app/requests/{request_id}/evidence",
        "/report/evidence?from=2026-05-01&to=2026-08-01",
    ):
        read = _call(stage, "GET", path, auditor)
        assert read.status_code == 200, read.text
        assert login not in read.text, path
