"""`AuditEvent`: read one event, and search the trail paged to its end (auditors and
admins; docs/adr/0008 for what is recorded, docs/adr/0015 for how it is read).

Search parameters: `_id`; `agent` (a reference; its id is the user name) and `agent-name`;
`patient` (events about any of the members listed, including events about several);
`entity-type`; `date` (prefixed, ANDed); `outcome` (R4 codes 0, 4, 8, 12, or `failure`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from parity.adapters.fhir.audit import audit_event
from parity.domain.audit_query import OUTCOME_STATUSES, AuditQuery
from parity.domain.errors import InvalidInput
from parity.domain.ids import text_reference
from parity.entrypoints.api import versions
from parity.entrypoints.api.context import Base, Context, Page, Uow
from parity.entrypoints.api.responses import FhirResponse, entry, searchset
from parity.entrypoints.api.search import token_group, tokens, window
from parity.services import audit_events

router = APIRouter(tags=["Security"])

OUTCOME_SYSTEM = "http://hl7.org/fhir/audit-event-outcome"
FAILURES = frozenset({"4", "8", "12"})
Values = Annotated[list[str] | None, Query(max_length=400)]


def _ids(values: list[str] | None) -> frozenset[str]:
    """Agents: user names, bare or as the last part of a reference, comma-separated or
    repeated."""
    return frozenset(t.rsplit("/", 1)[-1] for t in tokens(values or []))


def _patients(values: list[str] | None) -> frozenset[str]:
    """Members of relative references (`Patient/ada` or `ada`), each parsed once in its one
    spelling (ADR 0012)."""
    return frozenset(text_reference(t, "Patient") for t in tokens(values or []))


def _outcomes(values: list[str] | None) -> frozenset[str]:
    asked = set().union(*(token_group(v, OUTCOME_SYSTEM) for v in values or []))
    codes = {c for c in asked if c not in ("failure", "any")}
    unknown = sorted(codes - set(OUTCOME_STATUSES))
    if unknown:
        raise InvalidInput(f"outcome {', '.join(unknown)} unknown; use 0, 4, 8, 12 or failure")
    return frozenset(codes | (FAILURES if "failure" in asked else set()))


@router.get("/AuditEvent/{event_id}", summary="Read one audit event")
def read_audit_event(event_id: str, uow: Uow) -> FhirResponse:
    with versions.reading(uow) as uow:
        return versions.versioned(uow, audit_event(audit_events.event(uow, event_id)))


@router.get("/AuditEvent", summary="The audit trail (auditors and admins), newest first")
def search_audit(
    request: Request,
    context: Context,
    uow: Uow,
    base: Base,
    page: Page,
    ids: Annotated[str | None, Query(alias="_id", max_length=400)] = None,
    agent: Values = None,
    agent_name: Annotated[list[str] | None, Query(alias="agent-name", max_length=100)] = None,
    patient: Values = None,
    entity_type: Annotated[list[str] | None, Query(alias="entity-type", max_length=100)] = None,
    date: Annotated[list[str] | None, Query(max_length=40, description="e.g. ge2026-06-01")] = None,
    outcome: Values = None,
) -> FhirResponse:
    with versions.reading(uow) as uow:
        recorded = window(date or [], context.tz)
        query = AuditQuery(
            agents=_ids(agent) | frozenset(tokens(agent_name or [])),
            member_ids=_patients(patient),
            entity_types=frozenset(tokens(entity_type or [])),
            outcomes=_outcomes(outcome),
            since=recorded.start,
            until=recorded.end,
        )
        if ids is not None:
            found = audit_events.by_ids(uow, tokens([ids]), query)
            shown = versions.stamp_each(uow, [audit_event(e) for e in found])
            return searchset(request, [entry(base, r, "match") for r in shown], len(found), page)
        result = audit_events.page(uow, query, page.offset, page.count)
        shown = versions.stamp_each(uow, [audit_event(e) for e in result.events])
        entries = [entry(base, r, "match") for r in shown]
        return searchset(request, entries, result.total, page)
