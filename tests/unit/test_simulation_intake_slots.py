"""A week's intake slots follow the contract's direct-care hours (ADR 0014, "Intake slots in
proportion to direct care"): a clinician's quota is direct-care minutes x the region's intake
share / the intake slot, and a region lays the sum of its clinicians' quotas, up to chance,
not each quota rounded to the nearest whole (which gave every full-time clinician 4 under
contracts whose quotas differ by 10 %)."""

from __future__ import annotations

import math

import pytest

from parity.adapters.rules_files import load_contract, load_region
from parity.domain.schedule import BlockKind, WeeklyTemplate
from parity.simulation.region import build_region, intake_count

INTAKE_SLOT = 75 + 15  # regions/socal.toml intake_minutes, plus 15 minutes' documentation
SHARE = 0.20  # regions/socal.toml intake_share_of_direct_care


def intake_slots(template: WeeklyTemplate) -> int:
    minutes = sum(
        (b.end.hour * 60 + b.end.minute) - (b.start.hour * 60 + b.start.minute)
        for b in template.blocks
        if b.kind is BlockKind.INTAKE
    )
    assert minutes % INTAKE_SLOT == 0
    return minutes // INTAKE_SLOT


@pytest.mark.parametrize("contract", ["socal-cap-2022", "socal-2025", "norcal-2022"])
def test_a_region_lays_its_clinicians_intake_quotas_up_to_chance(contract: str) -> None:
    terms = load_contract(contract)
    region = build_region(load_region("socal"), terms, 0.25, 7)
    quotas = [
        terms.direct_care_hours_per_week_fte * 60 * c.fte * SHARE / INTAKE_SLOT
        for c in region.clinicians
    ]
    laid = sum(intake_slots(t) for t in region.templates)
    # Each clinician lays its quota's whole part and one more with the fraction's chance:
    # the sum's variance is the sum of f(1 - f); 4 standard deviations either side.
    spread = math.sqrt(sum((q % 1) * (1 - q % 1) for q in quotas))
    assert abs(laid - sum(quotas)) <= 4 * spread + 1
    # Rounding each to the nearest whole would be off by more than that here.
    assert abs(sum(round(q) for q in quotas) - sum(quotas)) > 4 * spread + 1


def test_a_clinician_never_gets_fewer_intakes_under_the_contract_with_more_direct_care() -> None:
    ids = [f"c{n:05d}" for n in range(1, 2001)]
    for smaller, larger in ((4.07, 4.33), (4.33, 4.47), (3.26, 3.46)):
        counts = [(intake_count(i, smaller), intake_count(i, larger)) for i in ids]
        assert all(a <= b for a, b in counts)
        assert all(int(smaller) <= a <= int(smaller) + 1 for a, _ in counts)
        # Between the two quotas' fractions some clinicians, and only those, round up.
        ups = sum(b > a for a, b in counts)
        expected = (larger - smaller) * len(ids)
        assert abs(ups - expected) <= 4 * math.sqrt(expected) + 1
