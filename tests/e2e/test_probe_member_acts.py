"""The newest operations tried as an attacker and as a regulator would, kept as regression
tests: `$withdraw`, `$prefer-later` and `$prior-authorization` on a ServiceRequest, and
`Task/{id}/$decline` / `$accept` with a channel and a staff note, as every role, with other
members' ids, odd id spellings, bodies naming someone else, bad channels, notes and dates,
and on requests no longer open (docs/adr/0012-authorisation-where-the-data-is-touched.md,
"2026-12-07 (night)"). Each test asserts the exact status and reads back with plain SQL,
never through Parity's own code, that nothing changed when the call was refused. On a SQLite
file and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from access_oracle_support import Records, seed, served_on
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import NOW, parameters
from sqlalchemy import Engine, text

from parity.domain.users import Principal, Role
from parity.entrypoints.security import issue_token

# One staged region per database serves the module's tests (each test opens the requests it
# changes), in one test process (docs/adr/0019-two-test-processes.md).
pytestmark = pytest.mark.xdist_group("probe-member-acts")


@dataclass
class Stage:
    app: FastAPI
    engine: Engine
    records: Records


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def stage(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stage]:
    with served_on(request.param, tmp_path_factory.mktemp("member-acts")) as (app, engine):
        yield Stage(app, engine, seed(app))


def member(key: str) -> Principal:
    return Principal(f"acts-{key}", Role.MEMBER, key)


def scheduler(clinic: str) -> Principal:
    return Principal(f"acts-scheduler-{clinic}", Role.SCHEDULER, clinic_ids=(clinic,))


ADMIN = Principal("acts-admin", Role.ADMIN)
MANAGER = Principal("acts-manager", Role.MANAGER)
AUDITOR = Principal("acts-auditor", Role.AUDITOR)


def _call(stage: Stage, method: str, path: str, who: Principal, **extra: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {issue_token(stage.app, who)}"}
    with TestClient(stage.app, raise_server_exceptions=False) as client:
        return client.request(method, path, headers=headers, follow_redirects=False, **extra)


def _rows(stage: Stage, query: str, **values: Any) -> list[tuple[Any, ...]]:
    with stage.engine.connect() as db:
        return [tuple(row) for row in db.execute(text(query), values).all()]


REQUEST_ROW = "SELECT * FROM care_requests WHERE id = :id"
OFFER_ROWS = "SELECT * FROM offers WHERE request_id = :id ORDER BY id"
LATER_ROWS = "SELECT * FROM later_dates WHERE request_id = :id ORDER BY id"


def _state(stage: Stage, request_id: str) -> tuple[object, ...]:
    """Everything a member's act or a determination could change: the request's row (status,
    dates, who, channel, note, prior authorisation), its offers and the member's later
    dates (docs/adr/0013, 2026-12-08)."""
    key = int(request_id)
    return tuple(_rows(stage, q, id=key) for q in (REQUEST_ROW, OFFER_ROWS, LATER_ROWS))


def _column(stage: Stage, request_id: str, column: str) -> Any:
    query = f"SELECT {column} FROM care_requests WHERE id = :id"
    return _rows(stage, query, id=int(request_id))[0][0]


def _open(stage: Stage, key: str, **extra: str) -> str:
    """A new open request of `key`'s, opened by an admin's `$find` (nothing offered on it)."""
    body = parameters(patient_reference=f"Patient/{key}", **extra)
    found = _call(stage, "POST", "/Appointment/$find", ADMIN, json=body)
    assert found.status_code == 200, found.text
    opened = [
        e["resource"]["id"]
        for e in found.json()["entry"]
        if e["resource"]["resourceType"] == "ServiceRequest"
    ]
    assert len(opened) == 1, found.text
    return str(opened[0])


def _act(
    stage: Stage, who: Principal, request_id: str, operation: str, body: Any
) -> httpx.Response:
    path = f"/ServiceRequest/{request_id}/{operation}"
    return _call(stage, "POST", path, who, json=body)


# The member whose fresh requests the tests open and act on, and their clinic.
ME, HOME = "dee", "san-diego"
LATER = "2026-07-01"
STAFF_WORD = {"channel": "phone", "note": "called 2026-05-31 11:50, said so"}

# -- another member's request: absent to every caller who may not act on it --------------

# Who may call each operation at all (the route matrix); anyone else gets 403 for the role,
# before any record is read. A caller whose role may, but whose scope does not admit Bo,
# gets 404: absent or not yours.
OPERATIONS = {
    "$withdraw": ({Role.MEMBER, Role.SCHEDULER, Role.ADMIN}, parameters(**STAFF_WORD)),
    "$prefer-later": (
        {Role.MEMBER, Role.SCHEDULER, Role.ADMIN},
        parameters(date=LATER, **STAFF_WORD),
    ),
    "$prior-authorization": ({Role.THERAPIST, Role.SCHEDULER, Role.ADMIN}, None),
}


def _outsiders(stage: Stage) -> list[Principal]:
    """Callers of every role whose scope does not admit Bo (a Fontana member, whose
    therapist is not Ada's)."""
    ada_therapist = stage.records.clinicians["ada"]
    assert ada_therapist != stage.records.clinicians["bo"]
    return [
        member("ada"),
        scheduler("san-diego"),
        Principal("acts-therapist", Role.THERAPIST, clinician_id=ada_therapist),
        MANAGER,
        AUDITOR,
    ]


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_another_members_request_is_absent_to_every_role_that_may_act_and_refused_to_others(
    stage: Stage, operation: str
) -> None:
    bos = _open(stage, "bo", visit_type="urgent")
    roles, body = OPERATIONS[operation]
    before = _state(stage, bos)
    for who in _outsiders(stage):
        found = _act(stage, who, bos, operation, body)
        expected = 404 if who.role in roles else 403
        assert found.status_code == expected, (who.subject, found.text)
        assert "Diddley" not in found.text
    assert _state(stage, bos) == before


@pytest.mark.parametrize("answer", ["$decline", "$accept"])
def test_another_members_offer_is_absent_and_unanswered(stage: Stage, answer: str) -> None:
    offer = stage.records.offers["bo"][0]
    request_id = stage.records.requests["bo"][1]
    before = _state(stage, request_id)
    for who in _outsiders(stage):
        found = _call(stage, "POST", f"/Task/{offer}/{answer}", who, json=parameters(**STAFF_WORD))
        expected = 404 if who.role in (Role.MEMBER, Role.SCHEDULER) else 403
        assert found.status_code == expected, (who.subject, found.text)
    assert _state(stage, request_id) == before


@pytest.mark.parametrize(
    "spelling",
    ["0{id}", "+{id}", "{id}.0", "{id}%20", "%20{id}", "{id}e0", "ServiceRequest%2F{id}"],
)
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_an_odd_spelling_of_ones_own_request_names_nothing(
    stage: Stage, operation: str, spelling: str
) -> None:
    mine = _open(stage, ME, visit_type="urgent")
    _, body = OPERATIONS[operation]
    before = _state(stage, mine)
    found = _act(stage, ADMIN, spelling.format(id=mine), operation, body)
    assert found.status_code == 404, found.text
    assert _state(stage, mine) == before


# -- the body cannot name another actor, and says how the member said it -----------------

ACTOR_FIELDS = ("by", "agent", "recorded-by", "role", "requester", "performer", "determined-by")


@pytest.mark.parametrize("field", ACTOR_FIELDS)
@pytest.mark.parametrize(
    ("operation", "who", "base"),
    [
        ("$withdraw", "member", {}),
        ("$prefer-later", "member", {"date": LATER}),
        ("$withdraw", "staff", STAFF_WORD),
        ("$prefer-later", "staff", {"date": LATER, **STAFF_WORD}),
        ("$prior-authorization", "staff", {}),
    ],
)
def test_a_body_naming_another_actor_is_refused(
    stage: Stage, operation: str, who: str, base: dict[str, str], field: str
) -> None:
    """`$prior-authorization` took no body at all: whatever it said was ignored, so a body
    saying the determination was someone else's (or `required` false) was recorded as the
    caller's determination that prior authorisation is required."""
    mine = _open(stage, ME, visit_type="urgent")
    caller = member(ME) if who == "member" else scheduler(HOME)
    before = _state(stage, mine)
    body = parameters(**base, **{field.replace("-", "_"): "acts-someone-else"})
    found = _act(stage, caller, mine, operation, body)
    assert found.status_code == 422, found.text
    assert field in found.text
    assert _state(stage, mine) == before


@pytest.mark.parametrize(
    "parameter", [{"name": "required", "valueBoolean": False}, {"name": "note", "valueString": "x"}]
)
def test_a_prior_authorisation_body_is_never_ignored(
    stage: Stage, parameter: dict[str, Any]
) -> None:
    mine = _open(stage, ME, visit_type="urgent")
    before = _state(stage, mine)
    body = {"resourceType": "Parameters", "parameter": [parameter]}
    found = _act(stage, scheduler(HOME), mine, "$prior-authorization", body)
    assert found.status_code == 422, found.text
    assert _state(stage, mine) == before
    assert _column(stage, mine, "prior_authorization_by") is None


BAD_WORDS = {
    "no channel": {"note": "called"},
    "no note": {"channel": "phone"},
    "an empty note": {"channel": "phone", "note": ""},
    "a blank note": {"channel": "phone", "note": " \u00a0 "},
    "a channel not in the list": {"channel": "fax", "note": "called"},
    "a channel twice": {"channel": ["phone", "sms"], "note": "called"},
    "a note twice": {"channel": "phone", "note": ["called", "again"]},
    "nothing": {},
}


@pytest.mark.parametrize("word", BAD_WORDS.values(), ids=BAD_WORDS.keys())
@pytest.mark.parametrize("operation", ["$withdraw", "$prefer-later", "$decline"])
def test_staff_recording_a_members_act_without_the_members_word_is_refused(
    stage: Stage, operation: str, word: dict[str, Any]
) -> None:
    mine = _open(stage, ME)
    before = _state(stage, mine)
    if operation == "$decline":
        offer = _offer(stage, mine)
        before = _state(stage, mine)
        found = _call(stage, "POST", f"/Task/{offer}/$decline", ADMIN, json=parameters(**word))
    else:
        extra = {"date": LATER} if operation == "$prefer-later" else {}
        found = _act(stage, scheduler(HOME), mine, operation, parameters(**extra, **word))
    assert found.status_code == 422, found.text
    assert _state(stage, mine) == before


def _offer(stage: Stage, request_id: str) -> str:
    """An offer of the request's first proposed time, made by an admin on the phone."""
    body = parameters(
        patient_reference=f"Patient/{ME}", service_request=f"ServiceRequest/{request_id}"
    )
    found = _call(stage, "POST", "/Appointment/$find", ADMIN, json=body)
    assert found.status_code == 200, found.text
    slot = next(
        e["resource"]["slot"][0]["reference"]
        for e in found.json()["entry"]
        if e["resource"]["resourceType"] == "Appointment"
    )
    made = _act(stage, ADMIN, request_id, "$offer", parameters(slot=slot, channel="phone"))
    assert made.status_code == 200, made.text
    return str(made.json()["id"])


@pytest.mark.parametrize("length", [2001, 900_000])
@pytest.mark.parametrize("operation", ["$withdraw", "$prefer-later", "$decline"])
def test_a_note_that_is_a_file_is_refused(stage: Stage, operation: str, length: int) -> None:
    """Accepted before, to the body limit: a 900,000-character "contact note" was kept on
    the request and printed in every evidence document. A note says when, how and what the
    member said: 2,000 characters at most."""
    mine = _open(stage, ME)
    word = {"channel": "phone", "note": "n" * length}
    if operation == "$decline":
        offer = _offer(stage, mine)
        before = _state(stage, mine)
        found = _call(stage, "POST", f"/Task/{offer}/$decline", ADMIN, json=parameters(**word))
    else:
        extra = {"date": LATER} if operation == "$prefer-later" else {}
        before = _state(stage, mine)
        found = _act(stage, scheduler(HOME), mine, operation, parameters(**extra, **word))
    assert found.status_code == 422, found.text[:500]
    assert _state(stage, mine) == before


def test_a_note_of_2000_characters_is_kept_whole(stage: Stage) -> None:
    mine = _open(stage, ME)
    note = "said so " * 250
    body = parameters(channel="phone", note=note)
    found = _act(stage, scheduler(HOME), mine, "$withdraw", body)
    assert found.status_code == 200, found.text[:500]
    assert _column(stage, mine, "withdrawal_note") == note.strip()


@pytest.mark.parametrize("channel", ["phone", "sms", "email", "in-person", "letter", "PHONE"])
@pytest.mark.parametrize("operation", ["$withdraw", "$prefer-later", "$decline", "$accept"])
def test_a_member_acting_for_themselves_is_recorded_through_the_portal_only(
    stage: Stage, operation: str, channel: str
) -> None:
    """A member signed in acts through the portal. Their own call recorded as a phone call,
    a letter or a visit in person (a refusal "by phone" with nobody who took it) is a
    channel nobody used: what came by those is recorded by the staff member who heard it,
    with the contact note."""
    mine = _open(stage, ME)
    body = parameters(channel=channel)
    if operation in ("$decline", "$accept"):
        offer = _offer(stage, mine)
        before = _state(stage, mine)
        found = _call(stage, "POST", f"/Task/{offer}/{operation}", member(ME), json=body)
    else:
        extra = {"date": LATER} if operation == "$prefer-later" else {}
        before = _state(stage, mine)
        found = _act(stage, member(ME), mine, operation, parameters(**extra, channel=channel))
    assert found.status_code == 403, found.text
    assert _state(stage, mine) == before


def test_a_members_own_acts_are_recorded_as_theirs_through_the_portal(stage: Stage) -> None:
    declining, withdrawing, preferring = (_open(stage, ME) for _ in range(3))
    offer = _offer(stage, declining)
    eve = member(ME)
    declined = _call(stage, "POST", f"/Task/{offer}/$decline", eve, json=parameters())
    assert declined.status_code == 200, declined.text
    answer = (
        "SELECT responded_by, response_channel, response_note, response FROM offers WHERE id = :id"
    )
    assert _rows(stage, answer, id=int(offer.removeprefix("offer-"))) == [
        (f"acts-{ME}", "portal", "", "declined")
    ]
    withdrawn = _act(stage, eve, withdrawing, "$withdraw", parameters(channel="portal"))
    assert withdrawn.status_code == 200, withdrawn.text
    said = "SELECT status, withdrawn_by, withdrawal_channel, withdrawal_note FROM care_requests WHERE id = :id"
    assert _rows(stage, said, id=int(withdrawing)) == [("withdrawn", f"acts-{ME}", "portal", "")]
    preferred = _act(stage, eve, preferring, "$prefer-later", parameters(date=LATER))
    assert preferred.status_code == 200, preferred.text
    kept = "SELECT preference_recorded_by, preference_channel FROM care_requests WHERE id = :id"
    assert _rows(stage, kept, id=int(preferring)) == [(f"acts-{ME}", "portal")]


def test_staff_recording_a_members_act_are_recorded_as_who_took_it(stage: Stage) -> None:
    declining, withdrawing = _open(stage, ME), _open(stage, ME)
    offer = _offer(stage, declining)
    lancaster = scheduler(HOME)
    body = parameters(channel="sms", note="texted back: no thanks")
    declined = _call(stage, "POST", f"/Task/{offer}/$decline", lancaster, json=body)
    assert declined.status_code == 200, declined.text
    answer = "SELECT responded_by, response_channel, response_note FROM offers WHERE id = :id"
    assert _rows(stage, answer, id=int(offer.removeprefix("offer-"))) == [
        (f"acts-scheduler-{HOME}", "sms", "texted back: no thanks")
    ]
    withdrawn = _act(stage, lancaster, withdrawing, "$withdraw", parameters(**STAFF_WORD))
    assert withdrawn.status_code == 200, withdrawn.text
    said = (
        "SELECT withdrawn_by, withdrawal_channel, withdrawal_note FROM care_requests WHERE id = :id"
    )
    assert _rows(stage, said, id=int(withdrawing)) == [
        (f"acts-scheduler-{HOME}", "phone", STAFF_WORD["note"])
    ]


# -- the member's later date ---------------------------------------------------------------

BAD_DATES = [
    "next tuesday",
    "2026-13-01",
    "2026-06-01T25:00",
    "2026-06",
    "2026-06-20T10:00:00-25:00",
    "0001-01-01",
    "2026-05-30",
    "2026-05-31T11:59:00-07:00",
]


@pytest.mark.parametrize("date", BAD_DATES)
def test_a_later_date_that_is_not_a_date_to_come_is_refused(stage: Stage, date: str) -> None:
    mine = _open(stage, ME)
    before = _state(stage, mine)
    found = _act(stage, member(ME), mine, "$prefer-later", parameters(date=date))
    assert found.status_code == 422, found.text
    assert _state(stage, mine) == before


@pytest.mark.parametrize(
    "date", ["9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59-12:00", "2100-01-01"]
)
def test_a_later_date_beyond_any_wait_is_refused_and_find_never_fails(
    stage: Stage, date: str
) -> None:
    """Accepted before: the request's earliest start became the year 9999, and every `$find`
    on it was then a 500 (the search window after the date overflowed the calendar)."""
    mine = _open(stage, ME)
    before = _state(stage, mine)
    found = _act(stage, member(ME), mine, "$prefer-later", parameters(date=date))
    assert found.status_code == 422, found.text
    assert _state(stage, mine) == before
    body = parameters(patient_reference=f"Patient/{ME}", service_request=f"ServiceRequest/{mine}")
    again = _call(stage, "POST", "/Appointment/$find", member(ME), json=body)
    assert again.status_code == 200, again.text


def _deadline(stage: Stage, request_id: str) -> datetime:
    found = _column(stage, request_id, "deadline")
    moment = found if isinstance(found, datetime) else datetime.fromisoformat(str(found))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_the_longest_later_date_is_a_year_after_the_deadline(stage: Stage) -> None:
    mine = _open(stage, ME)
    last = _deadline(stage, mine) + timedelta(days=365)
    over = _act(
        stage,
        member(ME),
        mine,
        "$prefer-later",
        parameters(date=(last + timedelta(seconds=1)).isoformat()),
    )
    assert over.status_code == 422, over.text
    assert _column(stage, mine, "member_preferred_from") is None
    at = _act(stage, member(ME), mine, "$prefer-later", parameters(date=last.isoformat()))
    assert at.status_code == 200, at.text
    assert _column(stage, mine, "member_preferred_from") is not None


def test_a_later_date_with_a_time_zone_is_kept_as_that_instant(stage: Stage) -> None:
    mine = _open(stage, ME)
    asked = "2026-06-20T10:00:00+14:00"  # 2026-06-19 20:00 UTC
    found = _act(stage, member(ME), mine, "$prefer-later", parameters(date=asked))
    assert found.status_code == 200, found.text
    kept = _column(stage, mine, "member_preferred_from")
    moment = kept if isinstance(kept, datetime) else datetime.fromisoformat(str(kept))
    assert moment.replace(tzinfo=moment.tzinfo or UTC) == datetime(2026, 6, 19, 20, tzinfo=UTC)


def test_an_earlier_second_date_is_recorded_and_booked_from_never_ignored(stage: Stage) -> None:
    """Once: the second, earlier date was recorded as the member's while the request kept
    the first as its earliest start (`not_before` only grew), so the record said "from
    20 June" and nothing before 10 July was ever proposed or held; then it was refused.
    Now it is taken: the request is booked from the date the record says, and every date
    is kept in order (docs/adr/0013, 2026-12-08)."""
    mine = _open(stage, ME)
    eve = member(ME)
    for date in ("2026-07-10", "2026-06-20", "2026-07-20"):
        found = _act(stage, eve, mine, "$prefer-later", parameters(date=date))
        assert found.status_code == 200, found.text
        assert str(_column(stage, mine, "not_before")) == str(
            _column(stage, mine, "member_preferred_from")
        )
        assert found.json()["occurrencePeriod"]["start"].startswith(date)
    dates = "SELECT preferred_from, recorded_by, channel FROM later_dates WHERE request_id = :id ORDER BY id"
    kept = _rows(stage, dates, id=int(mine))
    assert [(by, channel) for _, by, channel in kept] == [(eve.subject, "portal")] * 3
    assert [str(d)[:10] for d, _, _ in kept] == ["2026-07-10", "2026-06-20", "2026-07-20"]


def test_a_later_date_while_an_offer_awaits_an_answer_is_refused(stage: Stage) -> None:
    """Before: the later date was recorded while the offer was still open, counted as the
    member choosing later than that offer (a refusal nobody recorded), and the member could
    then accept the offer and be booked before their own later date."""
    mine = _open(stage, ME)
    offer = _offer(stage, mine)
    before = _state(stage, mine)
    found = _act(stage, member(ME), mine, "$prefer-later", parameters(date=LATER))
    assert found.status_code == 409, found.text
    assert _state(stage, mine) == before
    staff = parameters(date=LATER, **STAFF_WORD)
    assert _act(stage, scheduler(HOME), mine, "$prefer-later", staff).status_code == 409
    assert _state(stage, mine) == before
    declined = _call(stage, "POST", f"/Task/{offer}/$decline", member(ME), json=parameters())
    assert declined.status_code == 200, declined.text
    after = _act(stage, member(ME), mine, "$prefer-later", parameters(date=LATER))
    assert after.status_code == 200, after.text


# -- requests no longer open ---------------------------------------------------------------


def test_acts_on_a_withdrawn_request_are_refused(stage: Stage) -> None:
    mine = _open(stage, ME, visit_type="urgent")
    eve = member(ME)
    assert _act(stage, eve, mine, "$withdraw", parameters()).status_code == 200
    before = _state(stage, mine)
    for who, operation, body in (
        (eve, "$withdraw", parameters()),
        (ADMIN, "$withdraw", parameters(**STAFF_WORD)),
        (eve, "$prefer-later", parameters(date=LATER)),
        (ADMIN, "$prior-authorization", None),
    ):
        found = _act(stage, who, mine, operation, body)
        assert found.status_code == 409, (operation, found.text)
    assert _state(stage, mine) == before


def test_acts_on_a_booked_request_are_refused(stage: Stage) -> None:
    booked = stage.records.requests["ada"][0]
    before = _state(stage, booked)
    for who, operation, body in (
        (member("ada"), "$withdraw", parameters()),
        (member("ada"), "$prefer-later", parameters(date=LATER)),
        (scheduler("san-diego"), "$prefer-later", parameters(date=LATER, **STAFF_WORD)),
        (ADMIN, "$prior-authorization", None),
    ):
        found = _act(stage, who, booked, operation, body)
        assert found.status_code == 409, (operation, found.text)
    assert _state(stage, booked) == before


def test_prior_authorisation_is_recorded_once_and_never_by_the_member(stage: Stage) -> None:
    urgent, routine = _open(stage, ME, visit_type="urgent"), _open(stage, ME)
    before = _state(stage, urgent)
    assert _act(stage, member(ME), urgent, "$prior-authorization", None).status_code == 403
    assert _state(stage, urgent) == before
    assert _act(stage, ADMIN, routine, "$prior-authorization", None).status_code == 422
    assert _column(stage, routine, "prior_authorization_by") is None
    first = _act(stage, scheduler(HOME), urgent, "$prior-authorization", None)
    assert first.status_code == 200, first.text
    recorded = _state(stage, urgent)
    again = _act(stage, ADMIN, urgent, "$prior-authorization", None)
    assert again.status_code == 409, again.text
    assert _state(stage, urgent) == recorded
    who = "SELECT prior_authorization, prior_authorization_by, prior_authorization_role FROM care_requests WHERE id = :id"
    assert _rows(stage, who, id=int(urgent)) == [(True, f"acts-scheduler-{HOME}", "scheduler")]


def test_prior_authorisation_after_the_48_hours_is_kept_and_moves_nothing(stage: Stage) -> None:
    urgent = _open(stage, ME, visit_type="urgent")
    deadline = _deadline(stage, urgent)
    clock = stage.app.state.parity.clock
    clock.set(deadline + timedelta(minutes=1))
    try:
        found = _act(stage, scheduler(HOME), urgent, "$prior-authorization", None)
    finally:
        clock.set(NOW)
    assert found.status_code == 200, found.text
    assert _deadline(stage, urgent) == deadline
    assert bool(_column(stage, urgent, "prior_authorization")) is False
    assert _column(stage, urgent, "prior_authorization_by") == f"acts-scheduler-{HOME}"


# -- the read side: the determination is seen only where the request is ------------------


def test_the_prior_authorisation_extension_is_seen_only_in_the_members_scope(
    stage: Stage,
) -> None:
    urgent = _open(stage, "cruz", visit_type="urgent")
    made = _act(stage, scheduler("downey"), urgent, "$prior-authorization", None)
    assert made.status_code == 200, made.text
    assert "prior-authorization" in made.text
    searches = [
        "/ServiceRequest?status=active",
        f"/ServiceRequest?_id={urgent}",
        "/ServiceRequest?patient=cruz",
        f"/ServiceRequest?patient=Patient/cruz&_id={urgent}",
        f"/Task?based-on=ServiceRequest/{urgent}",
    ]
    for who in (
        member("ada"),
        scheduler("san-diego"),
        scheduler("fontana"),
        Principal("acts-therapist", Role.THERAPIST, clinician_id=stage.records.clinicians["ada"]),
    ):
        for path in searches:
            found = _call(stage, "GET", path, who)
            assert found.status_code == 200, (who.subject, path, found.text)
            ids = {e["resource"]["id"] for e in found.json().get("entry", [])}
            assert urgent not in ids, (who.subject, path)
            assert f"ServiceRequest/{urgent}" not in found.text, (who.subject, path)
            assert "acts-scheduler-downey" not in found.text, (who.subject, path)
        read = _call(stage, "GET", f"/ServiceRequest/{urgent}", who)
        assert read.status_code == 404, (who.subject, read.text)
    treating = Principal(
        "acts-treating", Role.THERAPIST, clinician_id=stage.records.clinicians["cruz"]
    )
    seen = _call(stage, "GET", f"/ServiceRequest/{urgent}", treating)
    assert seen.status_code == 200, seen.text
    assert "acts-scheduler-downey" in seen.text


# -- one act, recorded once -----------------------------------------------------------------

RACERS = 6


def _race(stage: Stage, request_id: str, operation: str) -> list[int]:
    """`RACERS` schedulers send the act at once, each with their own note (and date)."""
    start = threading.Barrier(RACERS)

    def race(n: int) -> int:
        who = Principal(f"acts-racer-{n}", Role.SCHEDULER, clinic_ids=(HOME,))
        word = {"channel": "phone", "note": f"racer {n} took the call"}
        extra = {"date": f"2026-07-{n + 1:02d}"} if operation == "$prefer-later" else {}
        body = parameters(**extra, **word)
        start.wait()
        return _act(stage, who, request_id, operation, body).status_code

    with ThreadPoolExecutor(RACERS) as pool:
        return sorted(pool.map(race, range(RACERS)))


def test_a_withdrawal_sent_at_once_by_several_staff_is_recorded_once(stage: Stage) -> None:
    """Without `If-Match`: each call reads the request open, and only one may write its
    record; the others are refused (409), so the record names the one who acted, with
    their own note, never a mix."""
    mine = _open(stage, ME)
    assert _race(stage, mine, "$withdraw") == [200] + [409] * (RACERS - 1)
    said = "SELECT withdrawn_by, withdrawal_note FROM care_requests WHERE id = :id"
    ((by, note),) = _rows(stage, said, id=int(mine))
    assert note == f"racer {by.removeprefix('acts-racer-')} took the call"


def test_later_dates_sent_at_once_leave_one_racers_whole_record(stage: Stage) -> None:
    """A later date may follow another (earlier or later: docs/adr/0013, 2026-12-08), so
    more than one may succeed; the request's row holds one racer's date, name and note
    together, the last kept, and the request is booked from that date; every date taken is
    kept as its own record, none from a refused call."""
    mine = _open(stage, ME)
    codes = _race(stage, mine, "$prefer-later")
    assert 200 in codes, codes
    assert set(codes) <= {200, 409}, codes
    kept = "SELECT recorded_by, note FROM later_dates WHERE request_id = :id ORDER BY id"
    history = _rows(stage, kept, id=int(mine))
    assert len(history) == codes.count(200)
    said = (
        "SELECT preference_recorded_by, preference_note, member_preferred_from, not_before "
        "FROM care_requests WHERE id = :id"
    )
    ((by, note, preferred, not_before),) = _rows(stage, said, id=int(mine))
    n = int(by.removeprefix("acts-racer-"))
    assert note == f"racer {n} took the call"
    moment = preferred if isinstance(preferred, datetime) else datetime.fromisoformat(preferred)
    assert moment.replace(tzinfo=moment.tzinfo or UTC) == datetime(2026, 7, n + 1, 7, tzinfo=UTC)
    assert str(not_before) == str(preferred)
    assert history[-1] == (by, note)


# -- the pages record through the same services ---------------------------------------------


@pytest.mark.parametrize("date", ["9999-12-31", "2100-01-01"])
def test_the_members_page_refuses_a_later_date_beyond_any_wait_and_still_opens(
    stage: Stage, date: str
) -> None:
    """Before: the member's own page recorded 9999-12-31, then failed (500) drawing the
    times from it, and every later view of the page (and of the request's page) failed the
    same way."""
    mine = _open(stage, ME)
    before = _state(stage, mine)
    path = f"/app/me/requests/{mine}/prefer-later"
    found = _call(stage, "POST", path, member(ME), data={"date": date})
    assert found.status_code == 422, found.text[:300]
    assert _state(stage, mine) == before
    assert _call(stage, "GET", "/app/me", member(ME)).status_code == 200
    assert _call(stage, "GET", f"/app/requests/{mine}", ADMIN).status_code == 200


def test_the_pages_refuse_a_later_date_while_an_offer_awaits_its_answer(stage: Stage) -> None:
    mine = _open(stage, ME)
    _offer(stage, mine)
    before = _state(stage, mine)
    own = _call(
        stage, "POST", f"/app/me/requests/{mine}/prefer-later", member(ME), data={"date": LATER}
    )
    assert own.status_code == 409, own.text[:300]
    staff = _call(
        stage,
        "POST",
        f"/app/requests/{mine}/prefer-later",
        scheduler(HOME),
        data={"date": LATER, **STAFF_WORD},
    )
    assert staff.status_code == 409, staff.text[:300]
    assert _state(stage, mine) == before


def test_the_staff_page_takes_an_earlier_date_over_a_recorded_one_and_keeps_both(
    stage: Stage,
) -> None:
    """The member changed their mind: the earlier date is recorded and booked from, and both
    dates are kept, in order, on the request's page too (docs/adr/0013, 2026-12-08)."""
    mine = _open(stage, ME)
    path = f"/app/requests/{mine}/prefer-later"
    first = _call(stage, "POST", path, scheduler(HOME), data={"date": "2026-07-10", **STAFF_WORD})
    assert first.status_code == 303, first.text[:300]  # done: back to the page
    earlier = _call(stage, "POST", path, scheduler(HOME), data={"date": "2026-06-20", **STAFF_WORD})
    assert earlier.status_code == 303, earlier.text[:300]
    dates = "SELECT preferred_from FROM later_dates WHERE request_id = :id ORDER BY id"
    kept = [str(d) for (d,) in _rows(stage, dates, id=int(mine))]
    assert len(kept) == 2
    assert kept[0] > kept[1]  # the first asked for the later day
    assert str(_column(stage, mine, "member_preferred_from")) == kept[1]
    assert str(_column(stage, mine, "not_before")) == kept[1]
    page = _call(stage, "GET", f"/app/requests/{mine}", ADMIN)
    assert page.status_code == 200
    assert page.text.count("superseded by the next") == 2  # the facts and the timeline
