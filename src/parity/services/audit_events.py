"""Reading the audit trail as FHIR resources do: by id, and page by page to its end
(docs/adr/0015-fhir-conformance.md). Writing it is services/audit.py."""

from __future__ import annotations

from collections.abc import Iterable

from parity.domain.audit import AuditEvent
from parity.domain.audit_query import AuditPage, AuditQuery
from parity.domain.errors import NotFound
from parity.domain.ports import UnitOfWork

MAX_ID_DIGITS = 18


def event(uow: UnitOfWork, key: str) -> AuditEvent:
    if not key.isdigit() or len(key) > MAX_ID_DIGITS:
        raise NotFound(f"AuditEvent {key} not found", resource="AuditEvent", id=key)
    with uow:
        return uow.audit_reader.get(int(key))


def by_ids(uow: UnitOfWork, keys: Iterable[str], query: AuditQuery) -> list[AuditEvent]:
    """The events of `keys` that exist and match `query` (a search by `_id`)."""
    found = []
    for key in keys:
        try:
            found.append(event(uow, key))
        except NotFound:
            continue
    return [e for e in found if query.matches(e)]


def page(uow: UnitOfWork, query: AuditQuery, offset: int, count: int) -> AuditPage:
    with uow:
        return uow.audit_reader.page(query, offset, count)
