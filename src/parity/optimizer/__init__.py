"""Batch optimizer: `solve(problem, *, time_limit, seed)` and the exact `bound(problem)`.

A pure function over a snapshot (open requests, free slots, pinned bookings, protected
time, PTO): a min-cost maximum flow for the assignment, CP-SAT for the rules that tie a
member's requests together, an exact maximum-flow bound to measure the result against,
and a reason for every request left without a timely slot. See
docs/adr/0004-optimizer-flow-then-cp-sat.md.
"""

from parity.optimizer.bound import bound
from parity.optimizer.problem import (
    Absence,
    Assignment,
    DayPart,
    OptimizerRequest,
    OptimizerSlot,
    PinnedBooking,
    Problem,
    Solution,
    SolveStats,
    Unplaced,
    UnplacedReason,
)
from parity.optimizer.solve import solve
from parity.optimizer.weights import Limits, Weights, config_from_dict

__all__ = [
    "Absence",
    "Assignment",
    "DayPart",
    "Limits",
    "OptimizerRequest",
    "OptimizerSlot",
    "PinnedBooking",
    "Problem",
    "Solution",
    "SolveStats",
    "Unplaced",
    "UnplacedReason",
    "Weights",
    "bound",
    "config_from_dict",
    "solve",
]
