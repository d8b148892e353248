"""The report's IPC ledger: the minutes of protected time live bookings overlap, per
clinician-week of the window (docs/adr/0017, nineteenth round: each clinician's blocks
read once)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from parity.adapters.memory import MemoryUnitOfWork
from parity.adapters.rules_files import load_contract, load_rules
from parity.domain.care import Appointment, CancelledBy
from parity.domain.schedule import IpcWeek, ProtectedTime
from parity.domain.standards import VisitType
from parity.domain.workforce import Modality
from parity.services.policy import Policy
from parity.services.reporting import Period, protected_time_rows

LA = ZoneInfo("America/Los_Angeles")
WEEK = date(2026, 6, 8)  # a Monday; no holiday, no DST change
NEXT = WEEK + timedelta(days=7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LA)


def visit(clinician: str, start: datetime, minutes: int = 50) -> Appointment:
    return Appointment(
        request_id=1,
        member_id="m1",
        clinician_id=clinician,
        clinic_id="north",
        slot_id=1,
        start=start,
        end=start + timedelta(minutes=minutes),
        visit=VisitType.FOLLOW_UP,
        modality=Modality.VIDEO,
        booked_at=start - timedelta(days=3),
    )


def test_the_ledger_counts_each_weeks_overlap_of_live_bookings_with_protected_time() -> None:
    policy = Policy(load_rules(), load_contract("socal-2025"))
    uow = MemoryUnitOfWork()
    with uow:
        for clinician, week in (("dee", WEEK), ("eve", WEEK), ("dee", NEXT)):
            uow.ipc_ledger.record(IpcWeek(clinician, week, 300, 300))
        uow.protected.add_many(
            [
                ProtectedTime("dee", at(WEEK, 10, 30), at(WEEK, 12)),  # Monday 10:30-12:00
                ProtectedTime("dee", at(NEXT, 10), at(NEXT, 12)),
            ]
        )
        cancelled = visit("dee", at(WEEK, 11, 30))
        cancelled.cancelled_by = CancelledBy.MEMBER
        for appointment in (
            visit("dee", at(WEEK, 10)),  # 10:00-10:50: 20 minutes inside
            visit("dee", at(WEEK, 11)),  # 11:00-11:50: 50 minutes inside
            visit("dee", at(WEEK, 13)),  # after the block: none
            cancelled,  # cancelled: not counted
            visit("eve", at(WEEK, 10, 30)),  # eve has no protected time
            visit("dee", at(NEXT, 10)),  # the week after the window
        ):
            uow.appointments.add(appointment)
        uow.commit()
    rows = protected_time_rows(uow, policy, Period(WEEK, WEEK + timedelta(days=7)))
    found = {(r.clinician_id, r.week_start): r.booked_into_minutes for r in rows}
    assert found == {("dee", WEEK): 20 + 50, ("eve", WEEK): 0}
    (dee,) = [r for r in rows if r.clinician_id == "dee"]
    assert dee.shortfall_minutes == 70  # 300 guaranteed, 300 kept, 70 of it booked
