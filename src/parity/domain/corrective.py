"""The corrective-action plan: findings from metric breaches, and the actions that answer them.

A network below the monitoring threshold must investigate and file a corrective action
plan (28 CCR §1300.67.2.2(d)); each finding keeps the metric that triggered it so its trend
can be followed, and each action has an owner, a due date and a status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from parity.domain.errors import InvalidInput, InvalidTransition


class FindingStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(slots=True)
class Finding:
    """A breach: a metric for a scope (clinic, standard class, month) below its threshold."""

    metric: str
    clinic_id: str
    standard_class: str
    period: str
    value: float
    threshold: float
    detected_at: datetime
    status: FindingStatus = FindingStatus.OPEN
    note: str = ""
    id: int = 0

    @property
    def scope(self) -> str:
        return f"{self.metric}|{self.clinic_id}|{self.standard_class}|{self.period}"


@dataclass(slots=True)
class Action:
    finding_id: int
    description: str
    owner: str
    due: date
    status: ActionStatus = ActionStatus.PLANNED
    updated_at: datetime | None = None
    id: int = 0

    def __post_init__(self) -> None:
        if not self.description.strip() or not self.owner.strip():
            raise InvalidInput("a corrective action needs a description and an owner")

    def is_overdue(self, today: date) -> bool:
        return self.status in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS) and today > self.due

    def move_to(self, status: ActionStatus, at: datetime) -> None:
        if self.status in (ActionStatus.DONE, ActionStatus.CANCELLED):
            raise InvalidTransition(f"action {self.id} is already {self.status}")
        self.status = status
        self.updated_at = at


def breaches(
    shares: dict[tuple[str, str, str], tuple[float | None, int]],
    thresholds: dict[str, float],
    minimum_decided: int,
    detected_at: datetime,
) -> list[Finding]:
    """Open findings for the network × class × measurement-year survey rates below their
    class's threshold, with enough provider answers to judge (the share kept to 4 places).

    `shares` maps (network, class, year) to (share within standard, provider answers).
    """
    found = []
    for (clinic, standard_class, year), (share, decided) in sorted(shares.items()):
        threshold = thresholds[standard_class]
        if share is not None and decided >= minimum_decided and share < threshold:
            found.append(
                Finding(
                    metric=f"{standard_class} survey rate",
                    clinic_id=clinic,
                    standard_class=standard_class,
                    period=year,
                    value=round(share, 4),
                    threshold=threshold,
                    detected_at=detected_at,
                )
            )
    return found
