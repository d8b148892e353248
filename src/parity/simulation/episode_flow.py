"""What happens to an episode after a booking: the visit is held or missed, a cancellation
re-books, a member gives up, and the next visit of the course is asked for.

`Simulation` (engine.py) is an `EpisodeFlow`; the flow reads the run's state through the
attributes declared here and books through the engine's `_after` and `_open_first_visit`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from parity.adapters.clock import SimulatedClock
from parity.domain.care import Appointment, AppointmentStatus, CancelledBy, Course, Decision
from parity.domain.ports import UnitOfWork
from parity.domain.standards import VisitType
from parity.domain.workforce import ProviderClass
from parity.services.courses import start_course
from parity.services.visits import CancelAppointment, cancel_appointment, close_visit
from parity.simulation.booking_policy import Booker
from parity.simulation.demand import Demand
from parity.simulation.keyed_draws import Purpose
from parity.simulation.run_state import Episode, SimulationRun

T = TypeVar("T")


class EpisodeFlow:
    uow: UnitOfWork
    clock: SimulatedClock
    demand: Demand
    episodes: dict[int, Episode]
    run_state: SimulationRun
    booker: Booker
    _current: Episode | None

    @property
    def measuring(self) -> bool:
        raise NotImplementedError

    def _read(self, query: Callable[[UnitOfWork], T]) -> T:
        raise NotImplementedError

    def draw(self, purpose: Purpose, request_id: int) -> float:
        raise NotImplementedError

    def _after(self, decision: Decision | None) -> None:
        raise NotImplementedError

    def _open_first_visit(
        self, episode: Episode, visit: VisitType, provider_class: ProviderClass, prior_auth: bool
    ) -> None:
        raise NotImplementedError

    def _cancel(self, appointment_id: int, by: CancelledBy, reason: str) -> Appointment | None:
        """Cancel a visit still booked; None when a departure or a strike already did."""
        appointment = self._read(lambda uow: uow.appointments.get(appointment_id))
        if appointment.status is not AppointmentStatus.BOOKED:
            return None
        return cancel_appointment(
            CancelAppointment(appointment_id, by, reason), self.uow, self.clock
        )

    def _on_clinic_cancel(self, appointment_id: int) -> None:
        cancelled = self._cancel(appointment_id, CancelledBy.CLINIC, "clinician unavailable")
        if cancelled is not None:
            # The request re-opens with its original deadline; rebook it at once.
            self._after(self.booker.rebook(cancelled.request_id))

    def _on_give_up(self, appointment_id: int) -> None:
        """The member stops waiting: the visit is cancelled and the episode ends."""
        if self._cancel(appointment_id, CancelledBy.MEMBER, "gave up waiting") is not None:
            self.run_state.gave_up += self.measuring

    def _on_member_cancel(self, appointment_id: int) -> None:
        cancelled = self._cancel(appointment_id, CancelledBy.MEMBER, "member rescheduled")
        if cancelled is not None:
            self._continue(cancelled, rescheduled=True)
            self._done_with(cancelled.request_id)

    def _on_visit(self, appointment_id: int) -> None:
        appointment = self._read(lambda uow: uow.appointments.get(appointment_id))
        if appointment.cancelled_by is not None:
            return
        follow_up = appointment.visit is VisitType.FOLLOW_UP
        rate = self.demand.no_show_follow_up if follow_up else self.demand.no_show_intake
        attended = self.draw(Purpose.NO_SHOW, appointment.request_id) >= rate
        closed = close_visit(appointment_id, attended, self.uow)
        self.run_state.load.visit_held()
        hours = (appointment.end - appointment.start).total_seconds() / 3600
        measuring = self.measuring  # the clock stands still during an event
        self.run_state.visit_hours += hours
        self.run_state.measured_visit_hours += hours * measuring
        episode = self.episodes.get(appointment.request_id)
        if attended and episode is not None:
            episode.sessions_done += 1
        if measuring:
            self.run_state.in_network_sessions += attended
            if episode is not None:
                self.run_state.episodes_seen.add(episode.serial)
        self._continue(closed, rescheduled=False, attended=attended)
        self._done_with(appointment.request_id)

    def _done_with(self, request_id: int) -> None:
        """A request whose visit was held, or that its member withdrew, is never looked up
        again (its next visit is a request of its own): a year would keep millions."""
        self.episodes.pop(request_id, None)

    def _continue(self, appointment: Appointment, rescheduled: bool, attended: bool = True) -> None:
        """After a visit or a member cancellation: the next visit of the episode, if any."""
        episode = self.episodes.get(appointment.request_id)
        if episode is None:
            return
        course_id = episode.course_id
        if course_id is None:
            self._continue_first_visit(episode, appointment, rescheduled, attended)
            return
        course = self._read(lambda uow: uow.courses.get(course_id))
        if course.sessions_done >= course.sessions_planned:
            return
        when = self.clock.now() if rescheduled else None
        self._current = episode
        self._after(self.booker.follow_up(course, appointment, when))

    def _continue_first_visit(
        self, episode: Episode, appointment: Appointment, rescheduled: bool, attended: bool
    ) -> None:
        if rescheduled or not attended:
            # The member asks again: a new request whose clock starts now.
            request = self._read(lambda uow: uow.requests.get(appointment.request_id))
            self._open_first_visit(
                episode, request.visit, request.provider_class, request.prior_authorization
            )
            return
        if episode.sessions_planned <= 1:
            return
        clinician = self._read(lambda uow: uow.clinicians.get(appointment.clinician_id))
        member = episode.member
        course = start_course(
            Course(
                member.id,
                clinician.id,
                clinician.provider_class,
                member.language,
                member.modalities,
                member.clinic_id,
                episode.cadence_days,
                episode.sessions_planned,
                sessions_done=1,
            ),
            self.uow,
        )
        episode.course_id = course.id
        self._continue(appointment, rescheduled=False)
