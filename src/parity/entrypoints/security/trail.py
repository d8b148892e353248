"""The audit trail's writer: an ASGI middleware that, once a response is complete, appends
one AuditEvent for every request that read or changed a member's data (the matrix marks
those routes) and for every refusal (401, 403), in its own transaction. The event names
every member the request's queries admitted (`services.scoping` notes them as they are
read), search results included.

The event of a change is written by the unit of work in the change's own transaction, as
it commits (`domain.audit.PENDING`), so a crash loses both or neither; reads and refusals
are written after the response, in their own transaction (docs/adr/0008, docs/adr/0012).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parity.domain.audit import PENDING, AuditEvent, PendingEvent, action_for
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.revocation import TOKEN_CHECK, TokenCheck
from parity.entrypoints.security.passage import PASSAGE_KEY, Passage
from parity.services import audit, scoping

log = logging.getLogger(__name__)
REFUSALS = (401, 403)
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def event_of(passage: Passage, status: int, source: str, clock: Clock) -> AuditEvent | None:
    """The event a request leaves, or None when it touched no member data and was not refused."""
    access = passage.access
    if access.record is None and status not in REFUSALS:
        return None
    who = passage.principal
    members = sorted(m for m in passage.member_ids if m)
    return AuditEvent(
        id=0,
        recorded=clock.now(),
        agent=who.subject if who else "anonymous",
        role=who.role.value if who else "none",
        action=action_for(passage.method, "$" in passage.template or "/app/" in passage.template),
        entity_type=access.record or "route",
        entity_id=passage.entity_id or ("search" if access.record else passage.template),
        member_id=",".join(members) or None,
        source=source,
        route=f"{passage.method} {passage.template}",
        outcome=status,
        member_ids=tuple(members),
    )


class AuditTrail:
    def __init__(self, app: ASGIApp, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> None:
        self.app = app
        self.uow_factory = uow_factory
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status: dict[str, int] = {}

        async def remember(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        passages: list[Passage] = []
        scope[PASSAGE_KEY] = passages
        source = _client(scope)
        check = TokenCheck()  # the guard may leave the deny-list check to the first uow
        with scoping.disclosure() as disclosed:  # the members the queries let out
            pending = PendingEvent(lambda: self._committed(passages, disclosed, source))
            token, checking = PENDING.set(pending), TOKEN_CHECK.set(check)
            try:
                await self.app(scope, receive, remember)
            finally:
                PENDING.reset(token)
                TOKEN_CHECK.reset(checking)
                check.done = True  # the trail's own write below records a refusal too
        written, pending.written = pending.written, True  # our own write adds no second one
        if passages and "code" in status and not written:
            passages[-1].member_ids |= disclosed
            await self._write(passages[-1], status["code"], source)

    def _committed(
        self, passages: list[Passage], disclosed: set[str], source: str
    ) -> AuditEvent | None:
        """The event of a change, as its transaction commits (outcome 200: it committed)."""
        if not passages or passages[-1].method not in UNSAFE:
            return None
        passages[-1].member_ids |= disclosed
        return event_of(passages[-1], 200, source, self.clock)

    async def _write(self, passage: Passage, status: int, source: str) -> None:
        event = event_of(passage, status, source, self.clock)
        if event is None:
            return
        try:
            await run_in_threadpool(audit.record, event, self.uow_factory())
        except Exception:  # the response is sent; say loudly that its event is missing
            log.exception("could not write the audit event of %s", event.route)


def _client(scope: Scope) -> str:
    client: Any = scope.get("client")
    return str(client[0]) if client else "unknown"
