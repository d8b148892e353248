"""The simulator with a changing workforce: hires, departures, absences (a strike), demand
growth, and out-of-network referrals counted by the sessions they send out of network.

Every change goes through the services (register_clinician, clinicians_leave,
clinicians_absent, transfer_course); visits a change cancels are rebooked at once, as a
clinic-initiated cancellation must be.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from parity.domain.care import Appointment, Decision
from parity.domain.errors import ParityError
from parity.domain.schedule import WeeklyTemplate
from parity.domain.workforce import Clinician
from parity.services.schedules import register_clinician
from parity.services.workforce import (
    Absence,
    Departure,
    TransferCourse,
    clinicians_absent,
    clinicians_leave,
    transfer_course,
)
from parity.simulation.engine import Simulation
from parity.simulation.steady import lay_leave


class StaffedSimulation(Simulation):
    def _prepare(self) -> None:
        # Who is employed now: the engine lays weeks for these clinicians only.
        self.staff = {c.id for c in self.region.clinicians}
        self.roster = self.staff
        self.departed: set[str] = set()
        # Out-of-network referral -> the sessions of its episode still to come.
        self.referred_sessions: dict[int, int] = {}

    def hire(
        self, clinician: Clinician, template: WeeklyTemplate, day: date, leave: bool = True
    ) -> None:
        """A new clinician starts on `day`: registered, their leave recorded (the region's
        weeks a year, as for everyone; not for `leave=False`, e.g. a few weeks' strike
        cover), and their weeks laid from then."""
        register_clinician(clinician, template, self.uow, self.policy)
        self.staff.add(clinician.id)
        first_monday = day + timedelta(days=-day.weekday() % 7)
        weeks = (self.config.end - first_monday).days // 7 + 1
        if leave and weeks > 0:
            self.run_state.leave_weeks += lay_leave(
                (clinician,),
                float(self.region.spec.workforce["leave_weeks_per_year"]),
                first_monday,
                weeks,
                self.streams.leave,
                (self.uow, self.policy, self.clock),
            )
        self.lay_weeks(day, (clinician.id,))

    def depart(self, clinician_ids: Iterable[str], effective: datetime, reason: str) -> None:
        ids = tuple(sorted(clinician_ids))
        if not ids:
            return
        cancelled = clinicians_leave(Departure(ids, effective, reason), self.uow, self.clock)
        self.staff.difference_update(ids)
        self.departed.update(ids)
        self._rebook(cancelled)

    def absent(
        self, clinician_ids: Iterable[str], start: datetime, end: datetime, reason: str
    ) -> None:
        ids = tuple(sorted(clinician_ids))
        if ids:
            self._rebook(clinicians_absent(Absence(ids, start, end, reason), self.uow, self.clock))

    def _rebook(self, cancelled: list[Appointment]) -> None:
        for appointment in cancelled:
            try:
                self._after(self.booker.rebook(appointment.request_id))
            except ParityError as error:
                self.run_state.errors.append(f"rebook: {error.message}")

    def _after(self, decision: Decision | None) -> None:
        super()._after(decision)
        if decision is None:
            return
        if decision.action == "referred":
            self.referred_sessions[decision.request_id] = self._sessions_left(decision.request_id)
        elif self.departed and decision.appointment_id is not None:
            self._follow_the_member(decision)

    def _sessions_left(self, request_id: int) -> int:
        episode = self.episodes.get(request_id)
        if episode is None:
            return 1
        course_id = episode.course_id
        done = (
            0 if course_id is None else self._read(lambda u: u.courses.get(course_id)).sessions_done
        )
        return max(1, episode.sessions_planned - done)

    def _follow_the_member(self, decision: Decision) -> None:
        """A course whose clinician left goes to whoever the member now sees."""
        episode = self.episodes.get(decision.request_id)
        course_id = None if episode is None else episode.course_id
        if course_id is None or decision.appointment_id is None:
            return
        appointment_id = decision.appointment_id
        course = self._read(lambda u: u.courses.get(course_id))
        if course.clinician_id not in self.departed:
            return
        booked = self._read(lambda u: u.appointments.get(appointment_id))
        if booked.clinician_id not in self.departed:
            transfer_course(TransferCourse(course_id, booked.clinician_id), self.uow)
