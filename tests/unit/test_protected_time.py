"""Protected indirect-patient-care time: the contract guarantee, held week by week."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from parity.adapters.rules_files import load_contract, load_rules
from parity.domain.contract import ContractTerms
from parity.domain.errors import ProtectedTimeShortfall, ScheduleOverlap
from parity.domain.schedule import (
    BOOKABLE_KINDS,
    AvailabilityException,
    BlockKind,
    ExceptionKind,
    TemplateBlock,
    WeeklyTemplate,
    WeekPlan,
    validate_template,
)
from parity.domain.week_plan import _lay_week, _WeekBuilder, plan_week
from parity.domain.workforce import Clinician, Discipline

LA = ZoneInfo("America/Los_Angeles")
RULES = load_rules()
CONTRACTS = {
    name: load_contract(name)
    for name in ("socal-cap-2022", "socal-2025", "norcal-2022", "union-demand-2024")
}
SOCAL_2025 = CONTRACTS["socal-2025"]
ORDINARY_WEEK = date(2026, 6, 8)  # no holiday, no DST change
THANKSGIVING_WEEK = date(2026, 11, 23)


def clinician(fte: float = 1.0, clinician_id: str = "dee") -> Clinician:
    return Clinician(clinician_id, "Dee", Discipline.PSYCHOLOGIST, fte, ("north",))


def block(
    weekday: int, start: time, end: time, kind: BlockKind, slot_minutes: int = 0
) -> TemplateBlock:
    return TemplateBlock(weekday, start, end, kind, "north", slot_minutes)


def thursday_ipc_week() -> WeeklyTemplate:
    """Thu 08-13 IPC (300 min); Mon, Tue, Wed, Fri 09-17 follow-ups in 60-minute slots."""
    blocks = [block(3, time(8), time(13), BlockKind.IPC)]
    blocks += [block(d, time(9), time(17), BlockKind.FOLLOW_UP, 60) for d in (0, 1, 2, 4)]
    return WeeklyTemplate("dee", tuple(blocks))


def monday_ipc_week() -> WeeklyTemplate:
    """Mon 08-13 IPC (300 min); Tue-Fri 09-17 follow-ups in 50-minute slots."""
    blocks = [block(0, time(8), time(13), BlockKind.IPC)]
    blocks += [block(d, time(9), time(17), BlockKind.FOLLOW_UP, 50) for d in (1, 2, 3, 4)]
    return WeeklyTemplate("dee", tuple(blocks))


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LA)


def plan(
    template: WeeklyTemplate,
    week: date,
    exceptions: list[AvailabilityException] | None = None,
    who: Clinician | None = None,
    contract: ContractTerms = SOCAL_2025,
) -> WeekPlan:
    return plan_week(
        who or clinician(), template, contract, RULES.calendar, LA, week, exceptions or []
    )


def protected_minutes(week: WeekPlan) -> int:
    return sum(int((p.end - p.start).total_seconds()) // 60 for p in week.protected)


def assert_no_slot_in_protected_time(week: WeekPlan) -> None:
    for slot in week.slots:
        for kept in week.protected:
            assert not (slot.start < kept.end and kept.start < slot.end), (slot, kept)


# -- the contract presets -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "hours"),
    [
        ("socal-cap-2022", 4.0),
        ("socal-2025", 5.0),
        ("norcal-2022", 7.0),
        ("union-demand-2024", 7.0),
    ],
)
def test_each_contract_preset_loads_with_its_protected_hours(name: str, hours: float) -> None:
    contract = load_contract(name)
    assert contract.name == name
    assert contract.ipc_hours_per_week_fte == hours
    assert contract.ipc_minutes_per_week(1.0) == hours * 60
    assert contract.citation


def test_the_guarantee_is_prorated_by_fte() -> None:
    # 5 h x 60 x 0.5 = 150; 7 h x 60 x 0.8 = 336.
    assert SOCAL_2025.ipc_minutes_per_week(0.5) == 150
    assert CONTRACTS["union-demand-2024"].ipc_minutes_per_week(0.8) == 336


# -- validating a template ----------------------------------------------------------------


def test_it_refuses_a_template_short_of_the_contract_guarantee() -> None:
    # Four hours of IPC against socal-2025's five: 60 minutes short.
    short = WeeklyTemplate("dee", (block(0, time(8), time(12), BlockKind.IPC),))
    with pytest.raises(ProtectedTimeShortfall) as raised:
        validate_template(short, clinician(), SOCAL_2025)
    message = raised.value.message
    assert "dee" in message
    assert "short by 60 min" in message
    assert raised.value.details["clinician"] == "dee"
    assert raised.value.details["shortfall_minutes"] == 60


def test_a_half_time_clinician_needs_half_the_protected_time() -> None:
    two_and_a_half_hours = WeeklyTemplate("dee", (block(0, time(8), time(10, 30), BlockKind.IPC),))
    validate_template(two_and_a_half_hours, clinician(fte=0.5), SOCAL_2025)
    with pytest.raises(ProtectedTimeShortfall, match="short by 150 min"):
        validate_template(two_and_a_half_hours, clinician(fte=1.0), SOCAL_2025)


def test_a_half_time_clinician_is_refused_below_their_prorated_guarantee() -> None:
    two_hours = WeeklyTemplate("dee", (block(0, time(8), time(10), BlockKind.IPC),))
    with pytest.raises(ProtectedTimeShortfall) as raised:
        validate_template(two_hours, clinician(fte=0.5), SOCAL_2025)
    assert raised.value.details["shortfall_minutes"] == 30


def test_admin_time_does_not_count_towards_the_guarantee() -> None:
    template = WeeklyTemplate(
        "dee",
        (block(0, time(8), time(12), BlockKind.IPC), block(0, time(13), time(17), BlockKind.ADMIN)),
    )
    with pytest.raises(ProtectedTimeShortfall):
        validate_template(template, clinician(), SOCAL_2025)


def test_it_refuses_a_template_with_overlapping_blocks() -> None:
    template = WeeklyTemplate(
        "dee",
        (
            block(0, time(8), time(13), BlockKind.IPC),
            block(0, time(12), time(15), BlockKind.FOLLOW_UP, 50),
        ),
    )
    with pytest.raises(ScheduleOverlap, match="dee"):
        validate_template(template, clinician(), SOCAL_2025)


# -- laying a week ------------------------------------------------------------------------


def test_an_ordinary_week_keeps_every_templated_ipc_minute() -> None:
    week = plan(monday_ipc_week(), ORDINARY_WEEK)
    assert week.ledger is not None
    assert week.ledger.guaranteed_minutes == 300
    assert week.ledger.kept_minutes == 300
    assert protected_minutes(week) == 300
    # 4 days x 480 min in 50-minute slots: 9 slots a day (450 min), 30 min left over.
    assert len(week.slots) == 4 * 9


def test_it_never_lays_a_slot_over_protected_time() -> None:
    week = plan(monday_ipc_week(), ORDINARY_WEEK)
    assert week.protected
    assert_no_slot_in_protected_time(week)


def test_a_pto_day_shrinks_the_guarantee_in_proportion_and_tops_up_what_it_took() -> None:
    thursday = ORDINARY_WEEK + timedelta(days=3)
    pto = AvailabilityException(
        "dee", ExceptionKind.PTO, local(thursday, 0), local(thursday + timedelta(days=1), 0)
    )
    week = plan(thursday_ipc_week(), ORDINARY_WEEK, [pto])
    assert week.ledger is not None
    # Worked 4 x 480 of the templated 300 + 4 x 480 minutes.
    assert week.ledger.guaranteed_minutes == round(300 * (4 * 480) / (300 + 4 * 480))
    assert week.ledger.kept_minutes >= week.ledger.guaranteed_minutes
    assert {p.source for p in week.protected} == {"top-up"}
    assert all(s.start.astimezone(LA).date() != thursday for s in week.slots)
    assert_no_slot_in_protected_time(week)


def test_pto_on_a_bookable_day_leaves_the_ipc_block_in_place() -> None:
    tuesday = ORDINARY_WEEK + timedelta(days=1)
    pto = AvailabilityException("dee", ExceptionKind.PTO, local(tuesday, 9), local(tuesday, 17))
    week = plan(monday_ipc_week(), ORDINARY_WEEK, [pto])
    assert week.ledger is not None
    assert week.ledger.guaranteed_minutes == round(300 * (300 + 3 * 480) / (300 + 4 * 480))
    assert week.ledger.kept_minutes == 300
    assert len(week.slots) == 3 * 9


def test_a_holiday_week_shrinks_the_guarantee_and_still_keeps_it() -> None:
    # Thanksgiving week: Thursday's IPC block and Friday's follow-ups are not laid.
    week = plan(thursday_ipc_week(), THANKSGIVING_WEEK)
    assert week.ledger is not None
    assert week.ledger.guaranteed_minutes == round(300 * (3 * 480) / (300 + 4 * 480))
    assert week.ledger.kept_minutes >= week.ledger.guaranteed_minutes
    laid_days = {s.start.astimezone(LA).date() for s in week.slots}
    assert laid_days <= {date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)}
    assert_no_slot_in_protected_time(week)


def test_the_ledger_names_the_clinician_and_the_week() -> None:
    week = plan(monday_ipc_week(), ORDINARY_WEEK)
    assert week.ledger is not None
    assert week.ledger.clinician_id == "dee"
    assert week.ledger.week_start == ORDINARY_WEEK
    assert week.ledger.shortfall_minutes == 0


@pytest.mark.parametrize("kind", [ExceptionKind.ADMIN, ExceptionKind.EXTRA_HOURS])
def test_admin_or_extra_hours_laid_over_ipc_are_refused(kind: ExceptionKind) -> None:
    # Monday 10:00-11:30 inside Monday's 08:00-13:00 IPC block: 90 minutes taken.
    exception = AvailabilityException(
        "dee", kind, local(ORDINARY_WEEK, 10), local(ORDINARY_WEEK, 11, 30), reason="training"
    )
    with pytest.raises(ProtectedTimeShortfall) as raised:
        plan(monday_ipc_week(), ORDINARY_WEEK, [exception])
    assert raised.value.details == {
        "clinician": "dee",
        "week": "2026-06-08",
        "shortfall_minutes": 90,
    }
    assert "dee" in raised.value.message
    assert "2026-06-08" in raised.value.message
    assert "short by 90 min" in raised.value.message


def test_admin_time_over_bookable_time_removes_those_slots_only() -> None:
    tuesday = ORDINARY_WEEK + timedelta(days=1)
    admin = AvailabilityException("dee", ExceptionKind.ADMIN, local(tuesday, 9), local(tuesday, 13))
    week = plan(monday_ipc_week(), ORDINARY_WEEK, [admin])
    assert all(not (s.start < admin.end and admin.start < s.end) for s in week.slots)
    assert week.ledger is not None
    assert week.ledger.kept_minutes == 300


def test_another_clinicians_exception_is_ignored() -> None:
    admin = AvailabilityException(
        "someone-else", ExceptionKind.ADMIN, local(ORDINARY_WEEK, 9), local(ORDINARY_WEEK, 12)
    )
    week = plan(monday_ipc_week(), ORDINARY_WEEK, [admin])
    assert week.ledger is not None
    assert week.ledger.kept_minutes == 300


def test_extra_hours_outside_the_template_open_bookable_slots() -> None:
    saturday = ORDINARY_WEEK + timedelta(days=5)
    extra = AvailabilityException(
        "dee", ExceptionKind.EXTRA_HOURS, local(saturday, 9), local(saturday, 11), slot_minutes=60
    )
    week = plan(monday_ipc_week(), ORDINARY_WEEK, [extra])
    saturday_slots = [s for s in week.slots if s.start.astimezone(LA).date() == saturday]
    assert [s.start for s in saturday_slots] == [local(saturday, 9), local(saturday, 10)]


def test_extra_hours_overlapping_the_template_are_refused() -> None:
    tuesday = ORDINARY_WEEK + timedelta(days=1)
    extra = AvailabilityException(
        "dee", ExceptionKind.EXTRA_HOURS, local(tuesday, 16), local(tuesday, 18)
    )
    with pytest.raises(ScheduleOverlap):
        plan(monday_ipc_week(), ORDINARY_WEEK, [extra])


def test_extra_hours_open_slots_only_in_their_own_week() -> None:
    next_saturday = ORDINARY_WEEK + timedelta(days=12)
    extra = AvailabilityException(
        "dee",
        ExceptionKind.EXTRA_HOURS,
        local(next_saturday, 9),
        local(next_saturday, 11),
        slot_minutes=60,
    )
    week = plan(monday_ipc_week(), ORDINARY_WEEK, [extra])
    week_end = local(ORDINARY_WEEK + timedelta(days=7), 0)
    assert all(s.start < week_end for s in week.slots)


def test_a_saturday_ipc_block_is_laid_in_an_ordinary_week() -> None:
    template = WeeklyTemplate(
        "dee",
        (
            block(5, time(8), time(13), BlockKind.IPC),
            block(1, time(9), time(17), BlockKind.FOLLOW_UP, 60),
        ),
    )
    validate_template(template, clinician(), SOCAL_2025)
    week = plan(template, ORDINARY_WEEK)
    assert week.ledger is not None
    assert week.ledger.guaranteed_minutes == 300


def test_pto_leaving_only_a_sliver_of_the_week_still_materialises() -> None:
    # PTO from Monday 00:00 to Friday 16:40 leaves 20 minutes of Friday's follow-up block,
    # too short for a 50-minute slot. 300 x 20 / 2220 rounds to a 3-minute guarantee.
    friday = ORDINARY_WEEK + timedelta(days=4)
    pto = AvailabilityException(
        "dee", ExceptionKind.PTO, local(ORDINARY_WEEK, 0), local(friday, 16, 40)
    )
    week = plan(monday_ipc_week(), ORDINARY_WEEK, [pto])
    assert week.ledger is not None
    assert week.ledger.kept_minutes >= week.ledger.guaranteed_minutes


# -- wall-clock time across DST -----------------------------------------------------------


@pytest.mark.parametrize(
    ("week", "utc_hour"),
    [
        (date(2026, 2, 2), 17),  # PST, UTC-8
        (date(2026, 3, 2), 17),  # the week that ends with Sunday 03-08, spring forward
        (date(2026, 3, 9), 16),  # first full PDT week, UTC-7
        (date(2026, 6, 8), 16),  # PDT
        (date(2026, 11, 2), 17),  # the Monday after fall back: PST again
    ],
)
def test_a_nine_oclock_block_stays_at_nine_local_across_dst(week: date, utc_hour: int) -> None:
    template = WeeklyTemplate(
        "dee",
        (
            block(0, time(9), time(14), BlockKind.IPC),
            block(1, time(9), time(10), BlockKind.INTAKE, 60),
        ),
    )
    laid = plan(template, week)
    first_ipc = min(p.start for p in laid.protected)
    assert first_ipc.astimezone(UTC).hour == utc_hour
    assert first_ipc.astimezone(LA).time() == time(9)
    assert [s.start.astimezone(LA).time() for s in laid.slots] == [time(9)]
    assert laid.slots[0].start.astimezone(UTC).hour == utc_hour


def test_instants_are_stored_in_utc() -> None:
    laid = plan(monday_ipc_week(), ORDINARY_WEEK)
    assert all(s.start.utcoffset() == timedelta(0) for s in laid.slots)
    assert all(p.start.utcoffset() == timedelta(0) for p in laid.protected)


# -- the property: random templates, random FTE, random PTO ------------------------------

WEEKS = [
    date(2026, 3, 2),  # spring forward on its Sunday
    date(2026, 3, 30),  # Cesar Chavez Day (Tuesday)
    date(2026, 6, 15),  # Juneteenth (Friday; state offices open)
    date(2026, 10, 26),  # fall back on its Sunday
    date(2026, 11, 23),  # Thanksgiving and the day after
    date(2026, 6, 8),  # an ordinary week
]
KINDS = [BlockKind.IPC, BlockKind.IPC, BlockKind.INTAKE, BlockKind.FOLLOW_UP, BlockKind.URGENT]


@st.composite
def templates(draw: st.DrawFn) -> WeeklyTemplate:
    """Up to four back-to-back blocks a weekday from 07:00, whole hours long.

    Slot lengths divide an hour and PTO (below) starts and ends on the hour, so every
    bookable minute left by PTO can be turned into protected time if the guarantee needs it.
    """
    blocks: list[TemplateBlock] = []
    for weekday in range(5):
        hour = 7
        for _ in range(draw(st.integers(0, 4))):
            hour += draw(st.integers(0, 1))
            length = draw(st.integers(1, 3))
            kind = draw(st.sampled_from(KINDS))
            minutes = draw(st.sampled_from([15, 20, 30, 60])) if kind in BOOKABLE_KINDS else 0
            blocks.append(block(weekday, time(hour), time(hour + length), kind, minutes))
            hour += length
    return WeeklyTemplate("dee", tuple(blocks))


@st.composite
def pto_intervals(draw: st.DrawFn, week: date) -> list[AvailabilityException]:
    found = []
    for _ in range(draw(st.integers(0, 3))):
        start = local(week + timedelta(days=draw(st.integers(0, 6))), draw(st.integers(0, 23)))
        end = start + timedelta(hours=draw(st.integers(1, 48)))
        found.append(AvailabilityException("dee", ExceptionKind.PTO, start, end))
    return found


@settings(max_examples=150, deadline=None)
@given(
    template=templates(),
    fte=st.sampled_from([0.2, 0.4, 0.5, 0.6, 0.75, 0.8, 0.9, 1.0]),
    contract=st.sampled_from(sorted(CONTRACTS.values(), key=lambda c: c.name)),
    week=st.sampled_from(WEEKS),
    data=st.data(),
)
def test_any_valid_template_keeps_its_guarantee_and_never_books_protected_time(
    template: WeeklyTemplate,
    fte: float,
    contract: ContractTerms,
    week: date,
    data: st.DataObject,
) -> None:
    who = clinician(fte=fte)
    try:
        validate_template(template, who, contract)
    except ProtectedTimeShortfall:
        assume(False)
    pto = data.draw(pto_intervals(week))
    laid = plan(template, week, pto, who=who, contract=contract)
    assert laid.ledger is not None
    assert laid.ledger.kept_minutes >= laid.ledger.guaranteed_minutes
    assert laid.ledger.guaranteed_minutes <= contract.ipc_minutes_per_week(fte)
    assert protected_minutes(laid) == laid.ledger.kept_minutes
    assert_no_slot_in_protected_time(laid)
    for slot in laid.slots:
        assert RULES.calendar.is_business_day(slot.start.astimezone(LA).date())
        assert not any(slot.start < p.end and p.start < slot.end for p in pto)


@pytest.mark.parametrize("template", [thursday_ipc_week(), monday_ipc_week()])
def test_a_week_laid_from_its_remembered_shape_equals_one_laid_from_scratch(
    template: WeeklyTemplate,
) -> None:
    # Every week of a year: ordinary weeks, holiday weeks and both DST changes.
    dee = clinician(0.8)
    weeks = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(52)]
    for week in weeks:
        plan_week(dee, template, SOCAL_2025, RULES.calendar, LA, week)  # remembers shapes
    for week in weeks:
        remembered = plan_week(dee, template, SOCAL_2025, RULES.calendar, LA, week)
        scratch = _lay_week(_WeekBuilder(dee, LA, []), template, SOCAL_2025, RULES.calendar, week)
        assert remembered == scratch
        assert all(s.start.tzinfo is UTC and s.id == 0 for s in remembered.slots)
