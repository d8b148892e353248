"""The waitlist's order and its matching: pure functions of entries, slots and `now`."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from unit_support import LOS_ANGELES

from parity.domain.errors import InvalidInput
from parity.domain.schedule import BlockKind, Slot
from parity.domain.waitlist import (
    Preferences,
    WaitlistEntry,
    WaitReason,
    matches,
    rank_key,
    ranked,
)
from parity.domain.workforce import Modality

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=LOS_ANGELES)
ANY = frozenset(Modality)


def _entry(
    key: int,
    deadline_days: float = 5,
    standard: str = "initial-therapy",
    joined_hours_ago: float = 1,
    reason: WaitReason = WaitReason.NO_TIMELY_SLOT,
    **preferences: object,
) -> WaitlistEntry:
    return WaitlistEntry(
        request_id=key,
        member_id=f"m{key}",
        standard=standard,
        deadline=NOW + timedelta(days=deadline_days),
        reason=reason,
        joined_at=NOW - timedelta(hours=joined_hours_ago),
        preferences=Preferences(**preferences),  # type: ignore[arg-type]
        head_of_line=reason is WaitReason.CLINIC_CANCELLED,
        id=key,
    )


def _slot(day: int = 3, hour: int = 10, clinician: str = "ana", clinic: str = "north") -> Slot:
    start = datetime(2026, 6, day, hour, tzinfo=LOS_ANGELES)
    return Slot(
        clinician,
        clinic,
        start,
        start + timedelta(minutes=50),
        BlockKind.INTAKE,
        id=day * 100 + hour,
    )


def _order(*entries: WaitlistEntry) -> list[int]:
    return [e.id for e in ranked(list(entries), NOW)]


def test_a_clinic_cancelled_request_goes_to_the_head_even_with_a_later_deadline() -> None:
    soon = _entry(1, deadline_days=1)
    cancelled = _entry(2, deadline_days=9, reason=WaitReason.CLINIC_CANCELLED)
    assert _order(soon, cancelled) == [2, 1]


def test_less_time_to_the_legal_deadline_ranks_first() -> None:
    assert _order(_entry(1, deadline_days=6), _entry(2, deadline_days=2)) == [2, 1]


def test_between_equal_deadlines_urgent_comes_before_non_urgent() -> None:
    routine = _entry(1, deadline_days=2, joined_hours_ago=50)
    urgent = _entry(2, deadline_days=2, standard="urgent")
    assert _order(routine, urgent) == [2, 1]


def test_between_equal_deadlines_and_standards_the_longest_wait_ranks_first() -> None:
    recent = _entry(1, deadline_days=2, joined_hours_ago=1)
    patient = _entry(2, deadline_days=2, joined_hours_ago=30)
    assert _order(recent, patient) == [2, 1]


def test_a_full_tie_is_broken_by_id_so_the_order_is_stable() -> None:
    assert _order(_entry(7), _entry(3)) == [3, 7]
    assert rank_key(_entry(3), NOW) < rank_key(_entry(7), NOW)


def test_a_slot_after_the_deadline_does_not_match_unless_the_clinic_cancelled() -> None:
    late = _slot(day=20)
    assert not matches(_entry(1, deadline_days=5), late, ANY, LOS_ANGELES)
    assert matches(
        _entry(1, deadline_days=5, reason=WaitReason.CLINIC_CANCELLED), late, ANY, LOS_ANGELES
    )


def test_weekday_preferences_are_read_on_the_clinic_local_calendar() -> None:
    # 17:00 on Wednesday in Los Angeles is already Thursday in UTC.
    evening = _slot(day=3, hour=17)
    assert matches(_entry(1, weekdays=(2,)), evening, ANY, LOS_ANGELES)
    assert not matches(_entry(1, weekdays=(3,)), evening, ANY, LOS_ANGELES)


def test_the_time_of_day_window_must_hold_the_whole_visit() -> None:
    slot = _slot(hour=10)  # 10:00-10:50 local
    assert matches(_entry(1, earliest=time(9), latest=time(11)), slot, ANY, LOS_ANGELES)
    assert not matches(_entry(1, earliest=time(10, 30)), slot, ANY, LOS_ANGELES)
    assert not matches(_entry(1, latest=time(10, 30)), slot, ANY, LOS_ANGELES)


def test_clinician_clinic_and_modality_preferences_must_all_hold() -> None:
    slot = _slot(clinician="ana", clinic="north")
    assert matches(_entry(1, clinician_id="ana", clinic_id="north"), slot, ANY, LOS_ANGELES)
    assert not matches(_entry(1, clinician_id="ben"), slot, ANY, LOS_ANGELES)
    assert not matches(_entry(1, clinic_id="south"), slot, ANY, LOS_ANGELES)
    video_only = frozenset({Modality.VIDEO})
    assert not matches(_entry(1, modality=Modality.PHONE), slot, video_only, LOS_ANGELES)


def test_a_slot_the_member_already_passed_on_is_never_offered_again() -> None:
    entry, slot = _entry(1), _slot()
    entry.passed_slot_ids = (slot.id,)
    assert not matches(entry, slot, ANY, LOS_ANGELES)


def test_a_member_waiting_for_an_earlier_time_only_matches_earlier_slots() -> None:
    entry = _entry(1, reason=WaitReason.WANTS_EARLIER)
    entry.earlier_than = datetime(2026, 6, 3, 10, tzinfo=LOS_ANGELES)
    assert matches(entry, _slot(day=2), ANY, LOS_ANGELES)
    assert not matches(entry, _slot(day=3, hour=10), ANY, LOS_ANGELES)


def test_preferences_refuse_impossible_days_and_windows() -> None:
    with pytest.raises(InvalidInput):
        Preferences(weekdays=(7,))
    with pytest.raises(InvalidInput):
        Preferences(earliest=time(12), latest=time(9))
