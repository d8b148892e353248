"""Build the flow network: source -> request classes -> pool trees -> slots -> sink.

Requests with the same targets and the same medium cost are one *class* node whose supply
is their number (a backlog has many look-alike requests). Each class has arcs to the tree
nodes covering its windows, priced by `reach`; tree nodes flow to their children, leaves to
the slots that start at that instant, each slot (capacity 1) to its clinician, and each
clinician to the sink through caseload bands of rising cost (a convex cost, still a flow).
The lean variant used for the bound has no costs and sends slots straight to the sink.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from parity.optimizer.catalog import Catalog, IntArray, PoolKey
from parity.optimizer.costs import CostBand
from parity.optimizer.reach import SlotReach
from parity.optimizer.trees import TimeTree

SOURCE = 0
SINK = 1
FIRST_SLOT_NODE = 2
Targets = dict[int, int]
Arcs = tuple[IntArray, IntArray, IntArray, IntArray]


@dataclass(frozen=True)
class Network:
    """A built network: arcs as arrays, and which requests each class node stands for."""

    arcs: Arcs
    node_count: int
    classes: tuple[tuple[int, ...], ...]
    first_class_node: int
    slot_count: int

    def is_slot(self, node: int) -> bool:
        return FIRST_SLOT_NODE <= node < FIRST_SLOT_NODE + self.slot_count


class NetworkBuilder:
    """Lays out nodes and arcs; trees are built only for pools some request reaches."""

    def __init__(self, catalog: Catalog, available: npt.NDArray[np.bool_], ceiling: int) -> None:
        self.catalog = catalog
        self.available = available
        self.ceiling = max(1, ceiling)  # an "unbounded" capacity: more than all requests
        self.next_node = FIRST_SLOT_NODE + len(catalog)
        self.trees: dict[PoolKey, TimeTree | None] = {}
        self.chunks: list[Arcs] = []
        self.covers: dict[tuple[PoolKey, int, int], list[int]] = {}
        self.first_class_node = self.next_node
        # An empty source-sink arc: both nodes exist even when nothing else does.
        self._add_rows([(SOURCE, SINK, 0, 0)])

    def _add(self, tails: IntArray, heads: IntArray, capacity: IntArray | int, cost: int) -> None:
        size = len(tails)
        capacities = np.broadcast_to(np.asarray(capacity, dtype=np.int64), (size,))
        self.chunks.append((tails, heads, capacities, np.full(size, cost, dtype=np.int64)))

    def tree(self, key: PoolKey) -> TimeTree | None:
        if key not in self.trees:
            self.trees[key] = self._build_tree(key)
        return self.trees[key]

    def _build_tree(self, key: PoolKey) -> TimeTree | None:
        pool = self.catalog.pool(key)
        if pool is None:
            return None
        pool = pool[self.available[pool]]
        if not len(pool):
            return None
        starts = self.catalog.start[pool]  # pools are sorted by start
        distinct = starts[np.concatenate(([True], starts[1:] != starts[:-1]))]
        tree = TimeTree(distinct, self.next_node - 1)
        self.next_node += tree.node_count - 1
        self._add(*tree.inner_arcs(), self.ceiling, 0)
        self._add(tree.leaves_of(starts), pool + FIRST_SLOT_NODE, 1, 0)
        return tree

    def targets(
        self, reaches: Sequence[SlotReach], direct: tuple[int, int] | None = None
    ) -> Targets:
        """Tree nodes (and an offered slot) a request flows into, each at its least cost."""
        found: Targets = {}
        for reach in reaches:
            for node in self._cover(reach):
                found[node] = min(reach.cost, found.get(node, reach.cost))
        if direct is not None and self.available[direct[0]]:
            found[direct[0] + FIRST_SLOT_NODE] = direct[1]
        return found

    def _cover(self, reach: SlotReach) -> list[int]:
        key = (reach.pool, reach.low, reach.high)
        if key not in self.covers:
            tree = self.tree(reach.pool)
            self.covers[key] = [] if tree is None else tree.covering(reach.low, reach.high)
        return self.covers[key]

    def add_requests(self, targets: Sequence[Targets], medium: Sequence[int]) -> list[list[int]]:
        """One class node per distinct (targets, medium cost); returns members per class."""
        grouped: defaultdict[tuple[int, tuple[tuple[int, int], ...]], list[int]] = defaultdict(list)
        for index, (found, cost) in enumerate(zip(targets, medium, strict=True)):
            if found:
                grouped[(cost, tuple(sorted(found.items())))].append(index)
        top = max(medium, default=0)
        self.first_class_node = self.next_node
        rows: list[tuple[int, int, int, int]] = []
        for (cost, arcs), members in grouped.items():
            node, size = self.next_node, len(members)
            self.next_node += 1
            rows.append((SOURCE, node, size, top - cost))
            rows += [(node, head, size, arc_cost) for head, arc_cost in arcs]
        self._add_rows(rows)
        return list(grouped.values())

    def _add_rows(self, rows: list[tuple[int, int, int, int]]) -> None:
        table = np.array(rows, dtype=np.int64).reshape(-1, 4)
        self.chunks.append((table[:, 0], table[:, 1], table[:, 2], table[:, 3]))

    def add_sink(self, bands: dict[int, list[CostBand]] | None) -> None:
        """Slots to the sink: straight (lean), or via their clinician's caseload bands."""
        slots = np.flatnonzero(self.available).astype(np.int64)
        if bands is None:
            self._add(slots + FIRST_SLOT_NODE, np.full(len(slots), SINK), 1, 0)
            return
        first_clinician = self.next_node
        self.next_node += len(self.catalog.clinician_ids)
        self._add(slots + FIRST_SLOT_NODE, self.catalog.clinician[slots] + first_clinician, 1, 0)
        self._add_rows(
            [
                (first_clinician + clinician, SINK, band.capacity, band.cost)
                for clinician, clinician_bands in bands.items()
                for band in clinician_bands
                if band.capacity
            ]
        )

    def build(self, classes: list[list[int]]) -> Network:
        joined = [np.concatenate([c[i] for c in self.chunks]) for i in range(4)]
        arcs: Arcs = (joined[0], joined[1], joined[2], joined[3])
        return Network(
            arcs,
            self.next_node,
            tuple(tuple(members) for members in classes),
            self.first_class_node,
            len(self.catalog),
        )
