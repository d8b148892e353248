"""The simulator's two booking policies (ADR 0014): the plan's old practice books late and
the late offer stands as a violation; Parity refers out instead. And paired runs share
their arrivals draw for draw, whatever the contract does to bookings."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from unit_support import LOS_ANGELES, Region

from parity.adapters.rules_files import load_contract, load_region
from parity.domain.care import Appointment, CareRequest, Course
from parity.domain.compliance import Outcome, RequestEvidence, classify
from parity.domain.schedule import BlockKind
from parity.domain.standards import VisitType
from parity.domain.workforce import Modality, ProviderClass
from parity.services.booking import BookRequest, book_request
from parity.services.policy import Policy
from parity.services.requests import RequestCare, open_request
from parity.services.status_quo import BookEarliest, book_earliest
from parity.simulation.booking_policy import (
    HORIZON_WEEKS_AHEAD,
    BookingPolicy,
    StatusQuoBehaviour,
    StatusQuoBooker,
)
from parity.simulation.engine import Simulation, SimulationConfig
from parity.simulation.keyed_draws import Purpose
from parity.simulation.region import build_region

HORIZON = timedelta(weeks=3)


def _spanish_intake(region: Region) -> CareRequest:
    """Only ana speaks Spanish; her intakes are Wednesdays 09-12 at north (unit_support)."""
    return open_request(
        RequestCare(
            "m-es",
            VisitType.INITIAL,
            ProviderClass.THERAPIST,
            "spanish",
            (Modality.IN_PERSON,),
            "north",
        ),
        region.uow,
        region.clock,
        region.policy,
    )


def _fill_anas_first_two_weeks(region: Region) -> None:
    for _ in range(6):  # Wed 3 and Wed 10 June, three 60-minute intakes each
        decision = book_request(
            BookRequest(_spanish_intake(region).id), region.uow, region.clock, region.policy
        )
        assert decision.action == "booked"


def _evidence(region: Region, request_id: int) -> RequestEvidence:
    uow = region.uow
    with uow:
        return RequestEvidence(
            uow.requests.get(request_id),
            uow.offers.where(request_id=request_id),
            uow.appointments.where(request_id=request_id),
            next(iter(uow.referrals.where(request_id=request_id)), None),
            None,
        )


def test_the_status_quo_books_the_earliest_slot_even_late_and_the_violation_stands(
    region: Region,
) -> None:
    _fill_anas_first_two_weeks(region)
    request = _spanish_intake(region)
    decision = book_earliest(
        BookEarliest(request.id, HORIZON), region.uow, region.clock, region.policy
    )
    assert decision is not None
    # Ten business days from Sunday 31 May end on Friday 12 June; ana's next intake is
    # Wednesday 17 June at 09:00.
    assert decision.starts_at == datetime(2026, 6, 17, 9, 0, tzinfo=LOS_ANGELES)
    assert decision.starts_at > request.deadline
    evidence = _evidence(region, request.id)
    assert [o.timely for o in evidence.offers] == [False]
    assert classify(evidence, decision.starts_at) is Outcome.LATE


def test_parity_refers_the_same_request_out_of_network_instead(region: Region) -> None:
    _fill_anas_first_two_weeks(region)
    request = _spanish_intake(region)
    decision = book_request(BookRequest(request.id), region.uow, region.clock, region.policy)
    assert decision.action == "referred"
    assert classify(_evidence(region, request.id), request.deadline) is Outcome.REFERRED


class _Recording(Simulation):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrivals: list[tuple[object, ...]] = []

    def arrival_draw(self) -> tuple[int, VisitType, Any, bool, int, int]:
        drawn = super().arrival_draw()
        self.arrivals.append((self.clock.now(), *drawn))
        return drawn


def _arrivals(contract_name: str, booking: BookingPolicy, rules: Any) -> tuple[list[Any], int]:
    contract = load_contract(contract_name)
    region = build_region(load_region("demo"), contract, 0.3, seed=11)
    config = SimulationConfig(
        weeks=3, warmup_weeks=1, start=date(2026, 3, 2), seed=11, booking=booking
    )
    simulation = _Recording(region, Policy(rules, contract), config)
    run = simulation.run()
    assert run.errors == []
    return simulation.arrivals, run.bookings


def test_the_same_seed_under_two_contracts_draws_identical_arrivals(rules: Any) -> None:
    employer, employer_bookings = _arrivals("socal-cap-2022", BookingPolicy.PARITY, rules)
    union, union_bookings = _arrivals("union-demand-2024", BookingPolicy.PARITY, rules)
    assert len(employer) > 50
    assert union == employer  # same instants, members, visits, session counts and cadences
    assert union_bookings != employer_bookings  # while the contracts booked differently


def test_the_status_quo_and_parity_share_arrivals_too(rules: Any) -> None:
    parity, _ = _arrivals("socal-cap-2022", BookingPolicy.PARITY, rules)
    status_quo, _ = _arrivals("socal-cap-2022", BookingPolicy.STATUS_QUO, rules)
    assert status_quo == parity


def test_slots_are_laid_at_least_26_weeks_ahead() -> None:
    assert HORIZON_WEEKS_AHEAD >= 26


class _Host:
    """What a booker needs from a running simulation, recording what it is told."""

    def __init__(self, region: Region) -> None:
        self.uow, self.clock, self.policy = region.uow, region.clock, region.policy
        self.outside: list[int] = []

    def give_up_later(self, appointment_id: int, starts_at: datetime) -> None:
        """Nobody gives up in this test (patience is unlimited below)."""

    def count_outside(self, request_id: int, gave_up: bool = False) -> None:
        self.outside.append(request_id)

    def track(self, request_id: int) -> None:
        """The test follows no episodes."""

    def draw(self, purpose: Purpose, request_id: int) -> float:
        """Any chance will do: with unlimited patience nobody gives up."""
        return 0.5


def _course_after_intake(region: Region) -> tuple[Course, Appointment]:
    """A Spanish-speaking member seen by ana at intake on Sunday 31 May (the clock), whose
    course asks for a visit a week later; ana's follow-ups of 2 and 9 June are all taken."""
    uow = region.uow
    intake_start = region.clock.now()
    with uow:
        for slot in uow.slots.for_clinician("ana", intake_start, intake_start + timedelta(days=12)):
            if slot.kind is BlockKind.FOLLOW_UP:
                uow.slots.take(slot.id)
        course = uow.courses.add(
            Course(
                "m-es",
                "ana",
                ProviderClass.THERAPIST,
                "spanish",
                (Modality.IN_PERSON,),
                "north",
                7,
                8,
                sessions_done=1,
            )
        )
        intake = uow.appointments.add(
            Appointment(
                0,
                "m-es",
                "ana",
                "north",
                0,
                intake_start,
                intake_start + timedelta(minutes=60),
                VisitType.INITIAL,
                Modality.IN_PERSON,
                intake_start,
            )
        )
        uow.commit()
    return course, intake


@pytest.mark.parametrize("sends_out", [True, False])
def test_the_status_quo_sends_a_course_out_after_intake_when_its_first_follow_up_is_late(
    region: Region, sends_out: bool
) -> None:
    course, intake = _course_after_intake(region)
    behaviour = StatusQuoBehaviour(1.0, 15, 1e9, True, sends_out)
    host = _Host(region)
    booker = StatusQuoBooker(host, behaviour, fte=2.0)  # two places a week
    decision = booker.follow_up(course, intake, None)
    if sends_out:
        assert decision is None  # referred: the course continues with an outside therapist
        assert len(host.outside) == 1
        assert booker.outside_places == 1
        assert len(region.uow.referrals.where(request_id=host.outside[0])) == 1
    else:
        # Booked late with ana on Tuesday 16 June: past the ten business days to 12 June.
        assert decision is not None
        assert decision.starts_at == datetime(2026, 6, 16, 9, 0, tzinfo=LOS_ANGELES)
        assert host.outside == []
