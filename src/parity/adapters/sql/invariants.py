"""The booking invariants, counted in SQL of their own (not through the repositories), so
that a check does not share a bug with what it checks (docs/adr/0006, 0008): no slot
booked twice, nothing booked in protected time, nothing half-written. Each query counts
the rows that break its rule; every count is 0 in a sound database. The crash-recovery
test and bench/bench_load.py both ask them."""

from __future__ import annotations

from sqlalchemy import Connection, text

DOUBLE_BOOKINGS = "double bookings"
IN_PROTECTED_TIME = "bookings in protected time"

# Rows whose companions a transaction wrote together, found without them.
HALF_WRITTEN: dict[str, str] = {
    "booked appointments whose slot is not busy": """
        SELECT count(*) FROM appointments a JOIN slots s ON s.id = a.slot_id
         WHERE a.status = 'booked' AND s.status <> 'busy'""",
    # A busy slot stands for a live appointment, unless PTO took it (its visit moved)
    # or it is an urgent slot laid over another of the same clinician and start.
    "busy slots without a live appointment": """
        SELECT count(*) FROM slots s WHERE s.status = 'busy' AND NOT EXISTS (
            SELECT 1 FROM appointments a WHERE a.slot_id = s.id AND a.status <> 'cancelled')
          AND NOT EXISTS (
            SELECT 1 FROM availability_exceptions x
             WHERE x.clinician_id = s.clinician_id AND x.kind = 'pto'
               AND x.withdrawn_at IS NULL AND x.start <= s.start AND s."end" <= x."end")
          AND NOT EXISTS (
            SELECT 1 FROM slots r WHERE r.clinician_id = s.clinician_id
               AND r.start = s.start AND r.id <> s.id AND s.kind = 'urgent')""",
    "held slots without an active hold": """
        SELECT count(*) FROM slots s WHERE s.status = 'busy-tentative' AND NOT EXISTS (
            SELECT 1 FROM holds h WHERE h.slot_id = s.id AND h.status = 'active')""",
    "active holds whose slot is not held": """
        SELECT count(*) FROM holds h JOIN slots s ON s.id = h.slot_id
         WHERE h.status = 'active' AND s.status <> 'busy-tentative'""",
    "booked requests without their booked appointment": """
        SELECT count(*) FROM care_requests r WHERE r.status = 'booked' AND NOT EXISTS (
            SELECT 1 FROM appointments a WHERE a.request_id = r.id AND a.status <> 'cancelled')""",
}
CHECKS: dict[str, str] = {
    DOUBLE_BOOKINGS: """
        SELECT count(*) FROM (SELECT slot_id FROM appointments WHERE status = 'booked'
                              GROUP BY slot_id HAVING count(*) > 1) AS doubled""",
    IN_PROTECTED_TIME: """
        SELECT count(*) FROM appointments a JOIN protected_times p
          ON p.clinician_id = a.clinician_id AND p.start < a."end" AND a.start < p."end"
         WHERE a.status <> 'cancelled'""",
    **HALF_WRITTEN,
}


def broken(connection: Connection) -> dict[str, int]:
    """Each check's count of rows breaking its rule (`CHECKS`, by name)."""
    return {name: int(connection.execute(text(sql)).scalar_one()) for name, sql in CHECKS.items()}


def half_written(counts: dict[str, int]) -> int:
    """The half-written rows among `broken`'s counts."""
    return sum(counts[name] for name in HALF_WRITTEN)
