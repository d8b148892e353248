"""Process tuning for long in-memory runs (the simulator and the benchmarks)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# A booking allocates a handful of small records and undo entries. With CPython's default
# thresholds (700, 10, 10) a region of ~740,000 slots is re-traversed by full collections
# every few thousand bookings; measured here that cost ~20 % of booking throughput.
YOUNG_THRESHOLD = 100_000
OLDER_THRESHOLDS = (50, 100)


def settle_heap() -> None:
    """Move everything built so far (the region, its slots) out of the collector's way and
    collect young objects less often. Call once, after setup, before the long loop. What
    an earlier run froze is looked at again first, so its garbage does not outlive it."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)


@contextmanager
def collector_paused() -> Iterator[None]:
    """A simulated run without the cyclic collector: its records live to the end and form
    no cycles (a collection after a run finds nothing unreachable), so each young
    collection only re-examined survivors, ~7 % of a run's CPU time (ADR 0014)."""
    settle_heap()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Frozen first: else the first allocation after `enable` would examine every
        # record the run made, all counted as young (seconds at full scale).
        gc.freeze()
        if was_enabled:
            gc.enable()
