"""Answer the Provider Appointment Availability Survey from the schedule, exactly.

On each survey date (the first business day of each month in the window, at the rule
file's survey time), every network provider's next available urgent and non-urgent
appointment is the earliest of their slots that was free at that instant: not booked by
an appointment made before it and still standing then. A slot booked later was free.

An answer is counted only where the schedule shows it. "No appointment by the deadline" is
an answer when the provider's schedule was laid past that deadline (or the provider left
before it); where Parity holds no schedule that far ahead, nobody was asked, and the
survey records no answer rather than inventing a failure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from parity.domain.care import Appointment
from parity.domain.ports import UnitOfWork
from parity.domain.schedule import BlockKind, Slot
from parity.domain.standards import VisitType
from parity.domain.survey import NON_URGENT, URGENT, SurveyAnswer, SurveyRate, survey_rates
from parity.domain.workforce import Clinician
from parity.services.policy import Policy
from parity.services.reporting import Period


def survey_dates(window: Period, policy: Policy) -> list[datetime]:
    """The first business day of each month that starts in the window, at the survey time."""
    rules = policy.rules
    at = time.fromisoformat(rules.survey_time)
    found: list[datetime] = []
    month = date(window.start.year, window.start.month, 1)
    while month < window.end:
        day = rules.calendar.next_business_day_on_or_after(month)
        if window.start <= day < window.end:
            found.append(datetime.combine(day, at, tzinfo=rules.timezone))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return found


def survey(uow: UnitOfWork, policy: Policy, window: Period) -> list[SurveyRate]:
    """The survey rates of the window: per network, measurement year and class."""
    rules = policy.rules
    thresholds = {kind: rules.threshold(kind) for kind in (URGENT, NON_URGENT)}
    answers = survey_answers(uow, policy, window)
    return survey_rates(answers, thresholds, rules.thresholds_in_force)


def survey_answers(uow: UnitOfWork, policy: Policy, window: Period) -> list[SurveyAnswer]:
    dates = survey_dates(window, policy)
    with uow:
        clinicians = list(uow.clinicians.list())
        taken = _bookings_by_slot(uow.appointments.list())
        if not dates:
            return []
        # Each provider's schedule is read once for every survey date of the window.
        ahead = timedelta(days=policy.rules.survey_horizon_days)
        schedules = {
            c.id: uow.slots.for_clinician(c.id, dates[0], dates[-1] + ahead) for c in clinicians
        }
        return [
            answer
            for moment in dates
            for clinician in clinicians
            if not clinician.has_left_by(moment)
            for answer in _answers(policy, clinician, schedules[clinician.id], moment, taken)
        ]


def _bookings_by_slot(appointments: Iterable[Appointment]) -> dict[int, list[Appointment]]:
    found: defaultdict[int, list[Appointment]] = defaultdict(list)
    for appointment in appointments:
        found[appointment.slot_id].append(appointment)
    return dict(found)


def _free_at(slot: Slot, moment: datetime, taken: dict[int, list[Appointment]]) -> bool:
    return not any(
        a.booked_at <= moment and (a.cancelled_at is None or a.cancelled_at > moment)
        for a in taken.get(slot.id, ())
    )


def _answers(
    policy: Policy,
    clinician: Clinician,
    schedule: Sequence[Slot],
    moment: datetime,
    taken: dict[int, list[Appointment]],
) -> list[SurveyAnswer]:
    rules = policy.rules
    ahead = timedelta(days=rules.survey_horizon_days)
    laid = [s for s in schedule if moment < s.start < moment + ahead]
    laid_until = max((s.start for s in laid), default=None)
    free = [s for s in laid if _free_at(s, moment, taken)]
    answers = []
    for kind, visit in ((URGENT, VisitType.URGENT), (NON_URGENT, VisitType.INITIAL)):
        standard = rules.standard_for(visit, clinician.provider_class)
        deadline = rules.deadline(standard, moment)
        earliest = _earliest(free, policy.kinds_for(visit))
        within = earliest is not None and earliest <= deadline
        shown = laid_until is not None and laid_until > deadline
        if within or shown or clinician.has_left_by(deadline):
            answers.append(
                SurveyAnswer(
                    rules.jurisdiction,
                    clinician.id,
                    moment,
                    kind,
                    standard.name,
                    earliest,
                    deadline,
                )
            )
    return answers


def _earliest(slots: Sequence[Slot], kinds: tuple[BlockKind, ...]) -> datetime | None:
    starts = [s.start for s in slots if s.kind in kinds]
    return min(starts) if starts else None
