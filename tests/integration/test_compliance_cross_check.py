"""The headline rates of the compliance report, recomputed from the raw rows by plain SQL.

The report classifies requests in Python (domain.compliance); this test asks the database
the same question its own way and must get the same numbers, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import Engine, bindparam, text

from parity.adapters.sql.column_types import UtcDateTime
from parity.adapters.sql.unit_of_work import SqlUnitOfWork
from parity.bootstrap import build_simulation
from parity.config import Settings
from parity.services.compliance_report import build_report
from parity.services.reporting import Window

START = date(2026, 3, 2)
WEEKS = 3

CLASSIFIED = """
WITH first_offer AS (
    SELECT request_id, MIN(slot_start) AS first_start FROM offers GROUP BY request_id
), clinic_cancelled AS (
    SELECT DISTINCT request_id FROM appointments WHERE cancelled_by = 'clinic'
), referred AS (
    SELECT DISTINCT request_id FROM referrals
), requests AS (
    SELECT id, standard,
           CASE WHEN extended_deadline IS NOT NULL AND extended_deadline > deadline
                THEN extended_deadline ELSE deadline END AS effective_deadline
      FROM care_requests
     WHERE requested_at >= :start AND requested_at < :end
)
SELECT CASE WHEN r.standard IN ('urgent', 'urgent-prior-auth') THEN 'urgent' ELSE 'non-urgent' END AS class,
       CASE WHEN c.request_id IS NOT NULL THEN 'miss'
            WHEN f.first_start IS NOT NULL AND f.first_start <= r.effective_deadline THEN 'hit'
            WHEN x.request_id IS NOT NULL THEN 'miss'
            WHEN f.first_start IS NULL AND :now <= r.effective_deadline THEN 'pending'
            ELSE 'miss' END AS verdict,
       COUNT(*) AS n
  FROM requests r
  LEFT JOIN first_offer f ON f.request_id = r.id
  LEFT JOIN clinic_cancelled c ON c.request_id = r.id
  LEFT JOIN referred x ON x.request_id = r.id
 GROUP BY 1, 2
"""


def test_the_headline_rates_match_an_independent_sql_count(engine: Engine) -> None:
    settings = Settings(region="demo", seed=11)
    simulation, _ = build_simulation(
        settings, weeks=WEEKS, scale=0.5, warmup_weeks=0, start=START, uow=SqlUnitOfWork(engine)
    )
    simulation.run()
    tz = simulation.policy.rules.timezone
    window = Window(START, simulation.config.end)
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
        for cls, verdict, n in connection.execute(
            statement, {"start": start, "end": end, "now": now}
        ):
            counts[(cls, verdict)] = int(n)

    assert sum(counts.values()) == len(report.rows) > 50
    for check in report.checks:
        hits = counts.get((check.name, "hit"), 0)
        misses = counts.get((check.name, "miss"), 0)
        assert check.decided == hits + misses
        assert check.share == (pytest.approx(hits / (hits + misses)) if hits + misses else None)
    referrals = report.headline()["out_of_network_referrals"]
    with engine.connect() as connection:
        raw = connection.execute(
            text(
                "SELECT COUNT(DISTINCT f.request_id) FROM referrals f JOIN care_requests r ON r.id = f.request_id"
                " LEFT JOIN (SELECT request_id, MIN(slot_start) AS s FROM offers GROUP BY request_id) o"
                " ON o.request_id = r.id"
                " WHERE r.requested_at >= :start AND r.requested_at < :end"
                " AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.request_id = r.id AND a.cancelled_by = 'clinic')"
                " AND (o.s IS NULL OR o.s > CASE WHEN r.extended_deadline > r.deadline"
                " THEN r.extended_deadline ELSE r.deadline END)"
            ).bindparams(
                bindparam("start", type_=UtcDateTime()), bindparam("end", type_=UtcDateTime())
            ),
            {"start": start, "end": end},
        ).scalar_one()
    assert referrals == raw
