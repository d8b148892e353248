"""Weights and limits as data: the optimizer's costs and hard limits, loaded from a table.

The packaged defaults live in `data/optimizer/weights.toml`, one comment per figure; a
caller reads that file (or its own) and passes the parsed table to `config_from_dict`.
Nothing here opens a file, so the optimizer stays a pure function of its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import time
from itertools import pairwise
from typing import Any

from parity.domain.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Weights:
    """Medium and soft costs, in one integer unit (see weights.toml for each meaning)."""

    unplaced: int
    unplaced_per_business_day_closer: int
    urgency_horizon_business_days: int
    late_per_business_day: int
    continuity: int
    off_preferred_time: int
    other_clinic_same_area: int
    other_area: int
    move_offered: int
    caseload_band_utilisation: tuple[float, ...]
    caseload_band_costs: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Limits:
    """Hard limits, the late-proposal window, day parts and search settings."""

    member_visits_per_day: int
    course_min_spacing_days: int
    late_allowance_business_days: int
    morning_ends: time
    afternoon_ends: time
    repair_candidates_per_request: int
    repair_candidates_per_day: int
    cp_sat_workers: int


_WEIGHT_KEYS = {
    "medium": ("unplaced", "unplaced_per_business_day_closer", "urgency_horizon_business_days"),
    "soft": (
        "late_per_business_day",
        "continuity",
        "off_preferred_time",
        "other_clinic_same_area",
        "other_area",
        "move_offered",
        "caseload_band_utilisation",
        "caseload_band_costs",
    ),
}
_LIMIT_KEYS = {
    "hard": ("member_visits_per_day", "course_min_spacing_days"),
    "late": ("allowance_business_days",),
    "day_parts": ("morning_ends", "afternoon_ends"),
    "search": ("repair_candidates_per_request", "repair_candidates_per_day", "cp_sat_workers"),
}


def _flatten(table: dict[str, Any], layout: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for section, keys in layout.items():
        given = table.get(section)
        if not isinstance(given, dict):
            raise InvalidInput(f"optimizer weights: missing section [{section}]", key=section)
        unknown = sorted(set(given) - set(keys))
        if unknown:
            raise InvalidInput(f"optimizer weights: unknown key [{section}] {unknown[0]}")
        for key in keys:
            if key not in given:
                raise InvalidInput(f"optimizer weights: missing [{section}] {key}", key=key)
            flat[key] = given[key]
    return flat


def _count(value: Any, name: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(f"optimizer weights: {name} must be an integer >= {minimum}")
    return value


def _bands(flat: dict[str, Any]) -> tuple[tuple[float, ...], tuple[int, ...]]:
    thresholds = tuple(float(t) for t in flat["caseload_band_utilisation"])
    costs = tuple(_count(c, "caseload_band_costs") for c in flat["caseload_band_costs"])
    increasing = all(a < b for a, b in pairwise(thresholds))
    if not increasing or not all(0 < t <= 1 for t in thresholds):
        raise InvalidInput("optimizer weights: caseload bands must increase within (0, 1]")
    if len(costs) != len(thresholds) + 1 or list(costs) != sorted(costs):
        raise InvalidInput(
            "optimizer weights: caseload_band_costs needs one more entry than the thresholds "
            "and must not decrease (a convex cost)"
        )
    return thresholds, costs


def weights_from_dict(table: dict[str, Any]) -> Weights:
    """Build `Weights` from a parsed weights table; a missing or stray key is refused."""
    flat = _flatten(table, _WEIGHT_KEYS)
    thresholds, costs = _bands(flat)
    numbers = {
        f.name: _count(flat[f.name], f.name)
        for f in fields(Weights)
        if not f.name.startswith("caseload_band")
    }
    return Weights(**numbers, caseload_band_utilisation=thresholds, caseload_band_costs=costs)


def _clock(value: Any, name: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"optimizer weights: {name} must be a time like '12:00'") from None


def limits_from_dict(table: dict[str, Any]) -> Limits:
    """Build `Limits` from the same table's [hard], [late], [day_parts] and [search]."""
    flat = _flatten(table, _LIMIT_KEYS)
    morning, afternoon = (_clock(flat[k], k) for k in ("morning_ends", "afternoon_ends"))
    if not morning < afternoon:
        raise InvalidInput("optimizer weights: the morning must end before the afternoon")
    return Limits(
        member_visits_per_day=_count(flat["member_visits_per_day"], "member_visits_per_day", 1),
        course_min_spacing_days=_count(flat["course_min_spacing_days"], "course_min_spacing_days"),
        late_allowance_business_days=_count(flat["allowance_business_days"], "allowance"),
        morning_ends=morning,
        afternoon_ends=afternoon,
        repair_candidates_per_request=_count(
            flat["repair_candidates_per_request"], "repair_candidates_per_request", 1
        ),
        repair_candidates_per_day=_count(
            flat["repair_candidates_per_day"], "repair_candidates_per_day", 1
        ),
        cp_sat_workers=_count(flat["cp_sat_workers"], "cp_sat_workers", 1),
    )


def config_from_dict(table: dict[str, Any]) -> tuple[Weights, Limits]:
    """Both halves of a weights file."""
    return weights_from_dict(table), limits_from_dict(table)
