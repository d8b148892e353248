"""A member's repeated ask is one request on every list that plans, offers or books.

The rule (28 CCR §1300.67.2.2(c)(5), as docs/adr/0013 reads it on 2026-12-07): a member who
asks again for the same care while the first ask waits has made one request. Every list of
waiting requests shows the pair once, as the first ask; a repeat whose first ask is no
longer open stands on its own (docs/adr/0013, "2026-12-07 (late evening)"). Each case sets
up two asks by hand and states which ids each list must show, from that rule alone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from unit_support import LOS_ANGELES, Region

from parity.adapters.clock import SimulatedClock
from parity.domain.care import CareRequest, Channel
from parity.domain.schedule import SlotStatus
from parity.domain.scope import MemberScope, Reach
from parity.domain.standards import VisitType
from parity.domain.users import Principal, Role
from parity.domain.workforce import Modality, ProviderClass
from parity.services.optimize import Horizon, optimize_queue
from parity.services.page_queries import clinician_week, slot_choice
from parity.services.requests import RequestCare, WithdrawRequest, open_request, withdraw_request
from parity.services.work_queue import waiting_entries

EVERYONE = MemberScope(Reach.EVERYONE)
HORIZON = Horizon(date(2026, 6, 1), 10)
PRIOR_VISIT = datetime(2026, 5, 26, 9, 0, tzinfo=LOS_ANGELES)


def _ask(region: Region, member: str, hours_later: int = 0, **more: object) -> CareRequest:
    """`member` asks for a therapy intake by video at north, `hours_later` after the start."""
    when = region.clock.now() + timedelta(hours=hours_later)
    cmd = RequestCare(
        member,
        more.pop("visit", VisitType.INITIAL),  # type: ignore[arg-type]
        ProviderClass.THERAPIST,
        "english",
        (Modality.VIDEO,),
        "north",
        requested_at=when,
        **more,  # type: ignore[arg-type]
    )
    return open_request(cmd, region.uow, SimulatedClock(when), region.policy)


def _pair_and_another(region: Region) -> tuple[CareRequest, CareRequest, CareRequest]:
    first = _ask(region, "m1")
    repeat = _ask(region, "m1", hours_later=2)  # the same care while the first waits
    other = _ask(region, "m2", hours_later=1)
    return first, repeat, other


def _follow_up(region: Region, member: str, hours_later: int) -> CareRequest:
    return _ask(
        region,
        member,
        hours_later,
        visit=VisitType.FOLLOW_UP,
        preferred_clinician_id="ana",
        prior_appointment_start=PRIOR_VISIT,
    )


def _free_intake_slot(region: Region) -> int:
    """Ana's first free Wednesday intake slot (north, 60 min, every modality)."""
    tz = LOS_ANGELES
    start = datetime.combine(date(2026, 6, 3), time(9), tzinfo=tz)
    with region.uow:
        slots = region.uow.slots.for_clinician("ana", start, start + timedelta(hours=3))
        return next(s.id for s in slots if s.status is SlotStatus.FREE)


def test_the_optimizer_plans_a_repeated_pair_once_as_its_first_ask(region: Region) -> None:
    first, _repeat, other = _pair_and_another(region)
    plan = optimize_queue(HORIZON, region.uow, region.clock, region.policy, time_limit=5)
    assert plan.open_requests == 2
    planned = {m["request"] for m in plan.moves} | {u["request"] for u in plan.unplaced}
    assert planned == {first.id, other.id}


def test_applying_the_plan_makes_one_offer_for_a_repeated_need(region: Region) -> None:
    first, _repeat, other = _pair_and_another(region)
    optimize_queue(
        HORIZON,
        region.uow,
        region.clock,
        region.policy,
        apply=True,
        applied_by="sam.scheduler",
        time_limit=5,
    )
    with region.uow:
        offered = sorted(o.request_id for o in region.uow.offers.list())
    assert offered == sorted([first.id, other.id])


def test_a_free_slot_lists_a_repeated_pair_once_as_its_first_ask(region: Region) -> None:
    first, _repeat, other = _pair_and_another(region)
    choice = slot_choice(
        region.uow, EVERYONE, region.policy, _free_intake_slot(region), region.clock.now()
    )
    assert sorted(r.id for r in choice.requests) == sorted([first.id, other.id])


def test_a_clinicians_follow_ups_list_a_repeated_pair_once(region: Region) -> None:
    first = _follow_up(region, "m1", 0)
    repeat = _follow_up(region, "m1", 3)
    other = _follow_up(region, "m2", 1)
    week = clinician_week(region.uow, EVERYONE, region.policy, "ana", date(2026, 6, 1))
    shown = [r.id for r in week.follow_ups]
    assert sorted(shown) == sorted([first.id, other.id])
    assert repeat.id not in shown


def test_a_repeat_whose_first_ask_was_withdrawn_stands_on_every_list(region: Region) -> None:
    first, repeat, other = _pair_and_another(region)
    withdraw_request(
        WithdrawRequest(first.id, Principal("m1", Role.MEMBER, "m1"), channel=Channel.PORTAL),
        region.uow,
        SimulatedClock(region.clock.now() + timedelta(hours=3)),
    )
    expected = sorted([repeat.id, other.id])
    plan = optimize_queue(HORIZON, region.uow, region.clock, region.policy, time_limit=5)
    planned = {m["request"] for m in plan.moves} | {u["request"] for u in plan.unplaced}
    assert sorted(planned) == expected
    choice = slot_choice(
        region.uow, EVERYONE, region.policy, _free_intake_slot(region), region.clock.now()
    )
    assert sorted(r.id for r in choice.requests) == expected
    assert sorted(e.request.id for e in waiting_entries(region.uow, EVERYONE)) == expected


def test_two_asks_for_different_care_are_both_listed(region: Region) -> None:
    intake = _ask(region, "m1")
    follow_up = _follow_up(region, "m1", 2)  # another standard: not a repeat
    plan = optimize_queue(HORIZON, region.uow, region.clock, region.policy, time_limit=5)
    planned = {m["request"] for m in plan.moves} | {u["request"] for u in plan.unplaced}
    assert planned == {intake.id, follow_up.id}
