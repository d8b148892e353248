"""The access side of the SQL store, on SQLite and PostgreSQL (docs/adr/0012): login
attempts counted atomically under concurrency, the token deny list, every member of an
audit event searchable (no cut), its rows append-only, and member scopes decided in SQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sql_support import Region
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from parity.adapters.sql import SqlUnitOfWork
from parity.domain.audit import AuditAction, AuditEvent, AuditSearch
from parity.domain.care import Course
from parity.domain.members import Member
from parity.domain.scope import EVERYONE, MemberScope, Reach

# Tests that hold many PostgreSQL connections at once run in one test process, one after
# another, so two processes never add up past the server's 100 (docs/adr/0019-two-test-processes.md).
pytestmark = pytest.mark.xdist_group("many-connections")

T0 = datetime(2026, 6, 1, 17, tzinfo=UTC)


def test_twenty_concurrent_attempts_get_twenty_distinct_counts(engine: Engine) -> None:
    counts: list[int] = []
    lock = threading.Lock()

    def attempt() -> None:
        uow = SqlUnitOfWork(engine)
        with uow:
            count = uow.login_attempts.reserve("pair:sam|203.0.113.9", T0)
            uow.commit()
        with lock:
            counts.append(count)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == list(range(1, 21))


def test_clearing_a_key_starts_its_count_again(uow: SqlUnitOfWork) -> None:
    with uow:
        for _ in range(3):
            uow.login_attempts.reserve("address:10.0.0.7", T0)
        uow.login_attempts.clear("address:10.0.0.7", T0)
        assert uow.login_attempts.reserve("address:10.0.0.7", T0) == 1
        assert uow.login_attempts.reserve("address:10.0.0.7", T0 + timedelta(minutes=15)) == 1


def test_a_revoked_token_stays_revoked(uow: SqlUnitOfWork) -> None:
    with uow:
        uow.revoked_tokens.revoke("jti-1", T0 + timedelta(minutes=30))
        uow.revoked_tokens.revoke("jti-1", T0 + timedelta(minutes=30))  # twice is fine
        uow.commit()
    with uow:
        assert uow.revoked_tokens.is_revoked("jti-1")
        assert not uow.revoked_tokens.is_revoked("jti-2")


def _event(members: tuple[str, ...]) -> AuditEvent:
    return AuditEvent(
        0, T0, "sam", "scheduler", AuditAction.READ, "Patient", "search", ",".join(members),
        "10.0.0.7", "GET /Patient", 200, members,
    )  # fmt: skip


def test_an_event_about_sixty_members_is_found_by_each(uow: SqlUnitOfWork, engine: Engine) -> None:
    many = tuple(f"member-{n:03d}" for n in range(60))
    with uow:
        uow.audit_events.append(_event(many))
        uow.audit_events.append(_event(("ada",)))
        uow.commit()
    with uow:
        for key in (many[0], many[-1]):
            [found] = uow.audit_events.search(AuditSearch(member_id=key), 10)
            assert found.member_ids == many
        assert len(uow.audit_events.search(AuditSearch(member_id="ada"), 10)) == 1
    with pytest.raises(DBAPIError), engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event_members"))


def test_member_scopes_are_decided_in_sql(region: Region) -> None:
    uow = region.uow
    with uow:
        clinics = sorted(c.id for c in uow.clinics.list())
        therapist = uow.clinicians.list()[0]
        uow.members.add(Member("ada", "Ada", clinics[0], "english", ()))
        uow.members.add(Member("bo", "Bo", clinics[-1], "english", ()))
        course = Course(
            "ada", therapist.id, therapist.provider_class, "english", (), clinics[0], 7, 6
        )
        uow.courses.add(course)
        uow.commit()
    asked = {"ada", "bo", "nobody"}
    with uow:
        scopes = uow.member_scopes
        assert scopes.admitted(EVERYONE, asked) == asked
        assert scopes.admitted(MemberScope(Reach.SELF, member_id="ada"), asked) == {"ada"}
        clinic = MemberScope(Reach.CLINICS, clinic_ids=frozenset({clinics[-1]}))
        assert scopes.admitted(clinic, asked) == {"bo"}
        patients = MemberScope(Reach.PATIENTS, clinician_id=therapist.id)
        assert scopes.admitted(patients, asked) == {"ada"}
        assert scopes.admitted(MemberScope(Reach.NOBODY), asked) == frozenset()
