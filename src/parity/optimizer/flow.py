"""The assignment as a min-cost maximum flow, and reading placements back out of it.

The flow sends as many requests as the free capacity allows (the maximum flow, which is
the bound) and, among all such flows, the cheapest one: a request's arc from the source
costs `top - unplaced_cost`, so placing the requests whose deadlines are nearest saves
most, and its arcs into the trees carry the soft costs. Count first, then cost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from parity.optimizer.catalog import Catalog, IntArray
from parity.optimizer.costs import CostBand, caseload_bands
from parity.optimizer.graph import min_cost_maximum_flow
from parity.optimizer.network import FIRST_SLOT_NODE, SINK, SOURCE, Network, NetworkBuilder
from parity.optimizer.problem import OptimizerRequest
from parity.optimizer.reach import Reaches


@dataclass(frozen=True)
class FlowResult:
    """Placements (request position -> slot index) and the size of the network solved."""

    placed: dict[int, int]
    value: int
    cost: int
    nodes: int
    arcs: int
    classes: int


def clinician_bands(catalog: Catalog, placed: Iterable[int] = ()) -> dict[int, list[CostBand]]:
    """Each clinician's caseload bands: pinned bookings (and `placed` slots) already in,
    every slot of the horizon bookable."""
    clinicians = len(catalog.clinician_ids)
    pinned = Counter(
        catalog.position[p.clinician_id]
        for p in catalog.problem.pinned
        if p.clinician_id in catalog.position
    )
    booked = Counter(int(catalog.clinician[s]) for s in placed)
    free = np.bincount(catalog.clinician, minlength=clinicians)
    weights = catalog.problem.weights
    return {
        i: caseload_bands(pinned[i] + booked[i], pinned[i] + int(free[i]), weights)
        for i in range(clinicians)
    }


def priced_network(
    reaches: Reaches,
    requests: Sequence[OptimizerRequest],
    medium: Sequence[int],
    bands: dict[int, list[CostBand]],
    available: npt.NDArray[np.bool_],
    *,
    late: bool = False,
) -> Network:
    """The network with every soft cost on it, for timely placements or late proposals."""
    builder = NetworkBuilder(reaches.catalog, available, len(requests) + 1)
    targets = [
        builder.targets(reaches.priced(r, late=late), None if late else reaches.offered(r))
        for r in requests
    ]
    classes = builder.add_requests(targets, medium)
    builder.add_sink(bands)
    return builder.build(classes)


def solve_flow(network: Network, supply: int) -> FlowResult:
    """Solve the min-cost maximum flow and decompose it into one slot per request."""
    value, cost, flows = min_cost_maximum_flow(network.arcs, SOURCE, SINK, supply)
    placed = decompose(network, flows)
    return FlowResult(
        placed, value, cost, network.node_count, len(network.arcs[0]), len(network.classes)
    )


def decompose(network: Network, flows: IntArray) -> dict[int, int]:
    """Follow each unit of flow from its class node down to a slot.

    Flow is conserved at every tree node, so a walk that always takes an arc with flow
    left reaches a slot; taking one unit off each arc it uses keeps that true for the rest.
    """
    tails, heads, _, _ = network.arcs
    used = np.flatnonzero(flows > 0)
    order = used[np.argsort(tails[used], kind="stable")]
    sorted_tails = tails[order]
    starts = np.searchsorted(sorted_tails, np.arange(network.node_count + 1)).tolist()
    heads_left: list[int] = heads[order].tolist()
    left: list[int] = flows[order].tolist()
    cursor: list[int] = starts[:-1]
    placed: dict[int, int] = {}
    for offset, members in enumerate(network.classes):
        node = network.first_class_node + offset
        for member in members:
            if cursor[node] >= starts[node + 1]:
                break
            placed[member] = _walk(node, network, cursor, heads_left, left) - FIRST_SLOT_NODE
    return placed


def _walk(node: int, network: Network, cursor: list[int], heads: list[int], left: list[int]) -> int:
    while not network.is_slot(node):
        arc = cursor[node]
        left[arc] -= 1
        if left[arc] == 0:
            cursor[node] = arc + 1
        node = heads[arc]
    return node
