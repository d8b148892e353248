"""`AuditEvent`: read one event, and search the trail paged to its end (auditors and
admins; docs/adr/0008 for what is recorded, docs/adr/0015 for how it is read).

Search parameters: `_id`; `agent` (a reference; its id is the user name) and `agent-name`;
`patient` (events about any of the members listed, including events about several);
`entity-type`; `date` (prefixed, ANDed); `outcome` (R4 codes 0, 4, 8, 12, or `failure`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query, Request

from parity.adapters import fhir
from parity.adapters.fhir.audit import audit_event
from parity.domain.audit import AuditEvent
from parity.domain.audit_query import OUTCOME_STATUSES, AuditQuery
from parity.domain.errors import InvalidInput
from parity.domain.ids import text_reference
from parity.domain.ports import UnitOfWork
from parity.domain.scope import MemberScope
from parity.domain.users import Role
from parity.entrypoints.api import versions
from parity.entrypoints.api.context import Base, Context, Page, Uow
from parity.entrypoints.api.responses import FhirResponse, entry, searchset
from parity.entrypoints.api.search import token_group, tokens, window
from parity.entrypoints.security.context import from_request
from parity.entrypoints.security.pseudonyms import user_pseudonym
from parity.entrypoints.security.scope import Scope
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


MEMBER = Role.MEMBER.value
NO_AGENT = frozenset({""})  # an agent no event has: an agent search that finds nothing


def _shown(request: Request, scope: MemberScope) -> Callable[[AuditEvent], fhir.Json]:
    """An event as the caller may see it: to a de-identified caller (an auditor), a member
    acting for themselves is shown by a pseudonym of their account, without the address
    they called from; a login may be their name or e-mail (docs/adr/0012, "2026-12-08
    (round nineteen probes)"). Staff are shown as recorded."""
    if not scope.deidentified:
        return audit_event
    secret = from_request(request).config.secret

    def shown(event: AuditEvent) -> fhir.Json:
        if event.role != MEMBER:
            return audit_event(event)
        hidden = replace(event, agent=user_pseudonym(secret, event.agent), source="withheld")
        return audit_event(hidden)

    return shown


def _agents_searched(uow: UnitOfWork, agents: frozenset[str], scope: MemberScope) -> frozenset[str]:
    """The agents a search may match: a de-identified caller finds staff by name, never a
    member's account (that would confirm who a login belongs to); a search naming only
    members' accounts finds nothing, as one naming nobody does."""
    if not scope.deidentified or not agents:
        return agents
    staff = frozenset(a for a in agents if not _acts_as_member(uow, a))
    return staff or NO_AGENT


def _acts_as_member(uow: UnitOfWork, agent: str) -> bool:
    newest = audit_events.page(uow, AuditQuery(agents=frozenset({agent})), 0, 1).events
    return any(e.role == MEMBER for e in newest)


@router.get("/AuditEvent/{event_id}", summary="Read one audit event")
def read_audit_event(event_id: str, request: Request, uow: Uow, scope: Scope) -> FhirResponse:
    with versions.reading(uow) as uow:
        found = audit_events.event(uow, event_id)
        return versions.versioned(uow, _shown(request, scope)(found))


@router.get("/AuditEvent", summary="The audit trail (auditors and admins), newest first")
def search_audit(
    request: Request,
    context: Context,
    uow: Uow,
    base: Base,
    page: Page,
    scope: Scope,
    ids: Annotated[str | None, Query(alias="_id", max_length=400)] = None,
    agent: Values = None,
    agent_name: Annotated[list[str] | None, Query(alias="agent-name", max_length=100)] = None,
    patient: Values = None,
    entity_type: Annotated[list[str] | None, Query(alias="entity-type", max_length=100)] = None,
    date: Annotated[list[str] | None, Query(max_length=40, description="e.g. ge2026-06-01")] = None,
    outcome: Values = None,
) -> FhirResponse:
    shown = _shown(request, scope)
    with versions.reading(uow) as uow:
        recorded = window(date or [], context.tz)
        agents = _ids(agent) | frozenset(tokens(agent_name or []))
        query = AuditQuery(
            agents=_agents_searched(uow, agents, scope),
            member_ids=_patients(patient),
            entity_types=frozenset(tokens(entity_type or [])),
            outcomes=_outcomes(outcome),
            since=recorded.start,
            until=recorded.end,
        )
        if ids is not None:
            found = audit_events.by_ids(uow, tokens([ids]), query)
            read = versions.stamp_each(uow, [shown(e) for e in found])
            return searchset(request, [entry(base, r, "match") for r in read], len(found), page)
        result = audit_events.page(uow, query, page.offset, page.count)
        stamped = versions.stamp_each(uow, [shown(e) for e in result.events])
        entries = [entry(base, r, "match") for r in stamped]
        return searchset(request, entries, result.total, page)
