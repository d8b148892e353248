"""Each CP-SAT rule of the repair model, broken and kept: one pair of tests per `add_<rule>`.

A model is built from hand-written candidates, the test fixes which candidates are taken,
and CP-SAT answers: a broken hard rule makes the model infeasible, a broken soft rule
shows up in its named penalty variable.
"""

from __future__ import annotations

from collections.abc import Callable

from ortools.sat.python import cp_model

from parity.optimizer import constraints as rule
from parity.optimizer.constraints import MemberAgenda, RepairModel, SlotOption
from parity.optimizer.costs import CostBand

DAY = 86_400
HOUR = 3_600


def candidate(request: int, slot: int, day: int = 0, hour: int = 10, **costs: int) -> SlotOption:
    start = day * DAY + hour * HOUR
    return SlotOption(request, slot, start, start + HOUR, day, costs.pop("clinician", 0), costs)


def member(
    *requests: int,
    pinned_per_day: dict[int, int] | None = None,
    pinned_spans: tuple[tuple[int, int], ...] = (),
    course_of: dict[int, tuple[int, int]] | None = None,
    pinned_course_days: dict[int, tuple[int, ...]] | None = None,
) -> MemberAgenda:
    return MemberAgenda(
        tuple(requests),
        pinned_per_day or {},
        pinned_spans,
        course_of or {},
        pinned_course_days or {},
    )


def model_of(*candidates: SlotOption) -> RepairModel:
    requests = sorted({c.request for c in candidates})
    return RepairModel(candidates, {r: f"r{r}" for r in requests})


def solve_taking(
    m: RepairModel, taken: set[int], add: Callable[[RepairModel], None]
) -> tuple[bool, cp_model.CpSolver]:
    """Add one rule, fix which candidates are taken, and solve."""
    add(m)
    for index, x in enumerate(m.x):
        m.model.add(x == int(index in taken))
    m.minimise()
    solver = cp_model.CpSolver()
    status = solver.solve(m.model)
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE), solver


def penalty(m: RepairModel, solver: cp_model.CpSolver, name: str) -> int:
    found = [p for p in m.penalties if p.name == name]
    return int(solver.value(found[0].variable)) if found else 0


def test_one_request_cannot_take_two_slots() -> None:
    m = model_of(candidate(1, 10), candidate(1, 11))
    assert not solve_taking(m, {0, 1}, rule.add_one_slot_per_request)[0]


def test_one_request_takes_one_slot_and_is_placed() -> None:
    m = model_of(candidate(1, 10), candidate(1, 11))
    feasible, solver = solve_taking(m, {1}, rule.add_one_slot_per_request)
    assert feasible
    assert solver.boolean_value(m.placed[1])


def test_two_requests_cannot_share_a_slot() -> None:
    m = model_of(candidate(1, 10), candidate(2, 10))
    assert not solve_taking(m, {0, 1}, rule.add_slot_capacity)[0]


def test_two_requests_in_two_slots_are_fine() -> None:
    m = model_of(candidate(1, 10), candidate(2, 11))
    assert solve_taking(m, {0, 1}, rule.add_slot_capacity)[0]


def test_a_member_gets_no_second_visit_on_a_day() -> None:
    m = model_of(candidate(1, 10, day=0), candidate(2, 11, day=0, hour=14))
    assert not solve_taking(m, {0, 1}, lambda m: rule.add_member_day_limit(m, [member(1, 2)], 1))[0]


def test_a_member_may_come_on_two_different_days() -> None:
    m = model_of(candidate(1, 10, day=0), candidate(2, 11, day=1))
    assert solve_taking(m, {0, 1}, lambda m: rule.add_member_day_limit(m, [member(1, 2)], 1))[0]


def test_a_pinned_visit_uses_up_the_members_day() -> None:
    m = model_of(candidate(1, 10, day=3))
    pinned = member(1, pinned_per_day={3: 1})
    assert not solve_taking(m, {0}, lambda m: rule.add_member_day_limit(m, [pinned], 1))[0]


def test_a_members_two_visits_cannot_overlap() -> None:
    m = model_of(candidate(1, 10, hour=10), candidate(2, 11, hour=10))
    assert not solve_taking(m, {0, 1}, lambda m: rule.add_member_no_overlap(m, [member(1, 2)]))[0]


def test_a_members_visits_back_to_back_do_not_overlap() -> None:
    m = model_of(candidate(1, 10, hour=10), candidate(2, 11, hour=11))
    assert solve_taking(m, {0, 1}, lambda m: rule.add_member_no_overlap(m, [member(1, 2)]))[0]


def test_a_visit_cannot_overlap_a_pinned_one() -> None:
    m = model_of(candidate(1, 10, hour=10))
    pinned = member(1, pinned_spans=((10 * HOUR + 1800, 11 * HOUR + 1800),))
    assert not solve_taking(m, {0}, lambda m: rule.add_member_no_overlap(m, [pinned]))[0]


def _course(
    spacing: int, *days_hours: tuple[int, int]
) -> tuple[RepairModel, Callable[[RepairModel], None]]:
    """One member's course of visits on (day, hour), and the rule spacing them `spacing`
    days apart (applied to the requests that are placed)."""
    cands = [candidate(i + 1, 10 + i, day=d, hour=h) for i, (d, h) in enumerate(days_hours)]
    course = member(
        *range(1, len(cands) + 1), course_of={i + 1: (7, i + 1) for i in range(len(cands))}
    )

    def spaced(m: RepairModel) -> None:
        rule.add_one_slot_per_request(m)
        rule.add_course_spacing(m, [course], spacing)

    return model_of(*cands), spaced


def test_a_courses_visits_closer_than_the_spacing_are_refused() -> None:
    m, spaced = _course(2, (0, 10), (1, 10))
    assert not solve_taking(m, {0, 1}, spaced)[0]


def test_a_courses_visits_at_the_spacing_are_allowed() -> None:
    m, spaced = _course(2, (0, 10), (2, 10))
    assert solve_taking(m, {0, 1}, spaced)[0]


def test_a_courses_visits_out_of_sequence_are_refused() -> None:
    m, spaced = _course(2, (4, 10), (1, 10))
    assert not solve_taking(m, {0, 1}, spaced)[0]


def test_a_courses_order_holds_across_a_visit_left_unplaced() -> None:
    m, spaced = _course(2, (4, 10), (6, 10), (1, 10))
    assert not solve_taking(m, {0, 2}, spaced)[0]


def test_a_courses_visits_on_one_day_in_order_are_allowed_without_spacing() -> None:
    m, spaced = _course(0, (1, 9), (1, 11))
    assert solve_taking(m, {0, 1}, spaced)[0]
    m, spaced = _course(0, (1, 11), (1, 9))
    assert not solve_taking(m, {0, 1}, spaced)[0]


def test_a_course_visit_keeps_its_distance_from_a_pinned_one() -> None:
    m = model_of(candidate(1, 10, day=5))
    close = member(1, course_of={1: (7, 2)}, pinned_course_days={7: (4,)})
    far = member(1, course_of={1: (7, 2)}, pinned_course_days={7: (3,)})
    assert not solve_taking(m, {0}, lambda m: rule.add_course_spacing(m, [close], 2))[0]
    assert solve_taking(
        model_of(candidate(1, 10, day=5)), {0}, lambda m: rule.add_course_spacing(m, [far], 2)
    )[0]


def _placed_and_penalised(m: RepairModel) -> None:
    rule.add_one_slot_per_request(m)
    rule.add_unplaced_penalty(m, {r: 1000 for r in m.placed})


def test_an_unplaced_request_is_penalised() -> None:
    m = model_of(candidate(1, 10))
    _, solver = solve_taking(m, set(), _placed_and_penalised)
    assert penalty(m, solver, "unplaced[r1]") == 1


def test_a_placed_request_is_not_penalised() -> None:
    m = model_of(candidate(1, 10))
    _, solver = solve_taking(m, {0}, _placed_and_penalised)
    assert penalty(m, solver, "unplaced[r1]") == 0


def test_placing_a_request_outweighs_every_soft_cost_together() -> None:
    m = model_of(candidate(1, 10, continuity=500, distance=500))
    rule.add_one_slot_per_request(m)
    rule.add_continuity_penalty(m)
    rule.add_distance_penalty(m)
    rule.add_unplaced_penalty(m, {1: 1})
    m.minimise()
    solver = cp_model.CpSolver()
    solver.solve(m.model)
    assert solver.boolean_value(m.placed[1])


def _soft_pair(rule_name: str, add: Callable[[RepairModel], None]) -> tuple[int, int]:
    """The rule's penalty when the costly candidate is taken, and when the free one is."""
    values = []
    for taken in (0, 1):
        m = model_of(candidate(1, 10, **{rule_name: 7}), candidate(1, 11))
        _, solver = solve_taking(m, {taken}, add)
        values.append(penalty(m, solver, f"{rule_name}[r1]"))
    return values[0], values[1]


def test_continuity_is_penalised_only_away_from_the_current_clinician() -> None:
    assert _soft_pair("continuity", rule.add_continuity_penalty) == (7, 0)


def test_preferred_time_is_penalised_only_outside_the_members_part_of_day() -> None:
    assert _soft_pair("off_preferred_time", rule.add_preferred_time_penalty) == (7, 0)


def test_distance_is_penalised_only_away_from_the_members_clinic() -> None:
    assert _soft_pair("distance", rule.add_distance_penalty) == (7, 0)


def test_moving_an_offered_appointment_is_penalised_only_when_it_moves() -> None:
    assert _soft_pair("move_offered", rule.add_move_penalty) == (7, 0)


BANDS = {0: [CostBand(1, 0), CostBand(1, 5), CostBand(5, 9)]}


def _caseload(taken: set[int], outside: int) -> int:
    m = model_of(candidate(1, 10), candidate(2, 11))
    _, solver = solve_taking(m, taken, lambda m: rule.add_caseload_penalty(m, {0: outside}, BANDS))
    return penalty(m, solver, "caseload[clinician0]")


def test_a_clinicians_first_booking_in_the_free_band_costs_nothing() -> None:
    assert _caseload({0}, outside=0) == 0


def test_a_booking_in_a_fuller_band_costs_that_bands_price() -> None:
    assert _caseload({0, 1}, outside=0) == 5
    assert _caseload({0}, outside=1) == 5
    assert _caseload({0, 1}, outside=1) == 14
