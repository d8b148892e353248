"""Typed doors to OR-Tools' network-flow solvers (their Python bindings ship no type hints).

Both take arcs as arrays; node 0 is not special to them, the caller names source and sink.
"""

from __future__ import annotations

import numpy as np

# OR-Tools' graph bindings carry .pyi stubs but no py.typed marker; everything that
# crosses this module's edge is typed here instead.
from ortools.graph.python import max_flow, min_cost_flow  # type: ignore[import-untyped]

from parity.optimizer.catalog import IntArray


class FlowFailed(RuntimeError):
    """The solver reported something other than an optimum (a bug in the network)."""


def maximum_flow(
    tails: IntArray, heads: IntArray, capacities: IntArray, source: int, sink: int
) -> int:
    """The value of a maximum source-sink flow."""
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(
        tails.astype(np.int32), heads.astype(np.int32), capacities.astype(np.int64)
    )
    status = solver.solve(source, sink)
    if status != solver.OPTIMAL:
        raise FlowFailed(f"max flow ended with status {status}")
    return int(solver.optimal_flow())


def min_cost_maximum_flow(
    arcs: tuple[IntArray, IntArray, IntArray, IntArray], source: int, sink: int, supply: int
) -> tuple[int, int, IntArray]:
    """Among the maximum flows (at most `supply`), one of least cost.

    Returns (flow value, its cost, flow on every arc in the order given).
    """
    tails, heads, capacities, costs = arcs
    solver = min_cost_flow.SimpleMinCostFlow()
    ids = solver.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32),
        heads.astype(np.int32),
        capacities.astype(np.int64),
        costs.astype(np.int64),
    )
    solver.set_node_supply(source, supply)
    solver.set_node_supply(sink, -supply)
    status = solver.solve_max_flow_with_min_cost()
    if status != solver.OPTIMAL:
        raise FlowFailed(f"min-cost flow ended with status {status}")
    flows = np.asarray(solver.flows(ids), dtype=np.int64)
    return int(solver.maximum_flow()), int(solver.optimal_cost()), flows
