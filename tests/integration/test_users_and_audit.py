"""Users and the audit trail on SQLite and PostgreSQL: round trips, unique user names, the
auditors' searches, and a database that refuses to change or delete an audit event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError

from parity.adapters.sql import SqlUnitOfWork
from parity.domain.audit import AuditAction, AuditEvent, AuditSearch
from parity.domain.errors import InvalidInput
from parity.domain.users import Role, User

T0 = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)


def _user(name: str, role: Role = Role.SCHEDULER) -> User:
    return User(
        0,
        name,
        role,
        "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
        T0,
        None,
        None,
        ("san-diego",),
    )


def _event(agent: str, minutes: int, outcome: int = 200, member: str | None = "ada") -> AuditEvent:
    return AuditEvent(
        0,
        T0 + timedelta(minutes=minutes),
        agent,
        "scheduler",
        AuditAction.READ,
        "Patient",
        "ada",
        member,
        "10.0.0.7",
        "GET /Patient/{patient_id}",
        outcome,
    )


def test_a_user_round_trips_and_a_taken_name_is_refused(uow: SqlUnitOfWork) -> None:
    with uow:
        added = uow.users.add(_user("sam"))
        uow.commit()
    assert added.id > 0
    with uow:
        found = uow.users.by_username("sam")
        assert uow.users.by_username("nobody") is None
        with pytest.raises(InvalidInput):
            uow.users.add(_user("sam", Role.ADMIN))
    assert found is not None
    assert (found.role, found.clinic_ids, found.created_at) == (Role.SCHEDULER, ("san-diego",), T0)


def test_audit_events_are_searched_newest_first_by_agent_member_time_and_outcome(
    uow: SqlUnitOfWork,
) -> None:
    with uow:
        for event in (_event("sam", 1), _event("kim", 2, 403), _event("sam", 3, member="bo")):
            uow.audit_events.append(event)
        uow.commit()
    with uow:
        everything = uow.audit_events.search(AuditSearch(), 10)
        sams = uow.audit_events.search(AuditSearch(agent="sam"), 10)
        adas = uow.audit_events.search(AuditSearch(member_id="ada"), 10)
        refused = uow.audit_events.search(AuditSearch(failures_only=True), 10)
        late = uow.audit_events.search(AuditSearch(since=T0 + timedelta(minutes=2)), 10)
    assert [e.recorded.minute for e in everything] == [3, 2, 1]
    assert [e.member_id for e in sams] == ["bo", "ada"]
    assert [e.agent for e in adas] == ["kim", "sam"]
    assert [e.outcome for e in refused] == [403]
    assert len(late) == 2
    assert everything[0].action is AuditAction.READ


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET outcome = 200", "DELETE FROM audit_events"]
)
def test_the_database_refuses_to_change_or_delete_an_audit_event(
    uow: SqlUnitOfWork, engine: Engine, statement: str
) -> None:
    with uow:
        uow.audit_events.append(_event("kim", 1, 403))
        uow.commit()
    with engine.connect() as connection, pytest.raises(DatabaseError, match="audit-append-only"):
        connection.execute(text(statement))
    with uow:
        [kept] = uow.audit_events.search(AuditSearch(), 10)
    assert kept.outcome == 403
