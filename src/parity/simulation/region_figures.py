"""A region's figures read for what they mean, before a run (ADR 0014, "A region's figures
read for what they mean").

`adapters/figure_shapes.py` checks that a figure has the shape of the known one (a fraction
for a fraction, a whole number for a whole number). Shape is not enough: a sessions mean
below what its median and single-session share allow has no course-length distribution
(a math domain error inside the demand solve), no episode starts divide by zero, cancellation
shares that sum past 1 are silently cut, a 0-minute session lays documentation-only slots.
Each rule below is the model's own domain, said with its reason; a run is refused before it
starts, naming the figure, the range and why.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from parity.adapters.rules_files import REGION_FIGURES, RegionSpec
from parity.domain.errors import RuleFileError
from parity.simulation.booking_policy import HORIZON_WEEKS_AHEAD

# SB 221's follow-up window (the `follow-up-therapy` standard's 10 business days in
# data/standards/california.toml) in calendar days on a five-day week with no holiday: the
# least it spans, so a cap within it keeps the next visit inside the window. Not read from
# the rule file: a region's figures are checked before any jurisdiction is chosen.
WINDOW_CALENDAR_DAYS = 14
# The minutes this model lays for one session or one intake (the brief's figures are 45-60
# and 60-90); outside this a slot is not a therapy visit this model can lay in a day.
SESSION_MINUTES = (15, 180)
INTAKE_MINUTES = (15, 240)
# Weeks of leave a year a clinician on the staff can take: more than half the year away is
# not a member of the staff this model keeps.
MOST_LEAVE_WEEKS = 26


def with_overrides(spec: RegionSpec, overrides: Mapping[str, Any]) -> RegionSpec:
    """A copy of the region with `table.key` values replaced (e.g. `status_quo.x`)."""
    tables = {name: copy.deepcopy(getattr(spec, name)) for name in REGION_FIGURES}
    for dotted, value in overrides.items():
        table, key = dotted.split(".", 1)
        tables[table][key] = value
    return replace(spec, **tables)


def check_meaning(spec: RegionSpec, where: str) -> None:
    """Refuse a region whose figures the model cannot honour, naming the first found."""
    for rule in RULES:
        problem = rule(spec)
        if problem is not None:
            raise RuleFileError(f"{where}: {problem}")


def _demand(spec: RegionSpec) -> str | None:
    starts = float(spec.demand["episode_starts_per_member_year"])
    if starts <= 0:
        return (
            f"demand.episode_starts_per_member_year must be above 0 (no new episodes leave "
            f"nothing to simulate), got {starts:g}"
        )
    return None


def _course_length(spec: RegionSpec) -> str | None:
    """Sessions per course are 1 with the single-session share, else 1 + a lognormal whose
    median and mean are solved from the region's (simulation/demand.py). The solve has an
    answer only when the single-session share leaves the median above 1 and the rest's mean
    exceeds their median: mean - 1 > (1 - share) x (median - 1)."""
    demand = spec.demand
    single = float(demand["single_session_share"])
    median = float(demand["sessions_median"])
    mean = float(demand["sessions_mean"])
    most = int(demand["sessions_max"])
    if single >= 0.5:
        return (
            f"demand.single_session_share must be below 0.5 (at {single:g} half the courses "
            f"stop after one session, so the median course is one session, not "
            f"sessions_median {median:g})"
        )
    if median < 2:
        return f"demand.sessions_median must be at least 2 sessions, got {median:g}"
    if most < median:
        return (
            f"demand.sessions_max ({most}) must be at least sessions_median ({median:g}): "
            f"the cap would cut off the median course"
        )
    least_mean = 1 + (1 - single) * (median - 1)
    if mean <= least_mean:
        return (
            f"demand.sessions_mean must be above {least_mean:g} with sessions_median "
            f"{median:g} and single_session_share {single:g} (courses longer than one "
            f"session are right-skewed: their mean exceeds their median), got {mean:g}"
        )
    return None


def _cadence(spec: RegionSpec) -> str | None:
    for weeks in spec.demand["cadence_weeks"]:
        if not 1 <= int(weeks) <= HORIZON_WEEKS_AHEAD:
            return (
                f"demand.cadence_weeks must each be 1 to {HORIZON_WEEKS_AHEAD} weeks (slots "
                f"are laid {HORIZON_WEEKS_AHEAD} weeks ahead), got {weeks}"
            )
    return None


def _cancellations(spec: RegionSpec) -> str | None:
    """One draw decides whether a booked visit is cancelled by the clinic, by the member
    with notice or late (simulation/engine.py): their shares cannot sum past 1."""
    names = ("clinic_cancel", "member_cancel", "late_cancel")
    total = sum(float(spec.demand[name]) for name in names)
    if total > 1:
        return (
            f"demand.clinic_cancel + member_cancel + late_cancel must not exceed 1 (each "
            f"booked visit meets at most one of them), got {total:g}"
        )
    return None


def _visit_minutes(spec: RegionSpec) -> str | None:
    for key, (low, high) in (
        ("session_minutes", SESSION_MINUTES),
        ("intake_minutes", INTAKE_MINUTES),
    ):
        minutes = float(spec.workforce[key])
        if not low <= minutes <= high:
            return (
                f"workforce.{key} must be {low} to {high} minutes (the visits this model "
                f"lays in a working day), got {minutes:g}"
            )
    return None


def _staff(spec: RegionSpec) -> str | None:
    workforce = spec.workforce
    for fte in workforce["fte_values"]:
        if not 0 < float(fte) <= 1:
            return f"workforce.fte_values must each be above 0 and at most 1.0, got {fte:g}"
    leave = float(workforce["leave_weeks_per_year"])
    if leave > MOST_LEAVE_WEEKS:
        return (
            f"workforce.leave_weeks_per_year must be at most {MOST_LEAVE_WEEKS} (half the "
            f"year), got {leave:g}"
        )
    return None


def _behaviour(spec: RegionSpec) -> str | None:
    patience = float(spec.status_quo["give_up_business_days"])
    if patience <= 0:
        return (
            f"status_quo.give_up_business_days must be above 0 (members give up a late "
            f"offer with probability 1 - exp(-days late / it)), got {patience:g}"
        )
    cap = int(spec.parity["window_cap_days"])
    if not 1 <= cap <= WINDOW_CALENDAR_DAYS:
        return (
            f"parity.window_cap_days must be 1 to {WINDOW_CALENDAR_DAYS} days (inside SB "
            f"221's 10-business-day window), got {cap}"
        )
    return None


RULES: tuple[Callable[[RegionSpec], str | None], ...] = (
    _demand,
    _course_length,
    _cadence,
    _cancellations,
    _visit_minutes,
    _staff,
    _behaviour,
)
