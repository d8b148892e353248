"""The simulator's event queue hands out events in time order, ties in the order pushed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from parity.simulation.events import Arrival, EventQueue, VisitDue

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@settings(max_examples=100, deadline=None)
@given(offsets=st.lists(st.integers(0, 10 * 24 * 60), max_size=60))
def test_events_come_out_in_time_order_with_ties_in_push_order(offsets: list[int]) -> None:
    queue = EventQueue()
    for number, minutes in enumerate(offsets):
        queue.push(START + timedelta(minutes=minutes), VisitDue(number))
    out = list(queue.pop_before(START + timedelta(days=11)))
    expected = sorted(range(len(offsets)), key=lambda n: (offsets[n], n))
    assert [event for _, event in out] == [VisitDue(n) for n in expected]
    assert len(queue) == 0


def test_only_events_before_the_limit_come_out_and_the_rest_wait() -> None:
    queue = EventQueue()
    queue.push(START + timedelta(days=2), VisitDue(2))
    queue.push(START, VisitDue(1))
    assert [e for _, e in queue.pop_before(START + timedelta(days=1))] == [VisitDue(1)]
    assert len(queue) == 1
    assert [e for _, e in queue.pop_before(START + timedelta(days=3))] == [VisitDue(2)]


def test_an_event_pushed_while_draining_comes_out_in_its_place() -> None:
    queue = EventQueue()
    queue.push(START, VisitDue(1))
    queue.push(START + timedelta(hours=3), Arrival())
    seen = []
    for when, event in queue.pop_before(START + timedelta(days=1)):
        seen.append(event)
        if event == VisitDue(1):
            queue.push(when + timedelta(hours=1), VisitDue(2))
            queue.push(when + timedelta(days=2), VisitDue(3))
    assert seen == [VisitDue(1), VisitDue(2), Arrival()]
    assert len(queue) == 1
