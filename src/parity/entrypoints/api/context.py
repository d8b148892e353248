"""What every route needs, as `Annotated` dependencies: the unit of work, the rules, the
clock, the server's base URL and the paging of a search. They never block, so they are
`async`: FastAPI runs a plain `def` dependency in a worker thread, a hop per dependency
per request (docs/adr/0017-booking-api-speed.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request

from parity.domain.ids import MAX_ID
from parity.domain.ports import Clock, UnitOfWork
from parity.entrypoints.api import addresses, search
from parity.services.policy import Policy

DEFAULT_COUNT = 50
MAX_COUNT = 1000


@dataclass(frozen=True)
class ApiContext:
    """Built once by `create_app`; a fresh unit of work is made for each request."""

    uow_factory: Callable[[], UnitOfWork]
    policy: Policy
    clock: Clock

    @property
    def tz(self) -> ZoneInfo:
        """The jurisdiction's zone: dates without an offset are read as local dates."""
        return self.policy.rules.timezone


def context_of(request: Request) -> ApiContext:
    """The context `create_app` put on the app."""
    context = request.app.state.parity
    if not isinstance(context, ApiContext):
        raise TypeError("the app was not built by create_app")
    return context


async def _context(request: Request) -> ApiContext:
    return context_of(request)


Context = Annotated[ApiContext, Depends(_context)]


async def _unit_of_work(context: Context) -> UnitOfWork:
    return context.uow_factory()


Uow = Annotated[UnitOfWork, Depends(_unit_of_work)]


async def _base(request: Request) -> str:
    return addresses.base(request)


Base = Annotated[str, Depends(_base)]


@dataclass(frozen=True)
class Paging:
    """`_count` (page size, 0 for the total only) and `_offset` (where the page starts)."""

    count: int
    offset: int


async def _paging(
    request: Request,
    count: Annotated[
        int, Query(alias="_count", ge=0, description="Page size (0: total only; at most 1000)")
    ] = DEFAULT_COUNT,
    offset: Annotated[
        int,
        Query(
            alias="_offset",
            ge=0,
            le=MAX_ID,  # what an SQL OFFSET can hold; a larger one is a 400, not an overflow
            description="First entry of the page (next links)",
        ),
    ] = 0,
    summary: Annotated[
        str | None, Query(alias="_summary", description="count: the total only")
    ] = None,
) -> Paging:
    """The page a search answers. A `_count` over the most a page holds gets the largest
    page (R4 search.html#count: a server may return fewer, never more), and
    `_summary=count` the total alone (R4 search.html#summary). Every search takes its page
    here, so a modifier the route does not support is refused here, before the search runs
    (docs/adr/0015-fhir-conformance.md, 2026-12-08)."""
    search.refuse_modifiers(request)
    return Paging(0 if summary == "count" else min(count, MAX_COUNT), offset)


Page = Annotated[Paging, Depends(_paging)]
