"""Workforce dynamics: hazards, recruiting, pay, the departure and absence use cases, and
the staffed simulator that applies them through the services."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from unit_support import FIRST_WEEK, Region

from parity.adapters.rules_files import load_contract, load_region, load_rules
from parity.domain.care import AppointmentStatus, CancelledBy, Course, RequestStatus
from parity.domain.errors import InvalidInput, NotFound
from parity.domain.schedule import ExceptionKind, SlotStatus
from parity.domain.standards import VisitType
from parity.domain.workforce import Clinician, Discipline, Modality, ProviderClass
from parity.services.booking import BookRequest, book_request
from parity.services.policy import Policy
from parity.services.requests import RequestCare, open_request
from parity.services.workforce import (
    Absence,
    Departure,
    TransferCourse,
    clinicians_absent,
    clinicians_leave,
    transfer_course,
)
from parity.simulation.engine import SimulationConfig
from parity.simulation.keyed_draws import KeyedDraws
from parity.simulation.monthly import Month
from parity.simulation.region import build_region, weekly_template
from parity.simulation.scenarios import load_scenario
from parity.simulation.staffing import StaffedSimulation
from parity.simulation.workforce import (
    PensionPlan,
    Post,
    Workforce,
    leave_hazard,
    mean_recruiting_lag_months,
    monthly_leave_probability,
)
from parity.simulation.workforce_ledger import Ledger, staffing_by_month

LA = ZoneInfo("America/Los_Angeles")
SCENARIO = load_scenario("socal-2025")
TURNOVER, RECRUITING, PAY = SCENARIO.turnover, SCENARIO.recruiting, SCENARIO.pay
REFERENCE = TURNOVER.reference_direct_hours


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LA)


def test_staff_without_a_pension_are_twice_as_likely_to_leave() -> None:
    with_pension = leave_hazard(TURNOVER, PensionPlan.DEFINED_BENEFIT, 1.0, REFERENCE)
    without = leave_hazard(TURNOVER, PensionPlan.NONE, 1.0, REFERENCE)
    cash_balance = leave_hazard(TURNOVER, PensionPlan.CASH_BALANCE, 1.0, REFERENCE)
    assert without == pytest.approx(2 * with_pension)
    assert with_pension < cash_balance < without


def test_the_status_quo_hazard_is_the_employers_ten_percent_a_year() -> None:
    share = SCENARIO.existing_share_with_pension
    overall = share * leave_hazard(TURNOVER, PensionPlan.DEFINED_BENEFIT, 1.0, REFERENCE) + (
        1 - share
    ) * leave_hazard(TURNOVER, PensionPlan.NONE, 1.0, REFERENCE)
    assert overall == pytest.approx(0.10, abs=0.002)


def test_pay_behind_the_market_raises_the_hazard_and_slows_recruiting() -> None:
    plan = PensionPlan.NONE
    assert leave_hazard(TURNOVER, plan, 0.9, REFERENCE) > leave_hazard(
        TURNOVER, plan, 1.0, REFERENCE
    )
    assert leave_hazard(TURNOVER, plan, 1.1, REFERENCE) < leave_hazard(
        TURNOVER, plan, 1.0, REFERENCE
    )
    assert mean_recruiting_lag_months(RECRUITING, 0.9) > RECRUITING.lag_months
    assert mean_recruiting_lag_months(RECRUITING, 1.0) == pytest.approx(RECRUITING.lag_months)


def test_more_direct_care_hours_after_ipc_raise_the_hazard() -> None:
    plan = PensionPlan.NONE
    heavier = leave_hazard(TURNOVER, plan, 1.0, REFERENCE + 3)
    lighter = leave_hazard(TURNOVER, plan, 1.0, REFERENCE - 3)
    assert lighter < leave_hazard(TURNOVER, plan, 1.0, REFERENCE) < heavier
    assert heavier / lighter == pytest.approx(math.exp(6 * TURNOVER.workload_coefficient_per_hour))


def test_twelve_monthly_draws_compound_to_the_yearly_hazard() -> None:
    monthly = monthly_leave_probability(0.2)
    assert 1 - (1 - monthly) ** 12 == pytest.approx(1 - math.exp(-0.2))


def test_each_raise_applies_on_its_anniversary_then_pay_follows_the_market() -> None:
    increases = PAY.increases
    assert PAY.index(0) == pytest.approx(1 + increases[0])
    assert PAY.index(11.9) == pytest.approx(1 + increases[0])
    assert PAY.index(12) == pytest.approx((1 + increases[0]) * (1 + increases[1]))
    after = PAY.index(12 * len(increases))
    assert after == pytest.approx(
        PAY.index(12 * len(increases) - 1) * (1 + PAY.market_growth_per_year)
    )


def _posts(count: int, plan: PensionPlan) -> list[Post]:
    spec, contract = load_region("demo"), load_contract("socal-2025")
    posts = []
    for i in range(count):
        clinician = Clinician(f"c{i}", f"C{i}", Discipline.THERAPIST, 1.0, ("san-diego",))
        posts.append(
            Post(
                clinician,
                weekly_template(clinician, contract, spec.workforce),
                plan,
                date(2026, 1, 1),
            )
        )
    return posts


def test_leavers_are_drawn_at_the_hazard_and_each_opens_a_vacancy() -> None:
    workforce = Workforce(_posts(4_000, PensionPlan.NONE), TURNOVER, RECRUITING, KeyedDraws(3))
    first = date(2026, 2, 1)
    leavers = workforce.give_notice(first, 1.0, REFERENCE)
    expected = monthly_leave_probability(leave_hazard(TURNOVER, PensionPlan.NONE, 1.0, REFERENCE))
    assert len(leavers) / 4_000 == pytest.approx(expected, rel=0.25)
    assert len(workforce.vacancies) == len(leavers)
    notice = timedelta(weeks=TURNOVER.notice_weeks)
    assert all(
        first + notice <= p.ends < first + notice + timedelta(days=28) for p in leavers if p.ends
    )
    assert all(
        v.fills_on >= p.ends for v, p in zip(workforce.vacancies, leavers, strict=True) if p.ends
    )


def test_a_vacancy_is_filled_once_and_then_staffed() -> None:
    workforce = Workforce(_posts(2, PensionPlan.NONE), TURNOVER, RECRUITING, KeyedDraws(1))
    vacancy = workforce.advertise(workforce.posts[0].clinician, date(2026, 3, 1), 1.0)
    assert workforce.due(vacancy.fills_on - timedelta(days=1)) == []
    assert workforce.due(vacancy.fills_on) == [vacancy]
    assert workforce.due(vacancy.fills_on + timedelta(days=30)) == []


def test_authorised_growth_opens_whole_positions_only() -> None:
    workforce = Workforce(_posts(10, PensionPlan.NONE), TURNOVER, RECRUITING, KeyedDraws(1))
    workforce.authorised = 11.4
    assert workforce.growth_openings() == 1
    workforce.advertise(workforce.posts[0].clinician, date(2026, 3, 1), 1.0)
    assert workforce.growth_openings() == 0


def _book(region: Region, day: date, clinician: str, visit: VisitType = VisitType.INITIAL) -> int:
    region.clock.set(at(day, 7))
    request = open_request(
        RequestCare(
            "m1", visit, ProviderClass.THERAPIST, "english", (Modality.IN_PERSON,), "north"
        ),
        region.uow,
        region.clock,
        region.policy,
    )
    decision = book_request(BookRequest(request.id), region.uow, region.clock, region.policy)
    assert decision.appointment_id is not None
    assert region.uow.appointments.get(decision.appointment_id).clinician_id == clinician
    return decision.appointment_id


def test_a_departure_cancels_later_visits_for_the_clinic_and_withdraws_free_slots(
    region: Region,
) -> None:
    before = _book(region, FIRST_WEEK, "ana")  # Wednesday 3 June, 09:00
    later = _book(region, FIRST_WEEK + timedelta(days=7), "ana")  # Wednesday 10 June
    region.clock.set(at(FIRST_WEEK, 8))
    cancelled = clinicians_leave(
        Departure(("ana",), at(FIRST_WEEK + timedelta(days=7), 0)), region.uow, region.clock
    )
    assert [a.id for a in cancelled] == [later]
    kept, gone = region.uow.appointments.get(before), region.uow.appointments.get(later)
    assert kept.status is AppointmentStatus.BOOKED
    assert gone.cancelled_by is CancelledBy.CLINIC
    assert region.uow.requests.get(gone.request_id).status is RequestStatus.OPEN
    free_after = [
        s
        for s in region.uow.slots.for_clinician(
            "ana", at(FIRST_WEEK + timedelta(days=7), 0), at(FIRST_WEEK + timedelta(days=21), 0)
        )
        if s.status is SlotStatus.FREE
    ]
    assert free_after == []


def test_a_departure_of_an_unknown_clinician_changes_nothing(region: Region) -> None:
    booked = _book(region, FIRST_WEEK, "ana")
    with pytest.raises(NotFound):
        clinicians_leave(Departure(("ana", "nobody"), at(FIRST_WEEK, 0)), region.uow, region.clock)
    assert region.uow.appointments.get(booked).status is AppointmentStatus.BOOKED
    assert region.uow.clinicians.get("ana").leaves_at is None


def test_an_absence_is_recorded_as_leave_and_vacates_only_its_window(region: Region) -> None:
    first = _book(region, FIRST_WEEK, "ana")
    second = _book(region, FIRST_WEEK + timedelta(days=7), "ana")
    region.clock.set(at(FIRST_WEEK, 8))
    start, end = at(FIRST_WEEK + timedelta(days=1), 0), at(FIRST_WEEK + timedelta(days=5), 0)
    cancelled = clinicians_absent(Absence(("ana",), start, end, "strike"), region.uow, region.clock)
    assert [a.id for a in cancelled] == [first]
    assert region.uow.appointments.get(second).status is AppointmentStatus.BOOKED
    (leave,) = region.uow.availability_exceptions.where(clinician_id="ana")
    assert (leave.kind, leave.reason) == (ExceptionKind.PTO, "strike")


def test_an_absence_needs_a_reason_and_a_future_end(region: Region) -> None:
    start, end = at(FIRST_WEEK, 0), at(FIRST_WEEK + timedelta(days=2), 0)
    with pytest.raises(InvalidInput):
        clinicians_absent(Absence(("ana",), start, end, " "), region.uow, region.clock)
    with pytest.raises(InvalidInput):
        clinicians_absent(Absence(("ana",), end, start, "strike"), region.uow, region.clock)


def test_a_course_moves_only_to_a_clinician_of_its_provider_class(region: Region) -> None:
    course = Course(
        "m1", "ana", ProviderClass.THERAPIST, "english", (Modality.VIDEO,), "north", 7, 6
    )
    with region.uow as uow:
        uow.courses.add(course)
        uow.commit()
    with pytest.raises(InvalidInput):
        transfer_course(TransferCourse(course.id, "cy"), region.uow)
    assert transfer_course(TransferCourse(course.id, "ben"), region.uow).clinician_id == "ben"


def _staffed() -> StaffedSimulation:
    contract = load_contract("socal-2025")
    policy = Policy(load_rules(), contract)
    region = build_region(load_region("demo"), contract, 0.5, seed=4)
    config = SimulationConfig(weeks=3, warmup_weeks=3, start=date(2026, 3, 2), seed=4)
    return StaffedSimulation(region, policy, config)


def test_the_staffed_simulator_rebooks_what_a_departure_cancels_and_stops_laying_their_weeks() -> (
    None
):
    simulation = _staffed()
    # A week after notice: two weeks (the run's last day) left it to chance whether anyone
    # had a visit booked that far ahead (3 visits in all with the draws of the stream).
    leaves_on = date(2026, 4, 6)
    chosen: list[str] = []

    def booked_after(clinician_id: str) -> int:
        return sum(
            a.clinician_id == clinician_id
            and a.status is AppointmentStatus.BOOKED
            and a.start >= at(leaves_on, 0)
            for a in simulation.uow.appointments.list()
        )

    def before_day(day: date) -> None:
        if day == date(2026, 3, 30):
            # The clinician with the most visits booked after their last day (leave is
            # drawn at random, so the first clinician may have none).
            ids = [c.id for c in simulation.region.clinicians]
            chosen.append(max(ids, key=booked_after))
            simulation.depart(chosen, at(leaves_on, 0), "clinician left the plan")

    run = simulation.run(before_day=before_day)
    leaver = chosen[0]
    assert run.errors == []
    assert leaver not in simulation.staff
    visits = [a for a in simulation.uow.appointments.list() if a.clinician_id == leaver]
    assert visits
    assert all(
        a.start < at(leaves_on, 0) or a.status is AppointmentStatus.CANCELLED for a in visits
    )
    assert any(a.cancelled_by is CancelledBy.CLINIC and a.start >= at(leaves_on, 0) for a in visits)
    # Weeks are laid 26 weeks ahead: the week of 28 September is first laid on 6 April,
    # after the departure, for everyone who stays.
    later = date(2026, 9, 28)
    stayer = next(c.id for c in simulation.region.clinicians if c.id != leaver)
    assert simulation.uow.ipc_ledger.has(stayer, later)
    assert not simulation.uow.ipc_ledger.has(leaver, later)


def test_the_ledger_counts_staff_capacity_and_payroll_by_month() -> None:
    posts = _posts(3, PensionPlan.NONE)
    posts[1].ends = date(2026, 2, 15)
    posts[2].starts = date(2026, 2, 16)
    months = {key: Month(key) for key in ("2026-01", "2026-02")}
    ledger = Ledger(date(2026, 1, 1), date(2026, 3, 1), load_rules().calendar, PAY)
    staffing_by_month(posts, months, ledger)
    january, february = months["2026-01"], months["2026-02"]
    assert (january.headcount, february.headcount) == (2, 2)
    assert (february.departures, february.hires) == (1, 1)
    weekly = posts[0].bookable_hours_per_week
    # January 2026: 22 weekdays minus New Year's Day and Martin Luther King Jr. Day.
    assert january.capacity_hours == pytest.approx(2 * 20 * weekly / 5)
    one = PAY.monthly_cost(1.0, PensionPlan.NONE, 0)
    assert january.payroll_usd == pytest.approx(2 * one * 31 * 12 / 365.25, rel=1e-6)


def test_strikers_are_neither_paid_nor_bookable_while_out() -> None:
    posts = _posts(2, PensionPlan.NONE)
    months = {"2026-01": Month("2026-01")}
    strike = (date(2026, 1, 1), date(2026, 2, 1))
    ledger = Ledger(
        date(2026, 1, 1), date(2026, 2, 1), load_rules().calendar, PAY, frozenset({"c0"}), strike
    )
    staffing_by_month(posts, months, ledger)
    alone = {"2026-01": Month("2026-01")}
    staffing_by_month(
        posts[1:], alone, Ledger(date(2026, 1, 1), date(2026, 2, 1), load_rules().calendar, PAY)
    )
    assert months["2026-01"].payroll_usd == pytest.approx(alone["2026-01"].payroll_usd)
    assert months["2026-01"].capacity_hours == pytest.approx(alone["2026-01"].capacity_hours)
    assert months["2026-01"].headcount == 2


@pytest.mark.parametrize("leave", [True, False])
def test_a_hire_gets_the_regions_weeks_of_leave_and_strike_cover_none(leave: bool) -> None:
    contract = load_contract("socal-2025")
    policy = Policy(load_rules(), contract)
    region = build_region(load_region("demo"), contract, 0.5, seed=4)
    start = date(2026, 3, 2)  # a Monday
    config = SimulationConfig(weeks=104, warmup_weeks=0, start=start, seed=4)
    simulation = StaffedSimulation(region, policy, config)
    simulation.setup()
    simulation.clock.set(at(start, 0))
    hire = replace(region.clinicians[0], id="new", name="New")
    simulation.hire(hire, weekly_template(hire, contract, region.spec.workforce), start, leave)
    pto = [
        e
        for e in simulation.uow.availability_exceptions.where(clinician_id="new")
        if e.kind is ExceptionKind.PTO
    ]
    # 105 Mondays from the start to the end: the region's weeks a year, prorated.
    expected = float(region.spec.workforce["leave_weeks_per_year"]) * 105 / 52
    if leave:
        assert math.floor(expected) <= len(pto) <= math.ceil(expected)
        assert all((e.end - e.start) == timedelta(days=5) for e in pto)
    else:
        assert pto == []
