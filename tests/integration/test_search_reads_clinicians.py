"""A slot search reads its slots' clinicians in the same statement (docs/adr/0017-booking-
api-speed.md, twelfth round), on SQLite and PostgreSQL: the clinicians it hands to their
repository are what that repository reads afresh, each read once; `$find` then asks for
them without a statement of its own (4 statements on PostgreSQL, was 5), and a member's
`$find` still shows that member's records only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sql_support import FIRST_WEEK, Region, at
from sqlalchemy import Engine, event

from parity.adapters.sql import SqlUnitOfWork
from parity.domain.availability import SlotQuery
from parity.domain.members import Member
from parity.domain.schedule import BlockKind
from parity.domain.users import Principal, Role
from parity.domain.workforce import Modality, ProviderClass
from parity.entrypoints.api import create_app
from parity.entrypoints.security import issue_token


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The statements sent meanwhile, SQLite's BEGIN IMMEDIATE (its writer lock) left out."""
    seen: list[str] = []

    def note(conn: object, cursor: object, sql: str, *rest: object) -> None:
        if not sql.startswith("BEGIN"):
            seen.append(" ".join(sql.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _query(**changes: Any) -> SlotQuery:
    """Intakes and follow-ups of a therapist, in person at north or by video, over the
    region's two weeks: ana's and ben's slots, several of each."""
    values: dict[str, Any] = {
        "kinds": (BlockKind.FOLLOW_UP, BlockKind.INTAKE),
        "provider_class": ProviderClass.THERAPIST,
        "language": "english",
        "modalities": (Modality.IN_PERSON, Modality.VIDEO),
        "clinic_id": "north",
        "not_before": at(FIRST_WEEK, 0),
        "not_after": at(FIRST_WEEK + timedelta(days=14), 0),
        **changes,
    }
    return SlotQuery(**values)


def _fresh(engine: Engine, keys: set[str]) -> dict[str, Any]:
    """The clinicians of `keys` and their stamps, as a new unit of work reads them."""
    other = SqlUnitOfWork(engine)
    with other:
        return {
            "clinicians": {k: other.clinicians.get(k) for k in keys},
            "stamps": other.stamps.of("clinicians", sorted(keys)),
        }


@pytest.mark.parametrize("clinician", [None, "ana"])
def test_a_search_reads_its_slots_clinicians_in_the_same_statement(
    region: Region, engine: Engine, clinician: str | None
) -> None:
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    with uow:
        with statements(engine) as searched:
            found = uow.slots.candidates(_query(clinician_id=clinician), 40)
        keys = {s.clinician_id for s in found}
        with statements(engine) as afterwards:
            clinicians = uow.clinicians.many(keys)
            each = {k: uow.clinicians.get(k) for k in keys}
            stamps = uow.stamps.of("clinicians", sorted(keys))
    assert len(found) > len(keys) >= (1 if clinician else 2)  # a clinician on several rows
    assert len([s for s in searched if "FROM slots" in s]) == 1
    assert afterwards == []  # every clinician of the slots found came with them
    fresh = _fresh(engine, keys)
    assert clinicians == each == fresh["clinicians"]
    assert stamps == fresh["stamps"]


def test_a_clinician_found_by_a_search_is_forgotten_with_its_transaction(
    region: Region, engine: Engine
) -> None:
    uow = region.uow
    with uow:
        keys = {s.clinician_id for s in uow.slots.candidates(_query(), 40)}
    with uow, statements(engine) as seen:
        uow.clinicians.many(keys)
    assert len(seen) == 1  # read again, in one statement


def test_a_search_that_finds_nothing_keeps_no_clinician(region: Region, engine: Engine) -> None:
    uow = region.uow
    with uow:
        assert uow.slots.candidates(_query(kinds=()), 40) == []
        assert uow.slots.candidates(_query(language="klingon"), 40) == []
        with statements(engine) as seen:
            uow.clinicians.get("ana")
    assert len(seen) == 1


def _api(region: Region, engine: Engine, who: Principal) -> TestClient:
    app = create_app(lambda: SqlUnitOfWork(engine), region.policy, region.clock)
    headers = {"Authorization": f"Bearer {issue_token(app, who)}"}
    return TestClient(app, raise_server_exceptions=False, headers=headers)


def _find(api: TestClient, member: str) -> Any:
    body = {
        "resourceType": "Parameters",
        "parameter": [{"name": "patient-reference", "valueString": f"Patient/{member}"}],
    }
    return api.post("/Appointment/$find", json=body)


def _members(region: Region) -> None:
    uow = region.uow
    with uow:
        uow.members.add(Member("ada", "Ada", "north"))
        uow.members.add(Member("bo", "Bo", "north"))
        uow.commit()


def test_find_reads_no_clinician_in_a_statement_of_its_own(region: Region, engine: Engine) -> None:
    _members(region)
    with _api(region, engine, Principal("admin", Role.ADMIN)) as api:
        _find(api, "ada")  # warm: the app's first call reads what it keeps for the process
        with statements(engine) as seen:
            answer = _find(api, "ada")
    assert answer.status_code == 200, answer.text
    proposed = [e for e in answer.json()["entry"] if e["search"]["mode"] == "match"]
    actors = {p["actor"]["reference"] for e in proposed for p in e["resource"]["participant"]}
    assert {"Practitioner/ana", "Practitioner/ben"} <= actors  # rendered with their clinicians
    # No clinician's record read on its own (SQLite's search may first list the few
    # matching clinicians' ids: `SqlSlots._small_pool`).
    assert not [s for s in seen if s.startswith("SELECT clinicians.id, clinicians.name")]
    if engine.dialect.name == "postgresql":
        # The member (and clinic), the request's INSERT, the search with its clinicians,
        # and the audit event with its members.
        assert len(seen) == 4, seen


def test_a_members_find_shows_their_own_records_and_refuses_another_members(
    region: Region, engine: Engine
) -> None:
    _members(region)
    with _api(region, engine, Principal("member-ada", Role.MEMBER, member_id="ada")) as api:
        mine = _find(api, "ada")
        theirs = _find(api, "bo")
    assert mine.status_code == 200, mine.text
    assert theirs.status_code in (403, 404), theirs.text
    entries = [e["resource"] for e in mine.json()["entry"]]
    patients = {
        p["actor"]["reference"]
        for r in entries
        if r["resourceType"] == "Appointment"
        for p in r["participant"]
        if p["actor"]["reference"].startswith("Patient/")
    }
    requests = [r for r in entries if r["resourceType"] == "ServiceRequest"]
    assert patients == {"Patient/ada"}
    assert [r["subject"]["reference"] for r in requests] == ["Patient/ada"]
    with region.uow as uow:
        assert uow.requests.where(member_id="bo") == []  # nothing opened for bo


def test_a_capacity_find_reads_no_clinician_on_its_own(region: Region, engine: Engine) -> None:
    # A scheduler's `$find` without a patient: the earliest free slots, each with its
    # clinician (services/capacity.py asks for them one by one).
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "specialty", "valueString": "therapist"},
            {"name": "service-type", "valueString": "video"},
        ],
    }
    with _api(region, engine, Principal("admin", Role.ADMIN)) as api:
        api.post("/Appointment/$find", json=body)  # warm
        with statements(engine) as seen:
            answer = api.post("/Appointment/$find", json=body)
    assert answer.status_code == 200, answer.text
    proposed = [e["resource"] for e in answer.json()["entry"] if e["search"]["mode"] == "match"]
    actors = {p["actor"]["reference"] for r in proposed for p in r["participant"]}
    assert {"Practitioner/ana", "Practitioner/ben"} <= actors
    assert not [s for s in seen if s.startswith("SELECT clinicians.id, clinicians.name")]
