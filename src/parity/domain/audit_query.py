"""Reading the audit trail as FHIR asks: by id, and a search paged to its end, finding the
events about any of several members (docs/adr/0015-fhir-conformance.md).

Which members an event concerns is read through `members_of` only, so the way events
record their members can change without touching the searches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parity.domain.audit import AuditEvent

# FHIR R4 audit-event-outcome codes as HTTP statuses: 0 success, 4 minor failure (a refusal
# or bad input), 8 serious failure (the server failed), 12 major failure (never recorded).
OUTCOME_STATUSES = {"0": (0, 400), "4": (400, 500), "8": (500, 1000), "12": (1000, 1000)}


def members_of(event: AuditEvent) -> frozenset[str]:
    """The members an event is about."""
    return frozenset(event.member_ids)


def outcome_code(status: int) -> str:
    return next(code for code, (low, high) in OUTCOME_STATUSES.items() if low <= status < high)


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Criteria of an audit search; an empty one does not filter. Members are ORed (an
    event about any of them), as are agents and outcome codes."""

    agents: frozenset[str] = frozenset()
    member_ids: frozenset[str] = frozenset()
    entity_types: frozenset[str] = frozenset()
    outcomes: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, event: AuditEvent) -> bool:
        return (
            (not self.agents or event.agent in self.agents)
            and (not self.member_ids or bool(self.member_ids & members_of(event)))
            and (not self.entity_types or event.entity_type in self.entity_types)
            and (not self.outcomes or outcome_code(event.outcome) in self.outcomes)
            and (self.since is None or event.recorded >= self.since)
            and (self.until is None or event.recorded < self.until)
        )


@dataclass(frozen=True, slots=True)
class AuditPage:
    """One page of events, newest first, and how many the search matches in all."""

    events: list[AuditEvent]
    total: int
