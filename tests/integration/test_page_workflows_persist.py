"""What the pages record survives the database, on SQLite and PostgreSQL
(docs/adr/0016-pages-for-each-role.md): a withdrawn leave keeps its row with the moment it
was withdrawn and stops shaping the week; a queue claim is stored on the request, and of two
schedulers claiming the same request only the first holds it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sql_support import FIRST_WEEK, Region, at, initial_request

from parity.adapters.sql import SqlUnitOfWork
from parity.domain.schedule import AvailabilityException, ExceptionKind
from parity.domain.scope import EVERYONE
from parity.services.absences import record_absence, remove_absence
from parity.services.claims import ClaimedElsewhere, claim_request
from parity.services.requests import open_request


def test_a_removed_leave_keeps_its_row_and_stops_shaping_the_week(region: Region) -> None:
    start = at(FIRST_WEEK + timedelta(days=7), 9)
    leave = AvailabilityException("ana", ExceptionKind.PTO, start, start + timedelta(hours=3), "x")
    laid = record_absence(leave, region.uow, region.policy, region.clock, scope=EVERYONE).absence
    remove_absence(laid.id, "ana", region.uow, region.policy, region.clock)
    with region.uow:
        kept = region.uow.availability_exceptions.get(laid.id)
    assert kept.withdrawn_at == region.clock.now()
    assert not kept.stands


def test_a_claim_is_stored_and_refused_to_a_second_scheduler_in_another_unit_of_work(
    region: Region, uow: SqlUnitOfWork
) -> None:
    request = open_request(initial_request("m1"), region.uow, region.clock, region.policy)
    claim_request(request.id, "sam", region.uow, region.clock)
    with region.uow:
        stored = region.uow.requests.get(request.id)
    assert (stored.claimed_by, stored.claimed_at) == ("sam", region.clock.now())
    with pytest.raises(ClaimedElsewhere):
        claim_request(request.id, "kim", uow, region.clock)
