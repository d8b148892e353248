"""An attacker's probe of the API and the pages, kept as regression tests: each test is one
class of hole found on 2026-12-07 and closed where the data is touched
(docs/adr/0012-authorisation-where-the-data-is-touched.md, "Attack probe"). The app runs on a
SQLite file (a lone surrogate is harmless in memory and a 500 in a database driver); what
changed or not is read back with plain SQL, never through Parity's own code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from access_oracle_support import Records, build_app, seed
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import MEMBERS, parameters
from sqlalchemy import Engine, text

from parity.adapters.rules_files import load_contract, load_rules
from parity.adapters.sql import engine_from_url, upgrade
from parity.domain.users import Principal, Role
from parity.entrypoints.security import issue_token
from parity.services.policy import Policy

# One staged region serves the module's tests: they run in one test process
# (docs/adr/0019-two-test-processes.md).
pytestmark = pytest.mark.xdist_group("attack-probe")

NAMES = {m.id: m.name for m in MEMBERS}


@dataclass
class Stage:
    app: FastAPI
    engine: Engine
    records: Records


def _stage(folder: Path) -> Stage:
    engine = engine_from_url(f"sqlite:///{folder / 'parity.db'}")
    upgrade(engine)
    app = build_app(engine, Policy(load_rules(), load_contract("socal-2025")))
    return Stage(app, engine, seed(app))


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    made = _stage(tmp_path_factory.mktemp("probe"))
    yield made
    made.engine.dispose()


def _call(stage: Stage, method: str, path: str, who: Principal, **extra: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {issue_token(stage.app, who)}"}
    headers |= extra.pop("headers", {})
    with TestClient(stage.app, raise_server_exceptions=False) as client:
        return client.request(method, path, headers=headers, follow_redirects=False, **extra)


def _one(engine: Engine, query: str, **values: Any) -> Any:
    with engine.connect() as db:
        return db.execute(text(query), values).scalar_one()


def member(key: str) -> Principal:
    return Principal(f"probe-{key}", Role.MEMBER, key)


def scheduler(*clinics: str) -> Principal:
    return Principal(f"probe-scheduler-{clinics[0]}", Role.SCHEDULER, clinic_ids=clinics)


ADMIN = Principal("probe-admin", Role.ADMIN)
FHIR = {"content-type": "application/fhir+json"}

# -- text that is not Unicode never reaches the database ---------------------------------

REFER = b'{"resourceType":"Parameters","parameter":[{"name":"reason","valueString":"%s"}]}'
NOT_UNICODE = {
    "a lone high surrogate escaped": rb"no room \ud83d",
    "a lone low surrogate escaped": rb"\ude00 no room",
    "a high surrogate before a letter": rb"\ud83dx",
    "two high surrogates": rb"\ud83d\ud83d",
    "an encoded surrogate (CESU-8)": b"\xed\xa0\x80",
    "a byte that is not UTF-8": b"\xff",
}


@pytest.mark.parametrize("fragment", NOT_UNICODE.values(), ids=NOT_UNICODE.keys())
def test_text_that_is_not_unicode_is_refused_before_anything_is_written(
    stage: Stage, fragment: bytes
) -> None:
    referrals = _one(stage.engine, "SELECT count(*) FROM referrals")
    request_id = stage.records.requests["bo"][1]
    found = _call(
        stage,
        "POST",
        f"/ServiceRequest/{request_id}/$refer",
        scheduler("fontana"),
        content=REFER % fragment,
        headers=FHIR,
    )
    assert found.status_code == 400, found.text
    assert "invalid-characters" in found.text
    assert _one(stage.engine, "SELECT count(*) FROM referrals") == referrals


@pytest.mark.parametrize(
    "language",
    [rb"\ud83d\ude00", rb"\\ud83d", "\u00e9".encode()],
    ids=["a surrogate pair", "an escaped backslash before u", "an accented letter"],
)
def test_a_surrogate_pair_and_a_query_in_utf8_are_text(stage: Stage, language: bytes) -> None:
    body = b'{"resourceType":"Parameters","parameter":[{"name":"patient-reference",'
    body += b'"valueString":"Patient/bo"},{"name":"language","valueString":"%s"}]}' % language
    found = _call(stage, "POST", "/Appointment/$find", member("bo"), content=body, headers=FHIR)
    assert found.status_code < 500, found.text
    assert "invalid-characters" not in found.text
    named = _call(stage, "GET", "/Patient?name=%F0%9F%98%80", member("bo"))
    assert named.status_code == 200, named.text


def test_a_query_that_is_not_utf8_is_refused(stage: Stage) -> None:
    found = _call(stage, "GET", "/Patient?name=%ed%a0%80", member("bo"))
    assert found.status_code == 400, found.text
    assert "invalid-characters" in found.text


# -- the member speaks for themselves ----------------------------------------------------


@pytest.mark.parametrize("spelling", ["clinic", "provider", "prov", "CLINIC"])
def test_a_member_cannot_record_their_own_cancellation_as_the_clinics(
    stage: Stage, spelling: str
) -> None:
    visit = stage.records.appointments["bo"][0]
    body = parameters(cancelled_by=spelling, reason="the clinic cancelled, honestly")
    path = f"/Appointment/{visit}/$cancel"
    found = _call(stage, "POST", path, member("bo"), json=body)
    assert found.status_code == 403, found.text
    status = "SELECT status FROM appointments WHERE id = :id"
    assert _one(stage.engine, status, id=int(visit)) == "booked"
    # Another member's visit stays absent, whatever the body says (no 403 to tell it exists).
    other = _call(stage, "POST", path, member("ada"), json=body)
    assert other.status_code == 404, other.text


@pytest.mark.parametrize("asked", ["0001-01-01", "2026-05-30", "2026-05-31T11:59:00-07:00"])
def test_a_members_later_date_must_be_still_to_come(stage: Stage, asked: str) -> None:
    request_id = stage.records.requests["bo"][1]
    path = f"/ServiceRequest/{request_id}/$prefer-later"
    found = _call(stage, "POST", path, member("bo"), json=parameters(date=asked))
    assert found.status_code == 422, found.text
    preferred = "SELECT member_preferred_from FROM care_requests WHERE id = :id"
    assert _one(stage.engine, preferred, id=int(request_id)) is None


# -- leave over a clinician's week touches only members the caller may see ----------------

LEAVE = {"start": "2026-06-01T08:00", "end": "2026-06-01T10:00", "reason": "probe", "kind": "pto"}


def _dees_visit(stage: Stage) -> tuple[str, int]:
    """Dee (a San Diego member) sees a Fontana clinician by video on Monday 9:00."""
    visit = int(stage.records.appointments["dee"][0])
    query = "SELECT clinician_id FROM appointments WHERE id = :id"
    return _one(stage.engine, query, id=visit), visit


@pytest.mark.parametrize("confirmed", [{}, {"confirmed": "1"}])
def test_leave_over_another_clinics_members_visit_is_refused_and_names_nobody(
    stage: Stage, confirmed: dict[str, str]
) -> None:
    clinician, visit = _dees_visit(stage)
    home = "SELECT m.clinic_id FROM members m WHERE m.id = 'dee'"
    assert _one(stage.engine, home) != "fontana"  # the premise: dee is not Fontana's
    path = f"/app/clinicians/{clinician}/pto"
    found = _call(stage, "POST", path, scheduler("fontana"), data=LEAVE | confirmed)
    assert found.status_code == 403, found.text
    assert "Dee" not in found.text
    assert "Bridgewater" not in found.text
    status = "SELECT status FROM appointments WHERE id = :id"
    assert _one(stage.engine, status, id=visit) == "booked"
    absences = "SELECT count(*) FROM availability_exceptions WHERE clinician_id = :c"
    assert _one(stage.engine, absences, c=clinician) == 0


AUDITED_LEAVE = (
    "SELECT count(*) FROM audit_events e JOIN audit_event_members m ON m.event_id = e.id "
    "WHERE m.member_id = 'dee' AND e.route = 'POST /app/clinicians/{clinician_id}/pto'"
)


def test_an_admin_is_asked_to_confirm_the_same_leave_and_the_disclosure_is_audited(
    stage: Stage,
) -> None:
    clinician, _ = _dees_visit(stage)
    before = _one(stage.engine, AUDITED_LEAVE)
    found = _call(stage, "POST", f"/app/clinicians/{clinician}/pto", ADMIN, data=LEAVE)
    assert found.status_code == 200, found.text
    assert NAMES["dee"] in found.text
    assert _one(stage.engine, AUDITED_LEAVE) == before + 1


# -- the dashboard identifies only members the caller may see ---------------------------


def _ask_for_care(stage: Stage, *members: str) -> None:
    """A new request for each member, opened by an admin's `$find`."""
    for key in members:
        answer = _call(
            stage,
            "POST",
            "/Appointment/$find",
            ADMIN,
            json=parameters(patient_reference=f"Patient/{key}"),
        )
        assert answer.status_code == 200, answer.text


def _member_cells(page: str) -> list[str]:
    return re.findall(r'data-label="Member">([^<]*)<', page)


def test_the_dashboard_shows_other_members_by_pseudonym_never_by_plan_id(
    tmp_path: Path,
) -> None:
    late = _stage(tmp_path)
    _ask_for_care(late, "eve", "cruz", "ada")  # requests nobody offers anything: late in a month
    late.app.state.parity.clock.advance(timedelta(days=30))
    window = {"from": "2026-05-01", "to": "2026-08-01"}
    managers = _member_cells(_call(late, "GET", "/app/dashboard", ADMIN, params=window).text)
    assert {NAMES[k] for k in ("eve", "cruz", "ada")} <= set(managers)
    # A scheduler may see their own clinic's members by name; every other member, and
    # every member to an auditor, only by pseudonym.
    fontana = {m.name for m in MEMBERS if m.clinic_id == "fontana"}
    for who, named in (
        (scheduler("fontana"), fontana),
        (Principal("probe-auditor", Role.AUDITOR), set()),
    ):
        page = _call(late, "GET", "/app/dashboard", who, params=window)
        assert page.status_code == 200, page.text
        cells = _member_cells(page.text)
        assert len(cells) == len(managers)
        outside = [cell for cell in cells if cell not in named]
        assert len(outside) >= 3  # eve, cruz and ada are of other clinics
        assert all(cell.startswith("anon-") for cell in outside), cells
        assert not any(name in page.text for name in set(NAMES.values()) - named)
    # Ada's and Cruz's new asks repeat their seeded requests, whose offers await an answer:
    # the first ask stands for the pair (docs/adr/0013, "2026-12-07 (late evening)"), so the
    # members answer them first, and the plan then takes the pairs up.
    for key in ("cruz", "ada"):
        for offer in late.records.offers[key]:
            body = parameters(channel="phone", note="called: no")
            answered = _call(late, "POST", f"/Task/{offer}/$decline", ADMIN, json=body)
            assert answered.status_code == 200, answered.text
    # Applying the plan refers the late requests: the change's event names each member.
    applied = _call(late, "POST", "/optimize/$apply?from=2026-07-01", ADMIN, json=parameters())
    assert applied.status_code == 200, applied.text
    assert _audited(late.engine, "POST /optimize/$apply") >= {"eve", "cruz", "ada"}
    late.engine.dispose()


# -- pages and reports that list members are in the audit trail --------------------------


def _audited(engine: Engine, route: str) -> set[str]:
    """The members named by the newest audit event of `route` (none: no event at all)."""
    with engine.connect() as db:
        newest = db.execute(
            text("SELECT max(id) FROM audit_events WHERE route = :r"), {"r": route}
        ).scalar_one()
        query = "SELECT member_id FROM audit_event_members WHERE event_id = :e"
        return set(db.execute(text(query), {"e": newest}).scalars()) if newest else set()


LISTING = [
    ("GET", "/app/queue", "GET /app/queue"),
    ("GET", "/app/clinicians?clinic=san-diego&day=2026-06-01", "GET /app/clinicians"),
    ("GET", "/report/evidence?from=2026-05-01&to=2026-08-01", "GET /report/evidence"),
    ("POST", "/optimize/$preview?from=2026-06-01", "POST /optimize/$preview"),
]


@pytest.mark.parametrize(("method", "path", "route"), LISTING)
def test_a_page_or_report_listing_members_is_audited_with_each_member(
    stage: Stage, method: str, path: str, route: str
) -> None:
    if "optimize" in path:  # requests waiting for a place, whatever ran before this test
        _ask_for_care(stage, "eve", "cruz")
    with stage.engine.connect() as db:
        before = db.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
    found = _call(stage, method, path, ADMIN)
    assert found.status_code == 200, found.text
    named = _audited(stage.engine, route)
    assert named, f"{route}: no audit event naming a member"
    assert _one(stage.engine, "SELECT max(id) FROM audit_events WHERE route = :r", r=route) > 0
    assert _one(stage.engine, "SELECT count(*) FROM audit_events") > before
    shown = {key for key, name in NAMES.items() if name in found.text or f'"{key}"' in found.text}
    assert shown <= named, (route, shown - named)


def test_a_clinicians_week_is_audited_with_the_members_it_shows(stage: Stage) -> None:
    clinician = stage.records.clinicians["ada"]
    found = _call(stage, "GET", f"/app/clinicians/{clinician}/week?week=2026-06-01", ADMIN)
    assert found.status_code == 200, found.text
    assert NAMES["ada"] in found.text
    assert "ada" in _audited(stage.engine, "GET /app/clinicians/{clinician_id}/week")


# -- the optimizer's preview page cuts the plan by the caller's scope, as the API does ----


def _request_links(page: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/app/requests/(\d+)"', page)}


def test_the_optimizer_preview_page_shows_a_scheduler_only_their_members_lines(
    stage: Stage,
) -> None:
    for key in ("eve", "cruz", "bo"):  # open requests across clinics, for the plan to place
        answer = _call(
            stage,
            "POST",
            "/Appointment/$find",
            ADMIN,
            json=parameters(patient_reference=f"Patient/{key}"),
        )
        assert answer.status_code == 200, answer.text
    with stage.engine.connect() as db:
        rows = db.execute(
            text(
                "SELECT r.id, m.clinic_id FROM care_requests r JOIN members m "
                "ON m.id = r.member_id WHERE r.status = 'open'"
            )
        ).all()
    theirs = {r for r, clinic in rows if clinic == "fontana"}
    others = {r for r, clinic in rows if clinic != "fontana"}
    everyone = _call(stage, "POST", "/app/queue/optimizer", ADMIN)
    assert everyone.status_code == 200, everyone.text
    assert _request_links(everyone.text) & others  # the premise: the plan has others' lines
    for path in ("/app/queue/optimizer", "/app/queue"):
        page = _call(stage, "POST" if "optimizer" in path else "GET", path, scheduler("fontana"))
        assert page.status_code == 200, page.text
        shown = _request_links(page.text)
        assert shown, path
        assert shown <= theirs, (path, shown - theirs)
        cells = set(_member_cells(page.text))
        assert not cells & {"ada", "cruz", "dee", "eve"}, cells
        assert not any(NAMES[k] in page.text for k in ("ada", "cruz", "dee", "eve"))
