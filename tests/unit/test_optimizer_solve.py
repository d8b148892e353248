"""solve(): never breaks a hard rule, meets the bound, and explains every request it leaves."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from optimizer_support import (
    WEIGHTS,
    at,
    clinician,
    problem,
    problems,
    request,
    slot,
)

from parity.domain.workforce import Modality
from parity.optimizer.feasibility import solution_violations
from parity.optimizer.problem import (
    DayPart,
    PinnedBooking,
    Problem,
    Solution,
    UnplacedReason,
)
from parity.optimizer.solve import solve

ANA, BEN = clinician("ana"), clinician("ben")


def run(p: Problem) -> Solution:
    return solve(p, time_limit=5.0, seed=1)


def slots_of(solution: Solution) -> dict[int, int]:
    return {a.request_id: a.slot_id for a in solution.assignments}


@settings(max_examples=150, deadline=None)
@given(problems())
def test_a_solution_never_breaks_a_hard_rule(p: Problem) -> None:
    solution = run(p)
    assert solution_violations(p, solution.assignments) == []
    pinned = {pin.slot_id for pin in p.pinned}
    assert not pinned & {a.slot_id for a in solution.assignments}


@settings(max_examples=150, deadline=None)
@given(problems(members=100))
def test_without_shared_members_the_schedule_meets_the_bound(p: Problem) -> None:
    if len({r.member_id for r in p.requests}) == len(p.requests):
        solution = run(p)
        assert solution.placed == solution.bound
        assert solution.gap == 0.0


@settings(max_examples=150, deadline=None)
@given(problems())
def test_every_request_is_placed_in_time_or_explained(p: Problem) -> None:
    solution = run(p)
    timely = {a.request_id for a in solution.assignments if a.timely}
    explained = {u.request_id: u for u in solution.unplaced}
    assert timely.isdisjoint(explained)
    assert timely | set(explained) == {r.id for r in p.requests}
    assert all(u.message for u in explained.values())
    assert solution.placed <= solution.bound


def test_a_member_gets_two_visits_on_two_days_when_the_flow_put_them_on_one() -> None:
    # r1 can only have Tuesday 10:00; r2 prefers Tuesday afternoon, which the flow gives it,
    # but one member may not come twice a day: the repair moves r2 to Thursday morning.
    tuesday, afternoon, thursday = (
        slot(1, "ana", 1, 10),
        slot(2, "ana", 1, 14),
        slot(3, "ana", 3, 10),
    )
    first = request(1, member="m", deadline=at(1, 23, 59))
    second = request(2, member="m", preferred_parts=frozenset({DayPart.AFTERNOON}))
    solution = run(problem([ANA], [tuesday, afternoon, thursday], [first, second]))
    assert slots_of(solution) == {1: 1, 2: 3}
    assert solution.stats.repaired_requests == 2
    assert solution.stats.cp_sat_status == "optimal"


def test_a_course_keeps_its_spacing_and_order() -> None:
    # Both visits would rather be early; two days apart and in order leaves Mon/Tue + Thu.
    monday, tuesday, thursday = slot(1, "ana", 0, 10), slot(2, "ana", 1, 10), slot(3, "ana", 3, 10)
    first = request(1, member="m", course_id=5, course_sequence=1)
    second = request(2, member="m", course_id=5, course_sequence=2)
    p = problem([ANA], [monday, tuesday, thursday], [first, second])
    solution = run(p)
    assert slots_of(solution)[2] == 3
    assert slots_of(solution)[1] in (1, 2)
    assert solution_violations(p, solution.assignments) == []


def test_a_pinned_booking_stays_and_its_slot_is_not_reused() -> None:
    taken = slot(1, "ana", 1, 10)
    pin = PinnedBooking(1, "m9", "ana", taken.start, taken.end)
    solution = run(problem([ANA], [taken, slot(2, "ana", 2, 10)], [request(1)], pinned=[pin]))
    assert slots_of(solution) == {1: 2}


def test_the_current_clinician_is_kept_when_they_have_a_timely_slot() -> None:
    p = problem(
        [ANA, BEN],
        [slot(1, "ana", 1, 10), slot(2, "ben", 3, 10)],
        [request(1, preferred_clinician_id="ben")],
    )
    assert slots_of(run(p)) == {1: 2}


def test_continuity_never_overrides_the_members_language() -> None:
    bilingual = clinician("ana", languages=("english", "spanish"))
    p = problem(
        [bilingual, BEN],
        [slot(1, "ben", 1, 9), slot(2, "ana", 3, 9)],
        [request(1, language="spanish", preferred_clinician_id="ben")],
    )
    assert slots_of(run(p)) == {1: 2}


def test_the_preferred_part_of_the_day_is_kept() -> None:
    p = problem(
        [ANA],
        [slot(1, "ana", 1, 9), slot(2, "ana", 1, 15)],
        [request(1, preferred_parts=frozenset({DayPart.AFTERNOON}))],
    )
    assert slots_of(run(p)) == {1: 2}


def test_a_video_visit_goes_to_the_nearest_clinic_with_room() -> None:
    east = clinician("ben", clinics=("east",))
    south = clinician("cy", clinics=("south",))
    p = problem(
        [east, south],
        [slot(1, "cy", 1, 9, clinic="south"), slot(2, "ben", 1, 10, clinic="east")],
        [request(1, clinic="north", modalities=(Modality.VIDEO,))],
    )
    assert slots_of(run(p)) == {1: 2}


def test_an_offered_appointment_stays_where_it_was_offered() -> None:
    p = problem(
        [ANA],
        [slot(1, "ana", 1, 9), slot(2, "ana", 2, 9)],
        [request(1, offered_slot_id=2)],
    )
    assert slots_of(run(p)) == {1: 2}


def test_new_bookings_go_to_the_clinician_with_the_lighter_caseload() -> None:
    # Ana's week is 8 of 9 slots booked; Ben's is empty (his other slots come after the
    # deadline but count towards his bookable time).
    busy = [PinnedBooking(100 + h, f"p{h}", "ana", at(0, h), at(0, h + 1)) for h in range(8, 16)]
    later = [slot(10 + h, "ben", 9, h) for h in range(8, 16)]
    p = problem(
        [ANA, BEN],
        [slot(1, "ana", 1, 9), slot(2, "ben", 1, 9), *later],
        [request(1)],
        pinned=busy,
    )
    assert slots_of(run(p)) == {1: 2}


def test_with_one_slot_the_nearer_deadline_wins_and_the_other_is_told_why() -> None:
    p = problem(
        [ANA],
        [slot(1, "ana", 1, 10)],
        [request(1, deadline=at(3, 23, 59)), request(2, deadline=at(1, 23, 59))],
    )
    solution = run(p)
    assert slots_of(solution) == {2: 1}
    (left,) = solution.unplaced
    assert left.request_id == 1
    assert left.reason is UnplacedReason.TAKEN_BY_EARLIER_DEADLINES
    assert left.taken_by_earlier_deadlines == 1


def test_a_slot_kept_for_a_later_deadline_is_explained_as_needed_elsewhere() -> None:
    # With no urgency surcharge, continuity decides: r2 (later deadline) keeps its clinician.
    flat = replace(WEIGHTS, unplaced_per_business_day_closer=0)
    p = problem(
        [ANA],
        [slot(1, "ana", 1, 10)],
        [
            request(1, deadline=at(1, 23, 59), preferred_clinician_id="zed"),
            request(2, deadline=at(3, 23, 59), preferred_clinician_id="ana"),
        ],
        weights=flat,
    )
    (left,) = run(p).unplaced
    assert left.reason is UnplacedReason.NEEDED_BY_OTHER_REQUESTS
    assert left.taken_by_later_deadlines == 1


def test_a_request_no_clinician_can_see_is_explained() -> None:
    wanted = request(1, language="tagalog")
    (left,) = run(problem([ANA], [slot(1, "ana", 1, 10)], [wanted])).unplaced
    assert left.reason is UnplacedReason.NO_MATCHING_CLINICIAN
    assert "tagalog" in left.message


def test_a_request_without_a_free_slot_before_its_deadline_gets_a_late_proposal() -> None:
    monday_after = slot(1, "ana", 7, 10)
    solution = run(problem([ANA], [monday_after], [request(1)]))
    (left,) = solution.unplaced
    assert left.reason is UnplacedReason.NO_FREE_SLOT_BEFORE_DEADLINE
    assert left.late_proposal_slot_id == 1
    (late,) = solution.assignments
    assert not late.timely
    assert late.business_days_late == 1
    assert solution.placed == 0


def test_a_member_whose_pinned_visits_rule_out_every_slot_is_told_so() -> None:
    pin = PinnedBooking(9, "m1", "ben", at(1, 15), at(1, 16))
    solution = run(problem([ANA, BEN], [slot(1, "ana", 1, 10)], [request(1)], pinned=[pin]))
    (left,) = solution.unplaced
    assert left.reason is UnplacedReason.EXCLUDED_BY_MEMBER_VISITS


def test_penalties_name_the_rules_that_cost_something() -> None:
    p = problem(
        [ANA, BEN],
        [slot(1, "ana", 1, 10)],
        [request(1, preferred_clinician_id="ben"), request(2)],
    )
    solution = run(p)
    assert solution.penalties["unplaced"] > 0
    assert solution.penalties["continuity"] in (0, WEIGHTS.continuity)
