"""The synthetic region, its calibrated demand, and the simulator's summary."""

from __future__ import annotations

import math
import random
import statistics
from datetime import date

import pytest

from parity.adapters.rules_files import load_contract, load_region, load_rules
from parity.bootstrap import build_simulation
from parity.config import Settings
from parity.domain.schedule import validate_template
from parity.simulation.demand import demand_from, lognormal_for
from parity.simulation.region import build_region, clinic_weights
from parity.simulation.summary import summarise

CONTRACTS = ("socal-cap-2022", "socal-2025", "norcal-2022", "union-demand-2024")


def test_the_socal_region_has_the_seeded_sites_and_sums_its_counties() -> None:
    spec = load_region("socal")
    names = {c.name for c in spec.clinics}
    for seeded in ("San Diego Medical Center", "Fontana Medical Center", "Downey Medical Center"):
        assert seeded in names
    assert 15 <= len(spec.clinics) <= 20
    assert sum(spec.county_population.values()) == 22_852_549
    assert spec.members == 4_800_000
    assert spec.clinicians == 2_400


def test_clinic_weights_share_a_countys_population_among_its_clinics() -> None:
    spec = load_region("socal")
    weights = dict(zip((c.id for c in spec.clinics), clinic_weights(spec), strict=True))
    assert sum(weights.values()) == pytest.approx(1.0)
    la_clinics = [c.id for c in spec.clinics if c.county == "Los Angeles"]
    sd_clinics = [c.id for c in spec.clinics if c.county == "San Diego"]
    served = {c.county for c in spec.clinics}  # counties with no site of their own drop out
    served_population = sum(p for county, p in spec.county_population.items() if county in served)
    la_share = spec.county_population["Los Angeles"] / served_population
    assert sum(weights[c] for c in la_clinics) == pytest.approx(la_share)
    assert weights[la_clinics[0]] == pytest.approx(weights[la_clinics[-1]])
    assert weights[la_clinics[0]] != pytest.approx(weights[sd_clinics[0]])


@pytest.mark.parametrize("scale", [0.01, 0.05, 0.2])
def test_scale_shrinks_members_and_clinicians_together(scale: float) -> None:
    spec = load_region("socal")
    region = build_region(spec, load_contract("socal-2025"), scale, seed=3)
    assert region.member_count == round(4_800_000 * scale)
    assert len(region.clinicians) == max(len(spec.clinics), round(2_400 * scale))
    assert {c.home_clinic_id for c in region.clinicians} == {c.id for c in spec.clinics}


@pytest.mark.parametrize("contract_name", CONTRACTS)
def test_every_generated_template_keeps_the_contracts_protected_time(contract_name: str) -> None:
    contract = load_contract(contract_name)
    region = build_region(load_region("socal"), contract, 0.02, seed=5)
    for clinician, template in zip(region.clinicians, region.templates, strict=True):
        validate_template(template, clinician, contract)
        assert template.ipc_minutes() >= contract.ipc_minutes_per_week(clinician.fte)


def test_more_protected_hours_leave_fewer_bookable_hours() -> None:
    spec = load_region("demo")

    def bookable(contract_name: str) -> int:
        region = build_region(spec, load_contract(contract_name), 1.0, seed=5)
        return sum(b.minutes for t in region.templates for b in t.blocks if b.slot_minutes)

    assert bookable("socal-cap-2022") > bookable("socal-2025") > bookable("union-demand-2024")


def test_members_are_the_same_for_the_same_seed_and_index() -> None:
    region = build_region(load_region("socal"), load_contract("socal-2025"), 0.01, seed=9)
    assert region.member(1234) == region.member(1234)
    assert {region.member(k).clinic_id for k in range(300)} <= {c.id for c in region.clinics}


def test_session_counts_match_the_calibrated_median_mean_and_single_session_share() -> None:
    spec = load_region("socal")
    demand = demand_from(spec.demand, spec.workforce, spec.members)
    rng = random.Random(1)
    sessions = [demand.sessions(rng) for _ in range(60_000)]
    assert statistics.median(sessions) == pytest.approx(spec.demand["sessions_median"], abs=1)
    assert statistics.fmean(sessions) == pytest.approx(spec.demand["sessions_mean"], rel=0.08)
    single = sum(s == 1 for s in sessions) / len(sessions)
    assert single == pytest.approx(spec.demand["single_session_share"], abs=0.01)
    assert max(sessions) > 40  # a long tail


def test_the_lognormal_solution_reproduces_its_targets() -> None:
    mu, sigma = lognormal_for(6, 10, 0.3)
    z = statistics.NormalDist().inv_cdf((0.5 - 0.3) / 0.7)
    assert math.exp(mu + z * sigma) == pytest.approx(6 - 1)  # median of the multi-session part
    mean_excess = math.exp(mu + sigma * sigma / 2)
    assert 0.3 * 1 + 0.7 * (1 + mean_excess) == pytest.approx(10)


def test_episode_starts_scale_with_members() -> None:
    spec = load_region("socal")
    full = demand_from(spec.demand, spec.workforce, 4_800_000)
    assert full.episodes_per_day * 365.25 == pytest.approx(
        4_800_000 * spec.demand["episode_starts_per_member_year"]
    )


def _run(contract: str, seed: int = 7) -> dict[str, object]:
    settings = Settings(contract=contract, region="demo", seed=seed)
    simulation, members = build_simulation(
        settings, weeks=3, scale=0.5, warmup_weeks=3, start=date(2026, 3, 2)
    )
    run = simulation.run()
    assert run.errors == []
    return summarise(run.uow, simulation.policy, simulation.config, members).as_dict()


def test_a_simulated_run_never_books_protected_time_and_keeps_every_ipc_hour() -> None:
    summary = _run("socal-2025")
    assert summary["bookings_in_protected_time"] == 0
    assert summary["ipc_kept_share"] == 1.0
    assert summary["ipc_hours_guaranteed"] > 0
    assert summary["appointments_delivered"] > 0
    groups = summary["groups"]
    assert isinstance(groups, dict)
    assert groups["follow-up"]["requests"] > groups["initial"]["requests"] > 0


def test_the_same_seed_gives_the_same_summary_and_another_seed_does_not() -> None:
    first, again, other = _run("socal-2025", 7), _run("socal-2025", 7), _run("socal-2025", 8)
    assert first == again
    assert first != other


def test_the_simulator_uses_the_jurisdictions_rules() -> None:
    rules = load_rules()
    assert rules.standard("follow-up-therapy").limit_business_days == 10


def test_a_calibration_target_the_model_does_not_reach_says_why() -> None:
    from parity.simulation.calibration import targets

    found = {t.name: t for t in targets(load_region("socal"))}
    outside = found["outside_share"]
    assert (outside.low, outside.high) == (0.50, 0.60)
    assert "not forced" in outside.note
    assert found["follow_up_mean_wait_business_days"].note == ""
