"""The bound is exact: a maximum matching over (request, feasible slot) pairs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from optimizer_support import (
    at,
    brute_force_matching,
    clinician,
    feasible_pairs,
    problem,
    problems,
    request,
    slot,
    with_limits,
)

from parity.optimizer.bound import bound
from parity.optimizer.problem import PinnedBooking, Problem
from parity.optimizer.trees import TimeTree


@settings(max_examples=150, deadline=None)
@given(problems())
def test_the_bound_equals_a_brute_force_maximum_matching(p: Problem) -> None:
    assert bound(p) == brute_force_matching(feasible_pairs(p))


def test_the_bound_finds_the_matching_that_moves_a_request_over() -> None:
    # r1 fits Tuesday or Wednesday, r2 only Tuesday: both fit only with r1 on Wednesday.
    tuesday, wednesday = slot(1, "ana", 1, 10), slot(2, "ana", 2, 10)
    flexible, tight = request(1), request(2, deadline=at(1, 23, 59))
    assert bound(problem([clinician("ana")], [tuesday, wednesday], [flexible, tight])) == 2


def test_the_bound_counts_one_slot_once() -> None:
    p = problem([clinician("ana")], [slot(1, "ana", 1, 10)], [request(1), request(2)])
    assert bound(p) == 1


def test_the_bound_of_nothing_is_zero() -> None:
    assert bound(problem([clinician("ana")], [], [request(1)])) == 0
    assert bound(problem([clinician("ana")], [slot(1, "ana", 1, 10)], [])) == 0


def test_the_bound_keeps_a_members_visits_apart_when_two_a_day_are_allowed() -> None:
    pin = PinnedBooking(9, "m1", "ben", at(1, 10, 30), at(1, 11, 30))
    clash, after = slot(1, "ana", 1, 10), slot(2, "ana", 1, 11, minutes=30)
    base = problem([clinician("ana"), clinician("ben")], [clash], [request(1)], pinned=[pin])
    assert bound(with_limits(base, member_visits_per_day=2)) == 0
    fits = problem([clinician("ana"), clinician("ben")], [after], [request(1)], pinned=[pin])
    assert bound(with_limits(fits, member_visits_per_day=2)) == 0
    clear = PinnedBooking(9, "m1", "ben", at(1, 11), at(1, 12))
    ok = problem([clinician("ana"), clinician("ben")], [clash], [request(1)], pinned=[clear])
    assert bound(with_limits(ok, member_visits_per_day=2)) == 1


def _leaves_under(tree: TimeTree, node: int) -> set[int]:
    stack, found = [node - tree.first], set()
    while stack:
        index = stack.pop()
        if index >= tree.size:
            found.add(index - tree.size)
        else:
            stack += [2 * index, 2 * index + 1]
    return found


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 500), min_size=1, max_size=60, unique=True),
    st.integers(-10, 510),
    st.integers(-10, 510),
)
def test_a_tree_covers_exactly_the_instants_in_a_window(
    instants: list[int], low: int, high: int
) -> None:
    tree = TimeTree(np.array(sorted(instants), dtype=np.int64), 100)
    covered = [leaf for node in tree.covering(low, high) for leaf in _leaves_under(tree, node)]
    wanted = [k for k, t in enumerate(sorted(instants)) if low <= t <= high]
    assert sorted(covered) == wanted
