"""A region figure of the right shape but outside what the model means by it is refused
before a run, naming the figure and why (ADR 0014, "A region's figures read for what they
mean"): as a scenario's override, and in a region file given by path."""

from __future__ import annotations

import math
import re
from pathlib import Path
from statistics import NormalDist

import pytest

from parity.adapters.rules_files import data_dir, load_contract, load_region
from parity.domain.errors import RuleFileError
from parity.simulation.demand import lognormal_for
from parity.simulation.region import build_region
from parity.simulation.region_figures import check_meaning, with_overrides
from parity.simulation.scenarios import load_scenario

SCENARIO = "socal-employer-2024"
DEMO = data_dir("regions") / "demo.toml"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "demand.episode_starts_per_member_year=0",
            "episode_starts_per_member_year must be above 0",
        ),
        ("demand.single_session_share=0.5", "single_session_share must be below 0.5"),
        ("demand.sessions_median=1", "sessions_median must be at least 2"),
        ("demand.sessions_median=80", "sessions_max (60) must be at least sessions_median (80)"),
        # socal: median 8, single share 0.3, so the mean must exceed 1 + 0.7 x 7 = 5.9.
        ("demand.sessions_mean=5", "sessions_mean must be above 5.9"),
        ("demand.cadence_weeks=[0, 2, 4]", "cadence_weeks must each be 1 to 26 weeks"),
        ("demand.cadence_weeks=[1, 2, 27]", "cadence_weeks must each be 1 to 26 weeks"),
        # socal: clinic 0.01 + late 0.07 leave 0.92 for the member's own cancellations.
        ("demand.member_cancel=0.93", "must not exceed 1"),
        ("workforce.session_minutes=0", "session_minutes must be 15 to 180 minutes"),
        ("workforce.intake_minutes=600", "intake_minutes must be 15 to 240 minutes"),
        ("workforce.fte_values=[1.0, 0.8, 0.0, 0.5]", "fte_values must each be above 0"),
        ("workforce.leave_weeks_per_year=27", "leave_weeks_per_year must be at most 26"),
        ("status_quo.give_up_business_days=0", "give_up_business_days must be above 0"),
        ("parity.window_cap_days=0", "window_cap_days must be 1 to 14 days"),
        ("parity.window_cap_days=15", "window_cap_days must be 1 to 14 days"),
    ],
)
def test_an_override_outside_the_figures_meaning_is_refused(override: str, message: str) -> None:
    with pytest.raises(RuleFileError, match=re.escape(message)):
        load_scenario(SCENARIO, [f"region_overrides.{override}"])


@pytest.mark.parametrize(
    "override",
    [
        "demand.sessions_mean=6",  # just above the least mean, 5.9
        "demand.member_cancel=0.92",  # the three cancellations sum to exactly 1
        "demand.cadence_weeks=[1, 13, 26]",
        "workforce.session_minutes=15",
        "workforce.intake_minutes=240",
        "workforce.leave_weeks_per_year=26.0",
        "parity.window_cap_days=14",
        "demand.single_session_share=0.0",
    ],
)
def test_an_override_at_the_edge_of_the_figures_meaning_is_accepted(override: str) -> None:
    table, value = override.split("=")
    scenario = load_scenario(SCENARIO, [f"region_overrides.{override}"])
    assert table in scenario.region_overrides
    assert str(scenario.region_overrides[table]).replace(" ", "") == value.replace(" ", "")


def _solvable(single: float, median: float, mean: float) -> bool:
    """Whether the course-length mixture has a lognormal part with the given median and
    mean, worked out from the definition: the mixture's median is the lognormal part's
    quantile (0.5 - single) / (1 - single), above 1 session; the part's mean is
    (mean - single) / (1 - single) - 1; a lognormal's mean exceeds its quantile q by
    exp(sigma^2 / 2 - z_q sigma), which is more than 1 for every sigma > 0 as z_q <= 0."""
    if single >= 0.5 or median <= 1:
        return False
    part_mean = (mean - single) / (1 - single) - 1
    return part_mean > median - 1 and part_mean > 0


@pytest.mark.parametrize("single", [0.0, 0.1, 0.3, 0.45])
@pytest.mark.parametrize("median", [2, 5, 8, 20])
def test_course_lengths_are_refused_exactly_when_no_distribution_has_them(
    single: float, median: int
) -> None:
    spec = load_region("socal")
    least = 1 + (1 - single) * (median - 1)
    for mean in (least - 1.0, least - 0.01, least, least + 0.01, least + 4.0):
        changed = with_overrides(
            spec,
            {
                "demand.single_session_share": single,
                "demand.sessions_median": median,
                "demand.sessions_mean": mean,
            },
        )
        solvable = _solvable(single, median, mean)
        if solvable:
            check_meaning(changed, "here")
            mu, sigma = lognormal_for(median, mean, single)
            # The solve reproduces the median and the mean it was given.
            z = NormalDist().inv_cdf((0.5 - single) / (1 - single))
            assert sigma > 0
            assert 1 + math.exp(mu + z * sigma) == pytest.approx(median)
            expected_mean = single + (1 - single) * (1 + math.exp(mu + sigma**2 / 2))
            assert expected_mean == pytest.approx(mean)
        else:
            with pytest.raises(RuleFileError, match="sessions_mean must be above"):
                check_meaning(changed, "here")


def test_a_region_file_outside_the_figures_meaning_is_refused_before_a_run(
    tmp_path: Path,
) -> None:
    text = DEMO.read_text()
    pattern = re.compile(r"^leave_weeks_per_year =.*$", re.MULTILINE)
    assert pattern.search(text)
    path = tmp_path / "region.toml"
    path.write_text(pattern.sub("leave_weeks_per_year = 40.0", text, count=1))
    spec = load_region(str(path))
    with pytest.raises(RuleFileError, match="leave_weeks_per_year must be at most 26"):
        build_region(spec, load_contract("socal-2025"), scale=0.05)


def test_the_packaged_regions_mean_what_the_model_reads() -> None:
    for name in ("demo", "socal"):
        check_meaning(load_region(name), name)
