"""A segment tree over a pool's start instants, laid out as flow nodes.

A request may take any slot of a pool that starts within its window. Rather than one arc
per slot (millions at full scale), the pool's distinct start instants are the leaves of a
segment tree whose nodes flow to their children; any window is then the union of at most
2·log2(n) tree nodes, so a request needs that many arcs per pool, and reaches exactly the
slots in its window. Layout: node i (1 <= i < n) has children 2i and 2i + 1; leaf k is
node n + k. This bottom-up layout covers any range exactly for any n, not only powers of
two (each chosen node lies wholly inside the range).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

import numpy as np

from parity.optimizer.catalog import IntArray


class TimeTree:
    """Flow nodes `first + 1 .. first + 2n - 1` over `n` distinct sorted start instants."""

    def __init__(self, times: IntArray, first: int) -> None:
        self.times = times
        self.size = len(times)
        self.first = first
        self._instants: list[int] = times.tolist()  # bisect on a list beats numpy per call

    @property
    def node_count(self) -> int:
        return 2 * self.size

    def inner_arcs(self) -> tuple[IntArray, IntArray]:
        """(tails, heads) from every inner node to its two children."""
        parents = np.arange(1, self.size, dtype=np.int64)
        tails = np.repeat(parents, 2) + self.first
        heads = np.stack([2 * parents, 2 * parents + 1], axis=1).reshape(-1) + self.first
        return tails, heads

    def leaves_of(self, starts: IntArray) -> IntArray:
        """The leaf node of each start instant (every one must be among `times`)."""
        return np.searchsorted(self.times, starts) + self.size + self.first

    def covering(self, low: int, high: int) -> list[int]:
        """The fewest nodes whose leaves are exactly the instants in [low, high]."""
        left = bisect_left(self._instants, low) + self.size
        right = bisect_right(self._instants, high) + self.size
        nodes: list[int] = []
        while left < right:
            if left & 1:
                nodes.append(left + self.first)
                left += 1
            if right & 1:
                right -= 1
                nodes.append(right + self.first)
            left >>= 1
            right >>= 1
        return nodes
