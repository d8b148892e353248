"""Process tuning for long in-memory runs (the simulator and the benchmarks)."""

from __future__ import annotations

import gc

# A booking allocates a handful of small records and undo entries. With CPython's default
# thresholds (700, 10, 10) a region of ~740,000 slots is re-traversed by full collections
# every few thousand bookings; measured here that cost ~20 % of booking throughput.
YOUNG_THRESHOLD = 100_000
OLDER_THRESHOLDS = (50, 100)


def settle_heap() -> None:
    """Move everything built so far (the region, its slots) out of the collector's way and
    collect young objects less often. Call once, after setup, before the long loop."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
