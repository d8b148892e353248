"""`parity optimize` as a use case: preview changes nothing, apply is all or nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from unit_support import Region

import parity.services.optimize as optimize_module
from parity.domain.care import OfferResponse, RequestStatus
from parity.domain.errors import InvalidInput, SlotUnavailable
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


def _state(region: Region) -> tuple[Any, ...]:
    """Everything a preview or a failed apply must leave as it was: each slot's status,
    the visits, offers, referrals and each request's status."""
    uow = region.uow
    with uow:
        slots = sorted(
            (slot.id, slot.status.value)
            for clinician in uow.clinicians.list()
            for slot in uow.slots.for_clinician(clinician.id, *_all())
        )
        return (
            slots,
            len(uow.appointments.list()),
            len(uow.offers.list()),
            len(uow.referrals.list()),
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


def test_apply_offers_every_placement_and_refers_the_rest_in_one_step(region: Region) -> None:
    ids = _backlog(region)
    before = _state(region)
    plan = optimize_queue(
        HORIZON,
        region.uow,
        region.clock,
        region.policy,
        apply=True,
        applied_by="sam.scheduler",
        time_limit=5,
    )
    assert plan.applied
    with region.uow:
        statuses = {r.id: r.status for r in region.uow.requests.list()}
        appointments = region.uow.appointments.list()
        offers = region.uow.offers.list()
        referrals = region.uow.referrals.list()
        planned = {region.uow.slots.get(m["slot"]).status for m in plan.moves}
        deadlines = {r.id: r.effective_deadline for r in region.uow.requests.list()}
    # Nobody answered for the members: four offers wait for their answers, nothing is booked.
    assert appointments == []
    assert [statuses[i] for i in ids] == [RequestStatus.OPEN] * 4 + [RequestStatus.REFERRED]
    assert {(o.request_id, o.slot_id) for o in offers} == {
        (m["request"], m["slot"]) for m in plan.moves
    }
    assert all(o.response is OfferResponse.PENDING and o.responded_by is None for o in offers)
    assert {o.offered_by for o in offers} == {"optimizer, applied by sam.scheduler"}
    assert planned == {SlotStatus.HELD}  # each held for its member's answer
    assert all(o.slot_start <= deadlines[o.request_id] and o.timely for o in offers)
    assert [r.request_id for r in referrals] == [ids[-1]]
    assert referrals[0].made_by == "optimizer, applied by sam.scheduler"
    # The state the other tests compare sees exactly the four slots now held.
    held = {m["slot"] for m in plan.moves}
    changed = set(_state(region)[0]) - set(before[0])
    assert changed == {(slot, SlotStatus.HELD.value) for slot in held}


def test_requests_waiting_for_an_answer_are_not_planned_again(region: Region) -> None:
    _backlog(region)
    optimize_queue(
        HORIZON, region.uow, region.clock, region.policy, apply=True, applied_by="sam", time_limit=5
    )
    again = optimize_queue(HORIZON, region.uow, region.clock, region.policy, time_limit=5)
    assert again.open_requests == 0
    assert again.moves == []


def test_applying_a_plan_must_say_who_applies_it(region: Region) -> None:
    _backlog(region)
    before = _state(region)
    for nobody in ("", "   "):
        with pytest.raises(InvalidInput, match="who applies it"):
            optimize_queue(
                HORIZON, region.uow, region.clock, region.policy, apply=True, applied_by=nobody
            )
    assert _state(region) == before


def test_an_apply_interrupted_midway_leaves_the_schedule_exactly_as_before(
    region: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    _backlog(region)
    before = _state(region)
    real = optimize_module.hold_and_offer
    calls = {"n": 0}

    def failing_on_the_third(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise SlotUnavailable("slot taken since the snapshot")
        return real(*args, **kwargs)

    monkeypatch.setattr(optimize_module, "hold_and_offer", failing_on_the_third)
    with pytest.raises(SlotUnavailable):
        optimize_queue(
            HORIZON,
            region.uow,
            region.clock,
            region.policy,
            apply=True,
            applied_by="sam",
            time_limit=5,
        )
    assert calls["n"] == 3
    assert _state(region) == before
