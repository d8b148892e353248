"""The medium and soft costs, each charged and not charged; and the weights file itself."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest
from optimizer_support import (
    CLINICS,
    WEIGHTS,
    at,
    clinician,
    packaged_table,
    packaged_text,
    problem,
    request,
)

from parity.domain.errors import InvalidInput
from parity.optimizer.costs import (
    CostBand,
    caseload_bands,
    continuity_cost,
    distance_cost,
    lateness_cost,
    move_cost,
    preferred_time_cost,
    unplaced_cost,
)
from parity.optimizer.problem import DayPart
from parity.optimizer.weights import Limits, Weights, config_from_dict

NORTH, EAST, SOUTH = CLINICS


def test_an_unplaced_request_costs_more_the_closer_its_deadline() -> None:
    p = problem([clinician("ana")], [], [])
    due_tomorrow = unplaced_cost(request(1, deadline=at(1, 23, 59)), p)
    due_next_week = unplaced_cost(request(2, deadline=at(8, 23, 59)), p)
    assert due_tomorrow - due_next_week == 5 * WEIGHTS.unplaced_per_business_day_closer


def test_an_unplaced_request_far_from_its_deadline_costs_the_base_amount() -> None:
    p = problem([clinician("ana")], [], [])
    assert unplaced_cost(request(1, deadline=at(40, 23, 59)), p) == WEIGHTS.unplaced


def test_lateness_costs_per_business_day() -> None:
    assert lateness_cost(3, WEIGHTS) == 3 * WEIGHTS.late_per_business_day


def test_a_timely_visit_costs_no_lateness() -> None:
    assert lateness_cost(0, WEIGHTS) == 0


def test_another_clinician_breaks_continuity() -> None:
    assert (
        continuity_cost(request(1, preferred_clinician_id="ana"), "ben", WEIGHTS)
        == WEIGHTS.continuity
    )


def test_the_current_clinician_keeps_continuity_and_no_preference_costs_nothing() -> None:
    assert continuity_cost(request(1, preferred_clinician_id="ana"), "ana", WEIGHTS) == 0
    assert continuity_cost(request(1), "ben", WEIGHTS) == 0


def test_a_visit_outside_the_preferred_part_of_day_costs() -> None:
    mornings = request(1, preferred_parts=frozenset({DayPart.MORNING}))
    assert preferred_time_cost(mornings, DayPart.AFTERNOON, WEIGHTS) == WEIGHTS.off_preferred_time


def test_a_visit_in_the_preferred_part_of_day_or_without_preference_is_free() -> None:
    mornings = request(1, preferred_parts=frozenset({DayPart.MORNING}))
    assert preferred_time_cost(mornings, DayPart.MORNING, WEIGHTS) == 0
    assert preferred_time_cost(request(2), DayPart.EVENING, WEIGHTS) == 0


def test_a_clinician_at_another_clinic_costs_more_outside_the_service_area() -> None:
    assert distance_cost(NORTH, EAST, WEIGHTS) == WEIGHTS.other_clinic_same_area
    assert distance_cost(NORTH, SOUTH, WEIGHTS) == WEIGHTS.other_area


def test_a_clinician_at_the_members_clinic_costs_no_distance() -> None:
    assert distance_cost(NORTH, NORTH, WEIGHTS) == 0


def test_moving_an_offered_appointment_costs() -> None:
    assert move_cost(request(1, offered_slot_id=5), 6, WEIGHTS) == WEIGHTS.move_offered


def test_keeping_an_offered_appointment_or_having_none_costs_nothing() -> None:
    assert move_cost(request(1, offered_slot_id=5), 5, WEIGHTS) == 0
    assert move_cost(request(1), 6, WEIGHTS) == 0


def test_caseload_bands_start_from_the_bookings_already_made() -> None:
    # 10 bookable, 7 booked: 60 % and 80 % are behind, one booking fits below 90 %.
    assert caseload_bands(7, 10, WEIGHTS) == [
        CostBand(0, 0),
        CostBand(1, 2),
        CostBand(1, 5),
        CostBand(1, 9),
    ]


def test_an_empty_clinician_books_first_into_the_free_band() -> None:
    assert caseload_bands(0, 10, WEIGHTS) == [
        CostBand(6, 0),
        CostBand(2, 2),
        CostBand(1, 5),
        CostBand(1, 9),
    ]


def test_the_packaged_weights_file_names_every_weight_and_limit_with_a_comment() -> None:
    lines = packaged_text().splitlines()
    renamed = {"late_allowance_business_days": "allowance_business_days"}
    for field in (*fields(Weights), *fields(Limits)):
        name = renamed.get(field.name, field.name)
        line = next(i for i, line in enumerate(lines) if line.startswith(f"{name} ="))
        assert lines[line - 1].startswith("#"), f"{name} has no comment above it"


def test_a_missing_weight_is_refused_by_name() -> None:
    table = packaged_table()
    del table["soft"]["continuity"]
    with pytest.raises(InvalidInput, match="continuity"):
        config_from_dict(table)


def test_a_stray_weight_is_refused_by_name() -> None:
    table = packaged_table()
    table["soft"]["continuty"] = 30
    with pytest.raises(InvalidInput, match="continuty"):
        config_from_dict(table)


def test_a_falling_caseload_cost_is_refused_because_it_would_not_be_convex() -> None:
    table = packaged_table()
    table["soft"]["caseload_band_costs"] = [0, 5, 2, 9]
    with pytest.raises(InvalidInput, match="convex"):
        config_from_dict(table)


def test_weights_are_data_a_caller_can_change() -> None:
    table = packaged_table()
    table["soft"]["continuity"] = 99
    weights, _ = config_from_dict(table)
    assert weights == replace(WEIGHTS, continuity=99)
