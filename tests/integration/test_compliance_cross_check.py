"""The headline rates of the compliance report, recomputed from the raw rows by plain SQL.

The report classifies requests in Python (domain.compliance); this test asks the database
the same question its own way and must get the same numbers, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import Connection, Engine, bindparam, text

from parity.adapters.sql.column_types import UtcDateTime
from parity.adapters.sql.unit_of_work import SqlUnitOfWork
from parity.bootstrap import build_simulation
from parity.config import Settings
from parity.domain.standards import RuleSet
from parity.services.compliance_report import build_report
from parity.services.reporting import Period

START = date(2026, 3, 2)
WEEKS = 3

# The rule (docs/adr/0013-evidence-a-regulator-accepts.md), asked of the rows in SQL: an
# offer counts when answered or open, or expired with its message delivered, and never for
# a time before the clock start; after the last clinic cancellation only offers made
# promptly (by `reoffer_windows.by`, the rule file's figure computed per cancellation) and
# not the one that made the cancelled visit count; a referral without an answered timely
# offer is a referral; the member's own later date is a hit only after a timely offer made
# before it (2026-12-07 evening); a withdrawal is not counted.
CLASSIFIED = """
WITH requests AS (
    SELECT id, standard, clock_start, preference_recorded_at, withdrawn_at,
           CASE WHEN extended_deadline IS NOT NULL AND extended_deadline > deadline
                THEN extended_deadline ELSE deadline END AS effective_deadline
      FROM care_requests
     WHERE requested_at >= :start AND requested_at < :end
), counted AS (
    SELECT o.* FROM offers o JOIN care_requests r ON r.id = o.request_id
     WHERE o.slot_start >= r.clock_start
       AND (o.response <> 'expired' OR EXISTS (
            SELECT 1 FROM messages m WHERE m.kind = 'offer' AND m.status = 'sent'
               AND m.key = 'offer:' || CAST(o.id AS VARCHAR(20))))
), eligible AS (
    SELECT c.* FROM counted c
      LEFT JOIN reoffer_windows w ON w.request_id = c.request_id
     WHERE w.request_id IS NULL
        OR (c.offered_at >= w.cancelled_at AND c.offered_at <= w.prompt_by
            AND NOT EXISTS (SELECT 1 FROM appointments a
                             WHERE a.request_id = c.request_id AND a.cancelled_by = 'clinic'
                               AND a.slot_id = c.slot_id AND c.offered_at <= a.booked_at))
), verdicts AS (
    SELECT r.id,
           CASE WHEN r.standard IN ('urgent', 'urgent-prior-auth') THEN 'urgent' ELSE 'non-urgent' END AS class,
           CASE
             WHEN EXISTS (SELECT 1 FROM eligible e WHERE e.request_id = r.id
                           AND e.slot_start <= r.effective_deadline AND e.response <> 'expired') THEN 'hit'
             WHEN EXISTS (SELECT 1 FROM referrals x WHERE x.request_id = r.id) THEN 'referred'
             WHEN EXISTS (SELECT 1 FROM eligible e WHERE e.request_id = r.id
                           AND e.slot_start <= r.effective_deadline) THEN 'hit'
             WHEN w.request_id IS NOT NULL THEN
                  CASE WHEN :now <= w.judge_by THEN 'pending' ELSE 'miss' END
             WHEN r.preference_recorded_at IS NOT NULL AND EXISTS (
                  SELECT 1 FROM eligible e WHERE e.request_id = r.id
                     AND e.slot_start <= r.effective_deadline
                     AND e.offered_at <= r.preference_recorded_at) THEN 'hit'
             WHEN r.withdrawn_at IS NOT NULL AND r.withdrawn_at <= r.effective_deadline THEN 'withdrawn'
             WHEN NOT EXISTS (SELECT 1 FROM counted c WHERE c.request_id = r.id)
                  AND :now <= r.effective_deadline THEN 'pending'
             ELSE 'miss'
           END AS verdict
      FROM requests r
      LEFT JOIN reoffer_windows w ON w.request_id = r.id
)
SELECT class, verdict, COUNT(*) AS n FROM verdicts GROUP BY 1, 2
"""

LAST_CLINIC_CANCELLATIONS = """
SELECT a.request_id, a.cancelled_at, r.deadline, r.extended_deadline
  FROM appointments a JOIN care_requests r ON r.id = a.request_id
 WHERE a.cancelled_by = 'clinic' AND a.status = 'cancelled'
"""


def _reoffer_windows(connection: Connection, rules: RuleSet) -> None:
    """Per request, its last clinic cancellation and the last instant a new offer is
    prompt (the rule file's business-day figure, on the state's calendar)."""
    latest: dict[int, tuple[datetime, datetime]] = {}
    for request_id, cancelled_at, deadline, extended in connection.execute(
        text(LAST_CLINIC_CANCELLATIONS).columns(
            cancelled_at=UtcDateTime(), deadline=UtcDateTime(), extended_deadline=UtcDateTime()
        )
    ):
        effective = max(deadline, extended) if extended is not None else deadline
        if request_id not in latest or cancelled_at > latest[request_id][0]:
            latest[request_id] = (cancelled_at, effective)
    connection.execute(
        text(
            "CREATE TEMPORARY TABLE reoffer_windows (request_id INTEGER PRIMARY KEY,"
            " cancelled_at TIMESTAMP WITH TIME ZONE, prompt_by TIMESTAMP WITH TIME ZONE,"
            " judge_by TIMESTAMP WITH TIME ZONE)"
        )
    )
    insert = text(
        "INSERT INTO reoffer_windows VALUES (:request_id, :cancelled_at, :prompt_by, :judge_by)"
    ).bindparams(
        bindparam("cancelled_at", type_=UtcDateTime()),
        bindparam("prompt_by", type_=UtcDateTime()),
        bindparam("judge_by", type_=UtcDateTime()),
    )
    for request_id, (cancelled_at, effective) in latest.items():
        prompt_by = rules.reoffer_by(cancelled_at)
        connection.execute(
            insert,
            {
                "request_id": request_id,
                "cancelled_at": cancelled_at,
                "prompt_by": prompt_by,
                "judge_by": min(prompt_by, effective),
            },
        )


def test_the_headline_rates_match_an_independent_sql_count(engine: Engine) -> None:
    settings = Settings(region="demo", seed=11)
    simulation, _ = build_simulation(
        settings, weeks=WEEKS, scale=0.5, warmup_weeks=0, start=START, uow=SqlUnitOfWork(engine)
    )
    simulation.run()
    tz = simulation.policy.rules.timezone
    window = Period(START, simulation.config.end)
    now = datetime.combine(simulation.config.end, time(0), tzinfo=tz)
    report = build_report(SqlUnitOfWork(engine), simulation.policy, window, now)

    statement = text(CLASSIFIED).bindparams(
        bindparam("start", type_=UtcDateTime()),
        bindparam("end", type_=UtcDateTime()),
        bindparam("now", type_=UtcDateTime()),
    )
    start, end = window.instants(simulation.policy)
    counts: dict[tuple[str, str], int] = {}
    with engine.connect() as connection:
        _reoffer_windows(connection, simulation.policy.rules)
        for cls, verdict, n in connection.execute(
            statement, {"start": start, "end": end, "now": now}
        ):
            counts[(cls, verdict)] = int(n)
    assert sum(counts.values()) == len(report.rows) > 50
    for check in report.checks:
        hits = counts.get((check.name, "hit"), 0)
        misses = counts.get((check.name, "miss"), 0) + counts.get((check.name, "referred"), 0)
        assert check.decided == hits + misses
        assert check.share == (pytest.approx(hits / (hits + misses)) if hits + misses else None)
    referred = sum(n for (_, verdict), n in counts.items() if verdict == "referred")
    assert report.headline()["out_of_network_referrals"] == referred
