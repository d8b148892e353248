"""The event queue read by day (simulation/events.py): drained in windows that cut days in
two, with events pushed while a day is being read, it hands out exactly what one sorted
list of every event would, in the same order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from parity.simulation.events import EventQueue, VisitDue

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
MINUTES = 6 * 24 * 60


@settings(max_examples=150, deadline=None)
@given(
    first=st.lists(st.integers(0, MINUTES), max_size=40),
    # Pushed while an event is handed out: (after which event, minutes after it).
    later=st.lists(st.tuples(st.integers(0, 80), st.integers(0, 3 * 24 * 60)), max_size=40),
    windows=st.lists(st.integers(1, 40 * 60), min_size=1, max_size=12),
)
def test_windows_and_pushes_while_reading_give_the_order_of_one_sorted_list(
    first: list[int], later: list[tuple[int, int]], windows: list[int]
) -> None:
    queue = EventQueue()
    # The reference: (minute, number pushed) for every event, taken out smallest first.
    pending: list[tuple[int, int]] = []
    pushed = 0
    for minutes in first:
        queue.push(START + timedelta(minutes=minutes), VisitDue(pushed))
        pending.append((minutes, pushed))
        pushed += 1
    handed = 0
    until = 0
    for window in [*windows, 10 * MINUTES]:  # the last window takes whatever is left
        until += window
        for when, event in queue.pop_before(START + timedelta(minutes=until)):
            expected = min(pending)
            assert (when, event) == (START + timedelta(minutes=expected[0]), VisitDue(expected[1]))
            pending.remove(expected)
            for after, minutes in later:
                if after == handed:
                    at = expected[0] + minutes
                    queue.push(START + timedelta(minutes=at), VisitDue(pushed))
                    pending.append((at, pushed))
                    pushed += 1
            handed += 1
        assert all(minute >= until for minute, _ in pending) or until >= 10 * MINUTES
        assert len(queue) == len(pending)
    assert pending == []
    assert len(queue) == 0


def test_an_event_pushed_for_the_instant_being_read_comes_after_those_pushed_before_it() -> None:
    queue = EventQueue()
    queue.push(START, VisitDue(1))
    queue.push(START + timedelta(minutes=5), VisitDue(2))
    seen = []
    for when, event in queue.pop_before(START + timedelta(hours=1)):
        seen.append(event)
        if event == VisitDue(1):
            queue.push(when, VisitDue(3))  # the same instant: after the one being handled
            queue.push(when + timedelta(minutes=5), VisitDue(4))  # tie with 2: pushed later
    assert seen == [VisitDue(1), VisitDue(3), VisitDue(2), VisitDue(4)]
