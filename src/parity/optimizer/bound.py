"""The bound: the exact maximum number of requests the free capacity can serve in time.

It is a maximum bipartite matching between requests and the slots each may take before
its deadline (every hard rule that concerns one request and one slot), computed as a
maximum flow with OR-Tools on the lean network: the same pool trees as the optimizer,
without costs. Rules *between* a member's open requests (same-day limit, course spacing)
are relaxed here, so no schedule can place more than the bound; `solve` reports its gap
against it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from parity.optimizer.catalog import Catalog
from parity.optimizer.feasibility import HardRules
from parity.optimizer.graph import maximum_flow
from parity.optimizer.network import SINK, SOURCE, NetworkBuilder
from parity.optimizer.problem import OptimizerRequest, Problem
from parity.optimizer.reach import Reaches


def placeable(reaches: Reaches, requests: Sequence[OptimizerRequest]) -> int:
    """How many of `requests` a maximum matching places in the catalog's free slots."""
    catalog = reaches.catalog
    builder = NetworkBuilder(catalog, np.ones(len(catalog), dtype=bool), len(requests) + 1)
    targets = [builder.targets(reaches.lean(r)) for r in requests]
    classes = builder.add_requests(targets, [0] * len(requests))
    builder.add_sink(None)
    tails, heads, capacities, _ = builder.build(classes).arcs
    return maximum_flow(tails, heads, capacities, SOURCE, SINK)


def bound(problem: Problem) -> int:
    """The most requests of `problem` any schedule can place before their deadlines."""
    rules = HardRules(problem)
    return placeable(Reaches(Catalog(problem, rules), rules), problem.requests)
