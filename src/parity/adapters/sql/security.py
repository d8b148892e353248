"""Users and the append-only audit trail in SQL (ADR 0008, ADR 0012; tables in tables.py,
schema in migrations/versions/r0007 and r0009)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import insert, select

from parity.adapters.sql import tables
from parity.adapters.sql.mapping import plain
from parity.adapters.sql.repositories import SqlRepository, Store
from parity.domain.audit import AuditEvent, AuditSearch
from parity.domain.errors import InvalidInput
from parity.domain.users import User

USERS = plain("User", User, tables.users)


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
        """The event and one `audit_event_members` row per member it is about."""
        names = [column.name for column in tables.audit_events.c if column.name != "id"]
        row: dict[str, Any] = {name: getattr(event, name) for name in names}
        statement = insert(tables.audit_events).values(row).returning(tables.audit_events.c.id)
        key = self._execute(statement).scalar_one()
        members = sorted(set(event.member_ids))
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
        return [_event(row) for row in self._execute(query).mappings()]


def _event(row: Any) -> AuditEvent:
    named = tuple(m for m in (row["member_id"] or "").split(",") if m)
    return AuditEvent(**{c.name: row[c.name] for c in tables.audit_events.c}, member_ids=named)
