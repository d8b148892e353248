"""The audit trail: one `AuditEvent` per read or change of a member's data, and per refusal.

Who (user and role), what (action and entity, every member concerned), when, from where (the
client address) and the outcome (the HTTP status). Events are only ever appended: nothing
updates or deletes one (HIPAA Security Rule, 45 CFR §164.312(b), audit controls).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class AuditAction(StrEnum):
    """The FHIR AuditEvent action codes (http://hl7.org/fhir/audit-event-action)."""

    CREATE = "C"
    READ = "R"
    UPDATE = "U"
    DELETE = "D"
    EXECUTE = "E"


ACTION_OF_METHOD = {
    "GET": AuditAction.READ,
    "HEAD": AuditAction.READ,
    "PUT": AuditAction.UPDATE,
    "PATCH": AuditAction.UPDATE,
    "DELETE": AuditAction.DELETE,
}


def action_for(method: str, operation: bool) -> AuditAction:
    """GET reads; a `$operation` or a form post executes; a plain POST creates."""
    if method == "POST":
        return AuditAction.EXECUTE if operation else AuditAction.CREATE
    return ACTION_OF_METHOD.get(method, AuditAction.EXECUTE)


@dataclass(frozen=True)
class AuditEvent:
    id: int
    recorded: datetime
    agent: str
    role: str
    action: AuditAction
    entity_type: str
    entity_id: str
    member_id: str | None
    source: str
    route: str
    outcome: int
    # Every member whose data the response carried, however many (ADR 0012); `member_id`
    # keeps them comma-joined for display, `member_ids` is what searches read.
    member_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Either names the members: `member_ids` is filled from `member_id` when not given."""
        if not self.member_ids and self.member_id:
            named = tuple(m for m in self.member_id.split(",") if m)
            object.__setattr__(self, "member_ids", named)

    @property
    def succeeded(self) -> bool:
        return self.outcome < 400


@dataclass(frozen=True)
class AuditSearch:
    """Criteria of an auditor's query; None matches anything."""

    agent: str | None = None
    member_id: str | None = None
    entity_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    failures_only: bool = False

    def matches(self, event: AuditEvent) -> bool:
        return (
            (self.agent is None or event.agent == self.agent)
            and (self.member_id is None or self.member_id in event.member_ids)
            and (self.entity_type is None or event.entity_type == self.entity_type)
            and (self.since is None or event.recorded >= self.since)
            and (self.until is None or event.recorded < self.until)
            and (not self.failures_only or not event.succeeded)
        )


@dataclass
class PendingEvent:
    """The audit event of a request that changes member data, written by the unit of work
    in the same transaction as the change (ADR 0012): a crash can lose neither alone.
    `build` makes the event as the request stands when the change commits (None: the
    request records nothing)."""

    build: Callable[[], AuditEvent | None]
    written: bool = False


PENDING: ContextVar[PendingEvent | None] = ContextVar("parity_pending_audit", default=None)


def write_pending(trail: AuditTrailWriter) -> None:
    """Called by a unit of work as it commits: append the current request's event once."""
    pending = PENDING.get()
    if pending is None or pending.written:
        return
    event = pending.build()
    if event is not None:
        trail.append(event)
        pending.written = True


class AuditTrailWriter(Protocol):
    def append(self, event: AuditEvent) -> AuditEvent: ...
