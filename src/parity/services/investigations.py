"""A manager opens a finding from any dashboard row (docs/adr/0016-pages-for-each-role.md):
the clinic × class over the window shown, measured from the evidence rows themselves (never
from the page's figures), kept as a finding the action plan works from. A period is written
`YYYY-MM-DD..YYYY-MM-DD` ([start, end)) beside the detector's months (`YYYY-MM`)."""

from __future__ import annotations

from datetime import date

from parity.domain.corrective import Finding, FindingStatus
from parity.domain.errors import InvalidInput, InvalidTransition
from parity.domain.metrics import EvidenceRow, group
from parity.domain.ports import Clock, UnitOfWork
from parity.services.policy import Policy
from parity.services.reporting import Period

CLASSES = ("urgent", "non-urgent")


def period_of(window: Period) -> str:
    return f"{window.start.isoformat()}..{window.end.isoformat()}"


def window_of(period: str) -> Period:
    """The [start, end) of a finding's period: a month `YYYY-MM` or `start..end`."""
    if ".." in period:
        start, _, end = period.partition("..")
        return Period(date.fromisoformat(start), date.fromisoformat(end))
    year, month = (int(part) for part in period.split("-"))
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(date(year, month, 1), following)


def open_finding(
    clinic_id: str,
    standard_class: str,
    window: Period,
    rows: list[EvidenceRow],
    uow: UnitOfWork,
    policy: Policy,
    clock: Clock,
) -> Finding:
    """Open a finding for one clinic × class over `window`, measured from `rows`; refused
    when nothing there was decided or the same finding is already open."""
    if standard_class not in CLASSES:
        raise InvalidInput(f"class must be urgent or non-urgent, got {standard_class!r}")
    # The law's classes only: plan-policy requests are not in them (ADR 0013, 2026-12-07).
    legal = (r for r in rows if not r.plan_policy)
    metric = group(legal, "clinic", "class").get((clinic_id, standard_class))
    share = metric.share_within_standard if metric else None
    if share is None:
        raise InvalidInput(f"no {standard_class} request at {clinic_id} was decided in this window")
    threshold = policy.rules.threshold(standard_class)
    finding = Finding(
        f"{standard_class} compliance",
        clinic_id,
        standard_class,
        period_of(window),
        round(share, 4),
        threshold,
        clock.now(),
    )
    with uow:
        if any(
            f.scope == finding.scope and f.status is FindingStatus.OPEN for f in uow.findings.list()
        ):
            raise InvalidTransition(
                f"a finding for {clinic_id}, {standard_class}, {finding.period} is already open"
            )
        created = uow.findings.add(finding)
        uow.commit()
    return created
