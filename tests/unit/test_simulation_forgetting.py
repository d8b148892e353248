"""A long in-memory run counts finished requests as it goes and forgets their records; its
figures are the ones computed at the end from every record (ADR 0014)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from unit_support import Region

from parity.adapters.rules_files import load_contract, load_region, load_rules
from parity.domain.care import CareRequest, Offer, RequestStatus
from parity.domain.errors import NotFound
from parity.domain.standards import VisitType
from parity.domain.workforce import Modality, ProviderClass
from parity.services.policy import Policy
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.engine import Simulation, SimulationConfig, SimulationRun
from parity.simulation.folding import folded_of
from parity.simulation.region import build_region
from parity.simulation.summary import Summary, summarise

AT = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)


def _request(member: str) -> CareRequest:
    return CareRequest(
        member,
        VisitType.FOLLOW_UP,
        ProviderClass.THERAPIST,
        "english",
        (Modality.VIDEO,),
        "north",
        AT,
        "follow-up-therapy",
        AT,
        AT,
        AT,
        status=RequestStatus.BOOKED,
    )


def test_a_forgotten_record_leaves_no_index_entry_nor_stamp(region: Region) -> None:
    uow = region.uow
    with uow:
        first, second = uow.requests.add(_request("m1")), uow.requests.add(_request("m1"))
        for slot in (1, 2):
            uow.offers.add(Offer(first.id, slot, "ana", AT, AT, timely=True))
        kept = uow.offers.add(Offer(second.id, 3, "ana", AT, AT, timely=True))
        uow.commit()

    uow.requests.forget((first,))
    uow.offers.forget_filed("request_id", first.id)

    with pytest.raises(NotFound):
        uow.requests.get(first.id)
    assert uow.requests.where(member_id="m1") == [second]
    assert uow.offers.where(request_id=first.id) == []
    assert uow.offers.list() == [kept]
    assert set(uow.stamps.of("requests", [first.id, second.id])) == {second.id}
    with uow:
        third = uow.requests.add(_request("m2"))
        uow.commit()
    assert third.id == second.id + 1  # ids are never given twice


def _run(booking: BookingPolicy, forget: bool) -> tuple[Simulation, SimulationRun, Summary]:
    contract = load_contract("socal-2025")
    policy = Policy(load_rules(), contract)
    region = build_region(load_region("demo"), contract, 0.5, seed=4)
    config = SimulationConfig(
        weeks=6, warmup_weeks=3, start=date(2026, 3, 2), seed=4, booking=booking
    )
    simulation = Simulation(region, policy, replace(config, forget_finished=forget))
    run = simulation.run()
    return simulation, run, summarise(run.uow, simulation.policy, simulation.config, 1000)


@pytest.mark.parametrize("booking", list(BookingPolicy))
def test_figures_counted_as_the_run_goes_equal_those_counted_from_every_record(
    booking: BookingPolicy,
) -> None:
    kept, kept_run, from_records = _run(booking, forget=False)
    forgot, forgot_run, as_it_went = _run(booking, forget=True)

    assert folded_of(kept_run.uow) is None
    folded = folded_of(forgot_run.uow)
    assert folded is not None
    assert folded.forgotten_requests > 0
    assert any(day >= forgot.config.measure_from for day in folded.requests)  # in the window
    assert len(forgot.uow.requests.list()) + folded.forgotten_requests == len(
        kept.uow.requests.list()
    )
    assert forgot_run.decisions == kept_run.decisions
    assert as_it_went.as_dict() == from_records.as_dict()
    for name, group in from_records.groups.items():
        # The same outcomes in the same order, the same waits (in any order).
        assert list(as_it_went.groups[name].outcomes) == list(group.outcomes)
        assert sorted(as_it_went.groups[name].waits_business_days) == sorted(
            group.waits_business_days
        )
    assert from_records.appointments_delivered > 0
