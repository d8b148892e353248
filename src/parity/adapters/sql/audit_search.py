"""The audit trail read by id and by page in SQL (docs/adr/0015-fhir-conformance.md).

`about_members` is the one place that knows how an event records its members (a row per
member in `audit_event_members`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, func, or_, select, true

from parity.adapters.sql import tables
from parity.adapters.sql.security import audit_event_to_domain
from parity.adapters.sql.store import Store
from parity.domain.audit import AuditEvent
from parity.domain.audit_query import OUTCOME_STATUSES, AuditPage, AuditQuery
from parity.domain.errors import NotFound

events = tables.audit_events


def about_members(member_ids: Iterable[str]) -> ColumnElement[bool]:
    """Events about any of `member_ids`, through the one row per member and event that
    `audit_event_members` keeps (ADR 0012)."""
    about = tables.audit_event_members
    named = select(about.c.event_id).where(about.c.member_id.in_(sorted(member_ids)))
    return events.c.id.in_(named)


def _outcomes(codes: frozenset[str]) -> ColumnElement[bool]:
    ranges = [OUTCOME_STATUSES[code] for code in sorted(codes)]
    return or_(*(and_(events.c.outcome >= low, events.c.outcome < high) for low, high in ranges))


def criteria(query: AuditQuery) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if query.agents:
        found.append(events.c.agent.in_(sorted(query.agents)))
    if query.member_ids:
        found.append(about_members(query.member_ids))
    if query.entity_types:
        found.append(events.c.entity_type.in_(sorted(query.entity_types)))
    if query.outcomes:
        found.append(_outcomes(query.outcomes))
    if query.since is not None:
        found.append(events.c.recorded >= query.since)
    if query.until is not None:
        found.append(events.c.recorded < query.until)
    return found


class SqlAuditReader(Store):
    def get(self, event_id: int) -> AuditEvent:
        row = self._execute(select(events).where(events.c.id == event_id)).mappings().first()
        if row is None:
            raise NotFound(f"AuditEvent {event_id} not found", resource="AuditEvent", id=event_id)
        return audit_event_to_domain(row)

    def page(self, query: AuditQuery, offset: int, count: int) -> AuditPage:
        where = and_(true(), *criteria(query))
        total = self._execute(select(func.count()).select_from(events).where(where)).scalar_one()
        page = select(events).where(where).order_by(events.c.id.desc()).offset(offset).limit(count)
        found = (
            [audit_event_to_domain(row) for row in self._execute(page).mappings()] if count else []
        )
        return AuditPage(found, int(total))
