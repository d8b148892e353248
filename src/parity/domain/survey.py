"""The regulator's rate: the Provider Appointment Availability Survey, computed exactly.

28 CCR §1300.67.2.2(b)(12), (d) and (f): a network's rate of compliance is measured by
asking each network provider, on survey dates, for the next available urgent and
non-urgent appointment, and counting the providers whose answer is within the standard.
The 70 % thresholds, findings and the corrective-action plan are judged on this rate, per
network and measurement year. Parity answers the survey from its own schedule: the
earliest slot free at the survey instant (docs/adr/0013-evidence-a-regulator-accepts.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

URGENT, NON_URGENT = "urgent", "non-urgent"


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    """One provider's answer on one survey date for one class of appointment."""

    network: str
    clinician_id: str
    surveyed_at: datetime
    appointment_class: str
    standard: str
    next_available: datetime | None
    deadline: datetime

    @property
    def within(self) -> bool:
        return self.next_available is not None and self.next_available <= self.deadline

    @property
    def year(self) -> int:
        return self.surveyed_at.year


@dataclass(frozen=True, slots=True)
class SurveyRate:
    """The share of provider answers within the standard, for a network, year and class."""

    network: str
    year: int
    appointment_class: str
    answers: int
    within: int
    threshold: float
    # Whether this measurement year is judged against the threshold at all (from 2023,
    # 28 CCR §1300.67.2.2(b)(12)); a year before it is reported, never passed or failed.
    in_force: bool = True

    @property
    def share(self) -> float | None:
        return self.within / self.answers if self.answers else None

    @property
    def passed(self) -> bool | None:
        share = self.share
        return None if share is None or not self.in_force else share >= self.threshold

    def as_dict(self) -> dict[str, object]:
        share = self.share
        return {
            "network": self.network,
            "measurement_year": self.year,
            "class": self.appointment_class,
            "provider_answers": self.answers,
            "within_standard": self.within,
            "share_within_standard": None if share is None else round(share, 4),
            "threshold": self.threshold,
            "threshold_in_force": self.in_force,
            "passed": self.passed,
        }


def survey_rates(
    answers: Iterable[SurveyAnswer],
    thresholds: dict[str, float],
    in_force: Callable[[int], bool] = lambda year: True,
) -> list[SurveyRate]:
    """Group answers by network, measurement year and class of appointment; `in_force`
    says which measurement years are judged against the thresholds."""
    counts: defaultdict[tuple[str, int, str], list[int]] = defaultdict(lambda: [0, 0])
    for answer in answers:
        tally = counts[(answer.network, answer.year, answer.appointment_class)]
        tally[0] += 1
        tally[1] += answer.within
    return [
        SurveyRate(network, year, kind, total, within, thresholds[kind], in_force(year))
        for (network, year, kind), (total, within) in sorted(counts.items())
    ]
