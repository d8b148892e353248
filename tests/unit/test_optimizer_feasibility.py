"""Each hard rule of the optimizer, broken and kept: one pair of tests per rule."""

from __future__ import annotations

import pytest
from optimizer_support import (
    CALENDAR,
    LA,
    LIMITS,
    NOW,
    at,
    clinician,
    problem,
    request,
    slot,
    with_limits,
)

from parity.domain.errors import InvalidInput
from parity.domain.schedule import BlockKind, ProtectedTime
from parity.domain.workforce import Discipline, Modality
from parity.optimizer.feasibility import HardRules, solution_violations
from parity.optimizer.problem import (
    Absence,
    Assignment,
    OptimizerRequest,
    OptimizerSlot,
    PinnedBooking,
    Problem,
)
from parity.optimizer.timeline import business_days_late, day_part, epoch
from parity.optimizer.windows import Windows, subtract

ANA = clinician("ana")
TUESDAY_TEN = slot(1, "ana", 1, 10)


def broken(p: Problem, r: OptimizerRequest, s: OptimizerSlot, *, late: bool = False) -> list[str]:
    return HardRules(p).pair_violations(r, s, late=late)


def test_a_visit_needs_a_slot_of_a_kind_it_may_use() -> None:
    intake = slot(1, "ana", 1, 10, kind=BlockKind.INTAKE)
    assert "slot-kind" in broken(problem([ANA], [intake], []), request(1), intake)


def test_a_visit_of_a_usable_kind_fits() -> None:
    assert broken(problem([ANA], [TUESDAY_TEN], []), request(1), TUESDAY_TEN) == []


def test_a_therapist_request_cannot_go_to_a_psychiatrist() -> None:
    doctor = clinician("ana", Discipline.PSYCHIATRIST)
    assert "provider-class" in broken(problem([doctor], [TUESDAY_TEN], []), request(1), TUESDAY_TEN)


def test_a_social_worker_counts_as_a_therapist() -> None:
    social = clinician("ana", Discipline.SOCIAL_WORKER)
    assert broken(problem([social], [TUESDAY_TEN], []), request(1), TUESDAY_TEN) == []


def test_a_spanish_request_needs_a_spanish_speaking_clinician() -> None:
    wanted = request(1, language="spanish")
    assert "language" in broken(problem([ANA], [TUESDAY_TEN], []), wanted, TUESDAY_TEN)


def test_a_bilingual_clinician_serves_a_spanish_request() -> None:
    bilingual = clinician("ana", languages=("english", "spanish"))
    wanted = request(1, language="spanish")
    assert broken(problem([bilingual], [TUESDAY_TEN], []), wanted, TUESDAY_TEN) == []


def test_an_in_person_visit_happens_only_at_the_members_clinic() -> None:
    south = slot(1, "ana", 1, 10, clinic="south")
    assert "modality" in broken(problem([ANA], [south], []), request(1), south)


def test_a_video_visit_may_be_with_a_clinician_anywhere_in_the_region() -> None:
    south = slot(1, "ana", 1, 10, clinic="south")
    video = request(1, modalities=(Modality.VIDEO,))
    assert broken(problem([ANA], [south], []), video, south) == []


def test_a_video_visit_needs_a_clinician_who_offers_video() -> None:
    in_person_only = clinician("ana", modalities=frozenset({Modality.IN_PERSON}))
    video = request(1, modalities=(Modality.VIDEO,))
    assert "modality" in broken(problem([in_person_only], [TUESDAY_TEN], []), video, TUESDAY_TEN)


def test_a_slot_before_not_before_is_refused() -> None:
    later = request(1, not_before=at(1, 11))
    assert "not-before" in broken(problem([ANA], [TUESDAY_TEN], []), later, TUESDAY_TEN)


def test_a_slot_at_not_before_is_allowed() -> None:
    exact = request(1, not_before=at(1, 10))
    assert broken(problem([ANA], [TUESDAY_TEN], []), exact, TUESDAY_TEN) == []


def test_a_slot_after_the_deadline_is_refused() -> None:
    due = request(1, deadline=at(1, 9))
    assert "deadline" in broken(problem([ANA], [TUESDAY_TEN], []), due, TUESDAY_TEN)


def test_a_late_proposal_waives_only_the_deadline() -> None:
    due = request(1, deadline=at(1, 9))
    assert broken(problem([ANA], [TUESDAY_TEN], []), due, TUESDAY_TEN, late=True) == []


def test_a_slot_inside_protected_time_is_refused() -> None:
    block = ProtectedTime("ana", at(1, 10, 30), at(1, 11, 30))
    p = problem([ANA], [TUESDAY_TEN], [], protected=[block])
    assert "protected-time" in broken(p, request(1), TUESDAY_TEN)


def test_a_slot_that_ends_as_protected_time_begins_is_allowed() -> None:
    block = ProtectedTime("ana", at(1, 11), at(1, 12))
    p = problem([ANA], [TUESDAY_TEN], [], protected=[block])
    assert broken(p, request(1), TUESDAY_TEN) == []


def test_a_slot_during_pto_is_refused() -> None:
    p = problem([ANA], [TUESDAY_TEN], [], absences=[Absence("ana", at(1, 0), at(2, 0))])
    assert "pto" in broken(p, request(1), TUESDAY_TEN)


def test_anothers_pto_does_not_block_the_slot() -> None:
    p = problem([ANA], [TUESDAY_TEN], [], absences=[Absence("ben", at(1, 0), at(2, 0))])
    assert broken(p, request(1), TUESDAY_TEN) == []


def test_a_pinned_slot_is_never_offered_again() -> None:
    pin = PinnedBooking(1, "m9", "ana", at(1, 10), at(1, 11))
    assert "pinned-booking" in broken(
        problem([ANA], [TUESDAY_TEN], [], pinned=[pin]), request(1), TUESDAY_TEN
    )


def test_a_pinned_booking_of_another_clinician_at_the_same_time_does_not_block() -> None:
    pin = PinnedBooking(7, "m9", "ben", at(1, 10), at(1, 11))
    assert broken(problem([ANA], [TUESDAY_TEN], [], pinned=[pin]), request(1), TUESDAY_TEN) == []


def test_a_member_with_a_visit_that_day_gets_no_second_one() -> None:
    pin = PinnedBooking(7, "m1", "ben", at(1, 15), at(1, 16))
    p = problem([ANA], [TUESDAY_TEN], [], pinned=[pin])
    assert "member-day-limit" in broken(p, request(1), TUESDAY_TEN)


def test_a_member_with_a_visit_the_next_day_may_come_today() -> None:
    pin = PinnedBooking(7, "m1", "ben", at(2, 15), at(2, 16))
    assert broken(problem([ANA], [TUESDAY_TEN], [], pinned=[pin]), request(1), TUESDAY_TEN) == []


def test_two_visits_of_a_member_may_not_overlap() -> None:
    pin = PinnedBooking(7, "m1", "ben", at(1, 10, 30), at(1, 11, 30))
    p = with_limits(problem([ANA], [TUESDAY_TEN], [], pinned=[pin]), member_visits_per_day=2)
    assert broken(p, request(1), TUESDAY_TEN) == ["member-overlap"]


def test_two_visits_of_a_member_back_to_back_are_fine_when_two_a_day_are_allowed() -> None:
    pin = PinnedBooking(7, "m1", "ben", at(1, 11), at(1, 12))
    p = with_limits(problem([ANA], [TUESDAY_TEN], [], pinned=[pin]), member_visits_per_day=2)
    assert broken(p, request(1), TUESDAY_TEN) == []


def test_a_course_visit_too_close_to_the_last_one_is_refused() -> None:
    pin = PinnedBooking(7, "m1", "ana", at(0, 15), at(0, 16), course_id=3)
    p = problem([ANA], [TUESDAY_TEN], [], pinned=[pin])
    assert "course-spacing" in broken(p, request(1, course_id=3), TUESDAY_TEN)


def test_a_course_visit_two_days_after_the_last_one_is_allowed() -> None:
    pin = PinnedBooking(7, "m1", "ana", at(-1, 15), at(-1, 16), course_id=3)
    p = problem([ANA], [TUESDAY_TEN], [], pinned=[pin])
    assert broken(p, request(1, course_id=3), TUESDAY_TEN) == []


def _assigned(r: OptimizerRequest, s: OptimizerSlot) -> Assignment:
    return Assignment(r.id, s.id, s.clinician_id, s.clinic_id, s.start, Modality.IN_PERSON)


def test_a_course_out_of_order_is_a_violation_of_the_solution() -> None:
    first, second = (
        request(1, member="m", course_id=3, course_sequence=1),
        request(2, member="m", course_id=3, course_sequence=2),
    )
    early, late = slot(1, "ana", 0, 10), slot(2, "ana", 3, 10)
    p = problem([ANA], [early, late], [first, second])
    assert any(
        "course-order" in v
        for v in solution_violations(p, [_assigned(first, late), _assigned(second, early)])
    )
    assert solution_violations(p, [_assigned(first, early), _assigned(second, late)]) == []


def test_one_slot_for_two_requests_is_a_violation_of_the_solution() -> None:
    p = problem([ANA], [TUESDAY_TEN], [request(1), request(2)])
    found = solution_violations(
        p, [_assigned(request(1), TUESDAY_TEN), _assigned(request(2), TUESDAY_TEN)]
    )
    assert any("used twice" in v for v in found)


def test_a_late_visit_counts_business_days_with_a_weekend_as_the_next_one() -> None:
    friday_night = at(4, 23, 59)
    assert business_days_late(friday_night, at(4, 12), CALENDAR, LA) == 0
    assert business_days_late(friday_night, at(5, 10), CALENDAR, LA) == 1
    assert business_days_late(friday_night, at(7, 10), CALENDAR, LA) == 1
    assert business_days_late(friday_night, at(8, 10), CALENDAR, LA) == 2


@pytest.mark.parametrize(("hour", "part"), [(11, "morning"), (12, "afternoon"), (17, "evening")])
def test_parts_of_the_day_follow_the_weights_file(hour: int, part: str) -> None:
    assert day_part(at(0, hour), LA, LIMITS).value == part


def test_subtracting_holes_keeps_what_lies_outside_them() -> None:
    assert subtract([(0, 100)], [(10, 19), (50, 200)]) == [(0, 9), (20, 49)]
    assert subtract([(0, 10)], [(-5, -1)]) == [(0, 10)]


def test_a_pinned_visit_takes_its_whole_local_day_out_of_the_window() -> None:
    pin = PinnedBooking(7, "m1", "ben", at(1, 15), at(1, 16))
    p = problem([ANA], [], [], pinned=[pin])
    windows = Windows(p, HardRules(p).pinned_visits).timely(request(1), 3600)
    assert [(w.low, w.high) for w in windows] == [
        (epoch(NOW), epoch(at(1, 0)) - 1),
        (epoch(at(2, 0)), epoch(at(4, 23, 59))),
    ]


def test_a_problem_with_a_slot_of_an_unknown_clinician_is_refused() -> None:
    with pytest.raises(InvalidInput, match="zed"):
        problem([ANA], [slot(1, "zed", 1, 10)], [])


def test_a_problem_with_two_requests_of_one_id_is_refused() -> None:
    with pytest.raises(InvalidInput, match="request ids"):
        problem([ANA], [], [request(1), request(1)])
