"""Paired scenario runs employ the region's mix of clinicians, not a fresh draw of it: a
run's therapists and psychiatrists are the shares times the clinicians, so replications
differ by chance events, not by how many therapists the plan has (ADR 0014)."""

from __future__ import annotations

from collections import Counter

import pytest

from parity.adapters.rules_files import load_contract, load_region
from parity.simulation.montecarlo import replication_seed
from parity.simulation.region import build_region, in_proportion
from parity.simulation.scenario_run import RunSettings, ScenarioRun
from parity.simulation.scenarios import load_scenario

# socal at x0.05: 120 clinicians. Shares x 120 by hand (regions/socal.toml [workforce]):
# therapist 0.62 -> 74.4, psychologist 0.12 -> 14.4, social worker 0.14 -> 16.8, psychiatric
# nurse 0.04 -> 4.8, psychiatrist 0.08 -> 9.6: whole parts 74 + 14 + 16 + 4 + 9 = 117, and
# the three largest remainders (0.8, 0.8, 0.6) take one more each.
DISCIPLINES = {
    "therapist": 74,
    "psychologist": 14,
    "social-worker": 17,
    "psychiatric-nurse": 5,
    "psychiatrist": 10,
}
# FTE 1.0 / 0.8 / 0.6 / 0.5 at 0.70 / 0.15 / 0.10 / 0.05 of 120; Spanish 0.25 of 120.
FTES = {1.0: 84, 0.8: 18, 0.6: 12, 0.5: 6}
SPANISH = 30


def test_counts_in_proportion_go_to_the_largest_remainders() -> None:
    assert in_proportion([0.62, 0.12, 0.14, 0.04, 0.08], 120) == [74, 14, 17, 5, 10]
    assert in_proportion([1, 1, 1], 4) == [2, 1, 1]  # a tie: the first listed
    assert in_proportion([0.25, 0.75], 0) == [0, 0]


@pytest.mark.parametrize("replication", [0, 1, 2])
def test_an_apportioned_region_has_the_shares_mix_whatever_the_seed(replication: int) -> None:
    region = build_region(
        load_region("socal"),
        load_contract("socal-cap-2022"),
        0.05,
        replication_seed(7, replication),
        apportion_mix=True,
    )
    clinicians = region.clinicians
    assert len(clinicians) == 120
    assert Counter(c.discipline.value for c in clinicians) == DISCIPLINES
    assert Counter(c.fte for c in clinicians) == FTES
    assert sum("spanish" in c.languages for c in clinicians) == SPANISH


def test_who_has_which_discipline_is_still_drawn() -> None:
    spec, contract = load_region("socal"), load_contract("socal-cap-2022")
    first, second = (
        build_region(spec, contract, 0.05, replication_seed(7, r), apportion_mix=True)
        for r in (0, 1)
    )
    assert [c.discipline for c in first.clinicians] != [c.discipline for c in second.clinicians]


def test_scenario_runs_employ_the_apportioned_mix() -> None:
    scenario = load_scenario("socal-union-2024")
    settings = RunSettings(years=1, scale=0.05, warmup_weeks=2, min_clinicians_per_site=0)
    run = ScenarioRun(scenario, settings, replication_seed(7, 3))
    assert Counter(c.discipline.value for c in run.region.clinicians) == DISCIPLINES
