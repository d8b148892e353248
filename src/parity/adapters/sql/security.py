"""Users and the append-only audit trail in SQL (ADR 0008, ADR 0012; tables in tables/access.py,
schema in migrations/versions/r0007 and r0009)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, bindparam, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from parity.adapters.sql import tables
from parity.adapters.sql.mapping import plain
from parity.adapters.sql.repositories import SqlRepository
from parity.adapters.sql.store import Store
from parity.domain.audit import AuditEvent, AuditSearch
from parity.domain.errors import InvalidInput
from parity.domain.users import User

USERS = plain("User", User, tables.users)
PRUNE_AFTER = timedelta(days=2)  # longer than any token lives


class SqlUsers(SqlRepository[User]):
    def add(self, user: User) -> User:
        if self.by_username(user.username) is not None:
            raise InvalidInput(f"user {user.username!r} already exists")
        return super().add(user)

    def by_username(self, username: str) -> User | None:
        found = self.where(username=username)
        return found[0] if found else None

    def list(self) -> Sequence[User]:
        return sorted(super().list(), key=lambda u: u.username)


class SqlAuditTrail(Store):
    """Inserts and reads only; the database's triggers refuse anything else."""

    def append(self, event: AuditEvent) -> AuditEvent:
        """The event and one `audit_event_members` row per member it is about: on
        PostgreSQL one statement (the members' INSERT reads the event's id from a
        data-modifying WITH), on SQLite, which runs in-process, two
        (docs/adr/0017-booking-api-speed.md)."""
        row: dict[str, Any] = {name: getattr(event, name) for name in EVENT_COLUMNS}
        members = sorted(set(event.member_ids))
        if self._link().dialect.name == "postgresql":
            ((key,),) = self._rows(APPEND_WITH_MEMBERS, {**row, "members": members})
            return replace(event, id=key)
        key = self._execute(_APPEND, row).scalar_one()
        if members:
            rows = [{"event_id": key, "member_id": m} for m in members]
            self._execute(insert(tables.audit_event_members), rows)
        return replace(event, id=key)

    def search(self, search: AuditSearch, limit: int) -> list[AuditEvent]:
        events, about = tables.audit_events, tables.audit_event_members
        query = select(events).order_by(events.c.id.desc()).limit(limit)
        if search.member_id is not None:
            named = select(about.c.event_id).where(about.c.member_id == search.member_id)
            query = query.where(events.c.id.in_(named))
        criteria = {"agent": search.agent, "entity_type": search.entity_type}
        for name, value in criteria.items():
            if value is not None:
                query = query.where(events.c[name] == value)
        if search.since is not None:
            query = query.where(events.c.recorded >= search.since)
        if search.until is not None:
            query = query.where(events.c.recorded < search.until)
        if search.failures_only:
            query = query.where(events.c.outcome >= 400)
        return [audit_event_to_domain(row) for row in self._execute(query).mappings()]


EVENT_COLUMNS = tuple(c.name for c in tables.audit_events.c if c.name != "id")
_APPEND = (
    insert(tables.audit_events)
    .values({name: bindparam(name) for name in EVENT_COLUMNS})
    .returning(tables.audit_events.c.id)
)


def _append_with_members() -> Select[Any]:
    """`WITH event AS (INSERT ... RETURNING id), about AS (INSERT INTO audit_event_members
    SELECT event.id, unnest(:members) FROM event) SELECT id FROM event`."""
    event = _APPEND.cte("event")
    named = func.unnest(bindparam("members", type_=postgresql.ARRAY(String)))
    about = (
        insert(tables.audit_event_members)
        .from_select(["event_id", "member_id"], select(event.c.id, named))
        .cte("about")
    )
    return select(event.c.id).add_cte(about)


APPEND_WITH_MEMBERS = _append_with_members()


def audit_event_to_domain(row: Any) -> AuditEvent:
    """An event row; its members come from the display list (the rows of
    `audit_event_members` hold the same names, for searching)."""
    named = tuple(m for m in (row["member_id"] or "").split(",") if m)
    return AuditEvent(**{c.name: row[c.name] for c in tables.audit_events.c}, member_ids=named)


IS_REVOKED = select(tables.revoked_tokens.c.jti).where(
    tables.revoked_tokens.c.jti == bindparam("jti")
)


class SqlRevokedTokens(Store):
    """Signed-out tokens until their expiry (ADR 0012); rows past it are pruned on write."""

    def revoke(self, jti: str, expires_at: datetime) -> None:
        revoked = tables.revoked_tokens
        self._execute(delete(revoked).where(revoked.c.expires_at < expires_at - PRUNE_AFTER))
        if not self.is_revoked(jti):
            self._execute(insert(revoked).values(jti=jti, expires_at=expires_at))

    def is_revoked(self, jti: str) -> bool:
        """Asked on every signed-in request: one prebuilt statement (docs/adr/0017)."""
        return self._execute(IS_REVOKED, {"jti": jti}).first() is not None


class SqlLoginAttempts(Store):
    """One counter per key and window, incremented by a single upsert: the database
    serialises concurrent attempts on the row, so every process sees one count."""

    def reserve(self, key: str, window_start: datetime) -> int:
        attempts = tables.login_attempts
        row = {"key": key, "window_start": window_start, "attempts": 1}
        dialect = self._link().dialect.name
        statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(attempts)
        upserted = statement.values(row).on_conflict_do_update(
            index_elements=["key", "window_start"],
            set_={"attempts": attempts.c.attempts + 1},
        )
        count: int = self._execute(upserted.returning(attempts.c.attempts)).scalar_one()
        return count

    def clear(self, key: str, window_start: datetime) -> None:
        attempts = tables.login_attempts
        self._execute(
            delete(attempts).where(attempts.c.key == key, attempts.c.window_start <= window_start)
        )
