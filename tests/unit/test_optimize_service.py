"""`parity optimize` as a use case: preview changes nothing, apply is all or nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from unit_support import Region

import parity.services.optimize as optimize_module
from parity.domain.care import RequestStatus
from parity.domain.errors import SlotUnavailable
from parity.domain.schedule import SlotStatus
from parity.domain.standards import VisitType
from parity.domain.workforce import Modality, ProviderClass
from parity.services.optimize import Horizon, optimize_queue
from parity.services.requests import RequestCare, open_request

HORIZON = Horizon(date(2026, 6, 1), 10)


def _backlog(region: Region) -> list[int]:
    """Four therapy intakes and one Vietnamese-language request nobody can serve."""
    ids = []
    for member, language in (
        ("m1", "english"),
        ("m2", "english"),
        ("m3", "spanish"),
        ("m4", "english"),
        ("m5", "vietnamese"),
    ):
        cmd = RequestCare(
            member, VisitType.INITIAL, ProviderClass.THERAPIST, language, (Modality.VIDEO,), "north"
        )
        ids.append(open_request(cmd, region.uow, region.clock, region.policy).id)
    return ids


def _state(region: Region) -> tuple[int, int, int, list[RequestStatus]]:
    uow = region.uow
    with uow:
        busy = sum(1 for s in uow.slots.free_between(*_all()) if s.status is not SlotStatus.FREE)
        return (
            len(uow.appointments.list()),
            len(uow.referrals.list()),
            len(uow.slots.free_between(*_all())) + busy,
            [r.status for r in uow.requests.list()],
        )


def _all() -> tuple[Any, Any]:
    from datetime import UTC, datetime

    return datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)


def test_a_preview_places_what_it_can_against_the_bound_and_changes_nothing(region: Region) -> None:
    _backlog(region)
    before = _state(region)
    plan = optimize_queue(HORIZON, region.uow, region.clock, region.policy, time_limit=5)
    assert plan.open_requests == 5
    assert plan.solution.placed == plan.solution.bound == 4
    assert [u["member"] for u in plan.unplaced] == ["m5"]
    assert plan.unplaced[0]["reason"] == "no-matching-clinician"
    assert _state(region) == before


def test_apply_books_every_placement_and_refers_the_rest_in_one_step(region: Region) -> None:
    ids = _backlog(region)
    plan = optimize_queue(
        HORIZON, region.uow, region.clock, region.policy, apply=True, time_limit=5
    )
    assert plan.applied
    with region.uow:
        statuses = {r.id: r.status for r in region.uow.requests.list()}
        appointments = region.uow.appointments.list()
        referrals = region.uow.referrals.list()
    assert [statuses[i] for i in ids] == [RequestStatus.BOOKED] * 4 + [RequestStatus.REFERRED]
    assert {a.slot_id for a in appointments} == {m["slot"] for m in plan.moves}
    assert [r.request_id for r in referrals] == [ids[-1]]
    with region.uow:
        deadlines = {r.id: r.effective_deadline for r in region.uow.requests.list()}
    assert all(a.start <= deadlines[a.request_id] for a in appointments)


def test_an_apply_interrupted_midway_leaves_the_schedule_exactly_as_before(
    region: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    _backlog(region)
    before = _state(region)
    real = optimize_module.book_slot
    calls = {"n": 0}

    def failing_on_the_third(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise SlotUnavailable("slot taken since the snapshot")
        return real(*args, **kwargs)

    monkeypatch.setattr(optimize_module, "book_slot", failing_on_the_third)
    with pytest.raises(SlotUnavailable):
        optimize_queue(HORIZON, region.uow, region.clock, region.policy, apply=True, time_limit=5)
    assert calls["n"] == 3
    assert _state(region) == before
