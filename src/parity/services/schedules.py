"""Use cases for clinics, clinicians, templates, exceptions and materialising slots."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from parity.domain.care import Appointment, AppointmentStatus, CancelledBy, RequestStatus
from parity.domain.errors import InvalidInput, ProtectedTimeShortfall
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import (
    AvailabilityException,
    BlockKind,
    ExceptionKind,
    IpcWeek,
    SlotStatus,
    WeeklyTemplate,
    overlap_minutes,
    validate_template,
    week_start_of,
)
from parity.domain.week_plan import extra_hour_slots, plan_week
from parity.domain.workforce import Clinic, Clinician
from parity.services.policy import Policy
from parity.services.waitlist import offer_new_hours, requeue_clinic_cancelled


def register_clinics(clinics: Iterable[Clinic], uow: UnitOfWork) -> None:
    with uow:
        for clinic in clinics:
            uow.clinics.add(clinic)
        uow.commit()


def register_clinician(
    clinician: Clinician, template: WeeklyTemplate, uow: UnitOfWork, policy: Policy
) -> None:
    """Add a clinician with their weekly template; refuse a template short of protected time."""
    validate_template(template, clinician, policy.contract)
    with uow:
        for clinic_id in {*clinician.clinic_ids, *(b.clinic_id for b in template.blocks)}:
            uow.clinics.get(clinic_id)
        uow.clinicians.add(clinician)
        uow.templates.add(template)
        uow.commit()


def materialise(
    uow: UnitOfWork, policy: Policy, first_week: date, weeks: int, clinician_ids: Sequence[str] = ()
) -> list[IpcWeek]:
    """Lay templates onto the calendar for `weeks` weeks from the week containing `first_week`.

    Weeks already materialised for a clinician are skipped, so this is safe to repeat as a
    rolling horizon.
    """
    start = week_start_of(first_week)
    laid: list[IpcWeek] = []
    with uow:
        ids = list(clinician_ids) or [c.id for c in uow.clinicians.list()]
        for clinician_id in ids:
            laid.extend(_materialise_clinician(uow, policy, clinician_id, start, weeks))
        uow.commit()
    return laid


def _materialise_clinician(
    uow: UnitOfWork, policy: Policy, clinician_id: str, start: date, weeks: int
) -> list[IpcWeek]:
    clinician = uow.clinicians.get(clinician_id)
    templates = uow.templates.where(clinician_id=clinician_id)
    if not templates:
        return []  # imported without a template yet: nothing to lay
    template = templates[0]
    exceptions = [
        e for e in uow.availability_exceptions.where(clinician_id=clinician_id) if e.stands
    ]
    laid: list[IpcWeek] = []
    for week in range(weeks):
        week_start = start + timedelta(weeks=week)
        if uow.ipc_ledger.has(clinician_id, week_start):
            continue
        plan = plan_week(
            clinician,
            template,
            policy.contract,
            policy.rules.calendar,
            policy.rules.timezone,
            week_start,
            exceptions,
        )
        uow.slots.add_many(plan.slots, clinician)
        uow.protected.add_many(plan.protected)
        assert plan.ledger is not None
        uow.ipc_ledger.record(plan.ledger)
        laid.append(plan.ledger)
    return laid


@dataclass(frozen=True)
class AddException:
    exception: AvailabilityException


def add_availability_exception(
    cmd: AddException, uow: UnitOfWork, policy: Policy, clock: Clock
) -> AvailabilityException:
    """Record PTO, extra hours or admin time; refuse anything laid over protected IPC time.

    In weeks already materialised, PTO withdraws the free slots it covers and cancels the
    visits booked in it as clinic-initiated cancellations (their requests re-open with their
    original deadlines); extra hours add bookable slots. `services.absences` is the
    confirmed, rebooking flow the pages use (docs/adr/0016-pages-for-each-role.md).
    """
    exc = cmd.exception
    if exc.end <= clock.now():
        raise InvalidInput("an availability exception must end in the future")
    with uow:
        add_exception_in(uow, policy, clock, exc)
        uow.commit()
    if exc.kind is ExceptionKind.EXTRA_HOURS and policy.waitlist.enabled:
        offer_new_hours(exc.clinician_id, exc.start, exc.end, uow, clock, policy)
    return exc


def add_exception_in(
    uow: UnitOfWork, policy: Policy, clock: Clock, exc: AvailabilityException
) -> list[Appointment]:
    """Lay the exception inside the caller's transaction; the visits it cancelled."""
    clinician = uow.clinicians.get(exc.clinician_id)
    if exc.kind is not ExceptionKind.PTO:
        _refuse_protected_overlap(uow, policy, exc)
    cancelled: list[Appointment] = []
    if exc.kind is ExceptionKind.EXTRA_HOURS:
        _add_extra_slots(uow, policy, clinician, exc)
    else:
        cancelled = _withdraw_slots(uow, exc, clock, policy)
    uow.availability_exceptions.add(exc)
    return cancelled


def _refuse_protected_overlap(uow: UnitOfWork, policy: Policy, exc: AvailabilityException) -> None:
    """Refuse admin time or extra hours over protected time, laid or still only templated."""
    laid = uow.protected.overlapping(exc.clinician_id, exc.start, exc.end)
    lost_laid = sum(overlap_minutes((exc.start, exc.end), (b.start, b.end)) for b in laid)
    lost = max(lost_laid, _templated_ipc_overlap(uow, policy, exc))
    if lost:
        week = week_start_of(exc.start.astimezone(policy.rules.timezone).date())
        raise ProtectedTimeShortfall(
            f"clinician {exc.clinician_id}, week of {week.isoformat()}: {exc.kind} would take "
            f"{lost} min of protected IPC time (short by {lost} min)",
            clinician=exc.clinician_id,
            week=week.isoformat(),
            shortfall_minutes=lost,
        )


def _templated_ipc_overlap(uow: UnitOfWork, policy: Policy, exc: AvailabilityException) -> int:
    tz = policy.rules.timezone
    template = uow.templates.get(exc.clinician_id)
    day, last = exc.start.astimezone(tz).date(), exc.end.astimezone(tz).date()
    lost = 0
    while day <= last:
        for block in template.blocks_on(day.weekday()):
            if block.kind is BlockKind.IPC and day not in policy.rules.calendar.holidays:
                lost += overlap_minutes((exc.start, exc.end), block.interval_on(day, tz))
        day += timedelta(days=1)
    return lost


def _add_extra_slots(
    uow: UnitOfWork, policy: Policy, clinician: Clinician, exc: AvailabilityException
) -> None:
    existing = uow.slots.for_clinician(clinician.id, exc.start, exc.end)
    if any(s.start < exc.end and exc.start < s.end for s in existing):
        raise InvalidInput(f"clinician {clinician.id}: extra hours overlap existing slots")
    week = week_start_of(exc.start.astimezone(policy.rules.timezone).date())
    if not uow.ipc_ledger.has(clinician.id, week):
        return  # the week is laid later, with this exception in it
    uow.slots.add_many(extra_hour_slots(clinician, exc), clinician)


def _withdraw_slots(
    uow: UnitOfWork, exc: AvailabilityException, clock: Clock, policy: Policy
) -> list[Appointment]:
    cancelled: list[Appointment] = []
    for slot in uow.slots.for_clinician(exc.clinician_id, exc.start, exc.end):
        if slot.status is SlotStatus.FREE:
            uow.slots.take(slot.id)
            continue
        for appointment in uow.appointments.where(slot_id=slot.id):
            if appointment.status is AppointmentStatus.BOOKED:
                _cancel_for_absence(uow, appointment, exc, clock, policy)
                cancelled.append(appointment)
    return cancelled


def _cancel_for_absence(
    uow: UnitOfWork,
    appointment: Appointment,
    exc: AvailabilityException,
    clock: Clock,
    policy: Policy,
) -> None:
    """A clinic-initiated cancellation: the request re-opens with its original deadline at
    the head of the waitlist, never offered the slot the clinic took back."""
    appointment.cancel(CancelledBy.CLINIC, clock.now(), f"clinician {exc.kind}: {exc.reason}")
    uow.appointments.save(appointment)
    request = uow.requests.get(appointment.request_id)
    request.status = RequestStatus.OPEN
    uow.requests.save(request)
    requeue_clinic_cancelled(request, uow, clock.now(), policy, appointment.slot_id)
