"""Reading a call's records in one statement (docs/adr/0017-booking-api-speed.md, seventh
round), on SQLite and PostgreSQL: what `SqlUnitOfWork.read_ahead` keeps is what each
repository reads by key itself; the request's deny-list check rides in that statement, and
a signed-out token is still refused before anything is used; a block that runs no
statement still asks the deny list; an appointment written other than `booked` (which
nothing in the schema can refuse) is written without a savepoint, a booked one with one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pg_schemas import fresh_schema
from sql_support import Region, initial_request
from sqlalchemy import Engine, event, text
from test_database_outage import api_on, unavailable

from parity.adapters.sql import SqlUnitOfWork, engine_from_url, upgrade
from parity.domain.members import Member
from parity.domain.revocation import TOKEN_CHECK, TokenCheck
from parity.domain.schedule import Slot, SlotStatus
from parity.domain.users import NotAuthenticated, Principal, Role
from parity.entrypoints.api import create_app
from parity.entrypoints.security import issue_token
from parity.services.booking import BookRequest, book_request
from parity.services.holds import HoldSlot, hold_slot
from parity.services.policy import Policy
from parity.services.proposals import find_proposals
from parity.services.requests import open_request
from parity.services.visits import CancelAppointment, cancel_appointment

# The connections a test kills are named after its process: the suite runs in two
# (docs/adr/0019-two-test-processes.md), and one must not kill the other's.
KILLABLE = f"parity-read-ahead-test-{os.getpid()}"


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(conn: object, cursor: object, sql: str, *rest: object) -> None:
        if not sql.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE (its writer lock)
            seen.append(" ".join(sql.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


@contextmanager
def token(jti: str | None) -> Iterator[TokenCheck]:
    check = TokenCheck(jti)
    reset = TOKEN_CHECK.set(check)
    try:
        yield check
    finally:
        TOKEN_CHECK.reset(reset)


def _free_slot(region: Region, request_id: int) -> Slot:
    """A free slot that suits the request (its best proposal)."""
    proposals = find_proposals(request_id, region.uow, region.clock, region.policy, 1)
    assert proposals
    assert proposals[0].slot.status is SlotStatus.FREE
    return proposals[0].slot


def _request(region: Region, member: str = "ada") -> int:
    uow = region.uow
    with uow:
        if not uow.members.where(id=member):
            uow.members.add(Member(member, member.title(), "north"))
            uow.commit()
    return open_request(initial_request(member), uow, region.clock, region.policy).id


def admin_api(region: Region, engine: Engine) -> TestClient:
    """The API on `engine`, signed in as an administrator."""
    app = create_app(lambda: SqlUnitOfWork(engine), region.policy, region.clock)
    token = issue_token(app, Principal("admin", Role.ADMIN))
    return TestClient(
        app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"}
    )


def post_proposal(api: TestClient, operation: str, request_id: int, slot: Slot) -> Any:
    """`$hold` or `$book` of the proposal of `slot` for the request."""
    body = {
        "resourceType": "Parameters",
        "parameter": [{"name": "appt-id", "valueString": f"proposal-{request_id}-{slot.id}"}],
    }
    return api.post(f"/Appointment/${operation}", json=body)


def _fresh(engine: Engine, read: Any) -> Any:
    """What a new unit of work reads by key on its own."""
    other = SqlUnitOfWork(engine)
    with other:
        return read(other)


def test_a_proposal_read_ahead_keeps_what_each_repository_would_read(
    region: Region, engine: Engine
) -> None:
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    with uow:
        uow.read_ahead("proposal", slot.id, request_id)
        with statements(engine) as seen:
            request = uow.requests.get(request_id)
            kept_slot = uow.slots.get(slot.id)
            clinician = uow.clinicians.get(kept_slot.clinician_id)
            stamps = uow.stamps.of("requests", [request_id])
        assert seen == []  # all three, and the request's stamp, were read ahead
    assert request == _fresh(engine, lambda u: u.requests.get(request_id))
    assert kept_slot == _fresh(engine, lambda u: u.slots.get(slot.id))
    assert clinician == _fresh(engine, lambda u: u.clinicians.get(kept_slot.clinician_id))
    assert stamps == _fresh(engine, lambda u: u.stamps.of("requests", [request_id]))


def test_a_visit_and_a_hold_read_ahead_keep_their_records(region: Region, engine: Engine) -> None:
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    first, second = _request(region, "ada"), _request(region, "bo")
    decision = book_request(BookRequest(first), uow, region.clock, region.policy)
    visit_id = decision.appointment_id
    assert visit_id is not None
    slot = _free_slot(region, second)
    held = hold_slot(HoldSlot(second, slot.id), uow, region.clock, region.policy)
    with uow:
        uow.read_ahead("visit", visit_id)
        uow.read_ahead("hold", held.id)
        with statements(engine) as seen:
            visit = uow.appointments.get(visit_id)
            parts = (uow.requests.get(visit.request_id), uow.slots.get(visit.slot_id))
            member = uow.members.get(visit.member_id)
            hold = uow.holds.get(held.id)
            hold_parts = (uow.requests.get(second), uow.slots.get(slot.id))
            clinician = uow.clinicians.get(slot.clinician_id)
        assert seen == []
    assert visit == _fresh(engine, lambda u: u.appointments.get(visit_id))
    assert parts == _fresh(
        engine, lambda u: (u.requests.get(visit.request_id), u.slots.get(visit.slot_id))
    )
    assert member == _fresh(engine, lambda u: u.members.get("ada"))
    assert hold == _fresh(engine, lambda u: u.holds.get(held.id))
    assert hold_parts == _fresh(engine, lambda u: (u.requests.get(second), u.slots.get(slot.id)))
    assert clinician == _fresh(engine, lambda u: u.clinicians.get(slot.clinician_id))


def test_a_member_read_ahead_keeps_the_member_and_their_clinic(
    region: Region, engine: Engine
) -> None:
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    _request(region, "ada")
    with uow:
        uow.read_ahead("member", "ada")
        with statements(engine) as seen:
            member = uow.members.get("ada")
            clinic = uow.clinics.get(member.clinic_id)
        assert seen == []
    assert clinic == _fresh(engine, lambda u: u.clinics.get("north"))


def test_nothing_found_keeps_nothing_and_the_repositories_read_as_before(
    region: Region, engine: Engine
) -> None:
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    with uow:
        uow.read_ahead("visit", 987654)
        with statements(engine) as seen, pytest.raises(Exception, match="not found"):
            uow.appointments.get(987654)
        assert len(seen) == 1


def _revoke(uow: SqlUnitOfWork, jti: str, region: Region) -> None:
    with uow:
        uow.revoked_tokens.revoke(jti, region.clock.now() + timedelta(hours=1))
        uow.commit()


def test_the_deny_list_is_asked_in_the_read_ahead_and_a_signed_out_token_refused(
    region: Region, engine: Engine
) -> None:
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    _revoke(uow, "gone", region)
    with token("kept") as check, statements(engine) as seen, uow:
        uow.read_ahead("proposal", slot.id, request_id)
        uow.requests.get(request_id)
    assert check.done
    assert len(seen) == 1  # one statement asked both
    assert "revoked_tokens" in seen[0]
    with token("gone"), statements(engine) as seen, pytest.raises(NotAuthenticated), uow:
        uow.read_ahead("proposal", slot.id, request_id)
    assert len(seen) == 1
    with uow:  # and nothing was kept for the next transaction
        with statements(engine) as seen:
            uow.requests.get(request_id)
        assert len(seen) == 1


def test_a_read_ahead_that_finds_nothing_leaves_the_check_to_the_next_statement(
    region: Region, engine: Engine
) -> None:
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    _revoke(uow, "gone", region)
    with token("gone") as check, uow:
        uow.read_ahead("visit", 987654)
        assert not check.done
        with pytest.raises(NotAuthenticated):
            uow.clinics.list()  # refused before it runs


def test_a_block_that_runs_no_statement_still_refuses_a_signed_out_token(
    region: Region,
) -> None:
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    _revoke(uow, "gone", region)
    with token("gone"), pytest.raises(NotAuthenticated), uow:
        pass
    with token("gone"), pytest.raises(NotAuthenticated), uow:
        raise LookupError("an error the caller would otherwise see")
    with token("kept") as check, uow:
        pass
    assert check.done


def test_a_cancellation_needs_no_guard_a_booking_does(region: Region, engine: Engine) -> None:
    uow = region.uow
    request_id = _request(region)
    with statements(engine) as seen:
        decision = book_request(BookRequest(request_id), uow, region.clock, region.policy)
    # a booked row the schema may refuse: its INSERT asks the schema's questions itself
    # (adapters/sql/guarded_insert.py) and needs its savepoint only when refused
    inserts = [s for s in seen if s.startswith("INSERT INTO appointments")]
    assert len(inserts) == 1
    assert "ON CONFLICT DO NOTHING" in inserts[0]
    assert not any(s.startswith("SAVEPOINT") for s in seen)
    assert decision.appointment_id is not None
    cancel = CancelAppointment(decision.appointment_id, "member", "test")
    with statements(engine) as seen:
        cancel_appointment(cancel, uow, region.clock, region.policy)
    assert not any(s.startswith("SAVEPOINT") for s in seen)
    assert any(s.startswith("UPDATE appointments") for s in seen)
    with uow:
        assert uow.appointments.get(decision.appointment_id).status.value == "cancelled"


def test_a_restart_begins_a_new_transaction_on_the_same_connection(
    region: Region, engine: Engine
) -> None:
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    request_id = _request(region)
    checkouts: list[object] = []

    def checked_out(*args: object) -> None:
        checkouts.append(args)

    event.listen(engine, "checkout", checked_out)
    try:
        with uow:
            before = uow.requests.get(request_id)
            uow.restart()  # SQLite holds its writer lock until the transaction ends
            other = SqlUnitOfWork(engine)
            with other:
                changed = other.requests.get(request_id)
                changed.claimed_by = "someone"
                other.requests.save(changed)
                other.commit()
            with statements(engine) as seen:
                after = uow.requests.get(request_id)  # read afresh, in a new transaction
            assert len(seen) == 1
    finally:
        event.remove(engine, "checkout", checked_out)
    assert before.claimed_by == ""
    assert after.claimed_by == "someone"
    assert len(checkouts) == 2  # this block's one connection, and the other's


@pytest.fixture
def killable(postgres_admin: Engine) -> Iterator[Engine]:
    for url in fresh_schema(postgres_admin):
        engine = engine_from_url(url, connect_args={"application_name": KILLABLE})
        upgrade(engine)
        yield engine
        engine.dispose()


@pytest.mark.postgres
def test_a_connection_lost_under_a_read_ahead_is_a_503_not_a_500(
    killable: Engine, postgres_admin: Engine, policy: Policy
) -> None:
    """The read-ahead is the call's first statement and carries the deny-list check; when
    the connection under it is gone the call is the outage's 503, as any other statement's
    (the check is not asked again on the dead connection as the block unwinds)."""
    with api_on(killable, policy) as api:
        assert api.get("/Practitioner").status_code == 200  # a pooled connection now
        with postgres_admin.connect() as admin:
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": KILLABLE},
            )
        cancel = {"resourceType": "Parameters", "parameter": []}
        unavailable(api.post("/Appointment/12345/$cancel", json=cancel))
        assert api.post("/Appointment/12345/$cancel", json=cancel).status_code == 404
