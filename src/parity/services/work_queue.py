"""The scheduler's work queue: one entry per request for care still waiting.

A member who asked again for the same care while the first request waited has made one
request (`compliance.repeats`; docs/adr/0013, 2026-12-07): the queue shows it once, as
the first ask, noting the repeats counted with it, as the report counts it. A repeat stays
its own entry only when the first ask is no longer open (booked, referred or withdrawn),
noting which request it repeats.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from parity.domain.care import CareRequest, RequestStatus
from parity.domain.ports import UnitOfWork
from parity.domain.scope import MemberScope
from parity.services import queries
from parity.services.repeated_asks import repeat_map

OPEN = frozenset({RequestStatus.OPEN})


@dataclass(frozen=True)
class QueueEntry:
    """One waiting request; `repeats`: the later asks counted with it; `repeat_of`: the
    request this one repeats, when that one is no longer open."""

    request: CareRequest
    repeats: list[CareRequest] = field(default_factory=list)
    repeat_of: CareRequest | None = None


def waiting_entries(uow: UnitOfWork, scope: MemberScope) -> list[QueueEntry]:
    """The open requests in the caller's scope, soonest effective deadline first, one entry
    per request for care."""
    waiting = queries.search_requests(uow, scope, None, OPEN)
    with uow:
        first_of, theirs = _repeated_asks(uow, {r.member_id for r in waiting})
    shown = {r.id for r in waiting}
    repeats_of: defaultdict[int, list[CareRequest]] = defaultdict(list)  # first ask -> repeats
    for repeat_id, first_id in first_of.items():
        repeats_of[first_id].append(theirs[repeat_id])
    entries: list[QueueEntry] = []
    for request in waiting:
        first = first_of.get(request.id)
        if first is not None and first in shown:
            continue  # listed under the first ask
        later = sorted(repeats_of.get(request.id, []), key=_asked)
        entries.append(QueueEntry(request, later, None if first is None else theirs[first]))
    return entries


def _asked(request: CareRequest) -> tuple[object, ...]:
    return request.requested_at, request.id


def _repeated_asks(
    uow: UnitOfWork, members: Iterable[str]
) -> tuple[dict[int, int], dict[int, CareRequest]]:
    """Every repeat of these members' requests -> the first ask, and the requests named
    (`repeated_asks.repeat_map`, the rule every list of waiting requests uses)."""
    first_of: dict[int, int] = {}
    named: dict[int, CareRequest] = {}
    for member_id in sorted(members):
        theirs = list(uow.requests.where(member_id=member_id))
        found = repeat_map(uow, theirs)
        first_of.update(found)
        named.update((r.id, r) for r in theirs if r.id in found or r.id in found.values())
    return first_of, named
