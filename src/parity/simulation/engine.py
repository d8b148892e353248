"""Run a region's demand through the real booking services on a simulated clock.

Events (arrivals, visits, cancellations) sit in one time-ordered queue; at each event the
clock is set to its instant and the same service functions the API uses are called with
the in-memory unit of work. Arrivals come as a Poisson process in call-centre hours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.domain.care import Appointment, AppointmentStatus, CancelledBy, Course, Decision
from parity.domain.errors import ParityError
from parity.domain.ports import UnitOfWork
from parity.domain.standards import VisitType
from parity.services.courses import start_course
from parity.services.members import register_member
from parity.services.policy import Policy
from parity.services.requests import RequestCare, open_request
from parity.services.schedules import materialise, register_clinician, register_clinics
from parity.services.status_quo import ReleaseUrgentHolds, release_urgent_holds
from parity.services.visits import CancelAppointment, cancel_appointment, close_visit
from parity.simulation.booking_policy import (
    HORIZON_WEEKS_AHEAD,
    BookingPolicy,
    booker_for,
    policy_for,
)
from parity.simulation.demand import Demand, demand_from
from parity.simulation.events import EventQueue
from parity.simulation.region import SyntheticRegion
from parity.simulation.run_state import Episode, SimulationConfig, SimulationRun
from parity.simulation.runtime import settle_heap
from parity.simulation.steady import free_slots_left, lay_leave
from parity.simulation.streams import streams_for

T = TypeVar("T")
OPEN_HOURS = (time(7, 0), time(19, 0))
__all__ = ["HORIZON_WEEKS_AHEAD", "Episode", "Simulation", "SimulationConfig", "SimulationRun"]


class Simulation:
    def __init__(
        self,
        region: SyntheticRegion,
        policy: Policy,
        config: SimulationConfig,
        uow: UnitOfWork | None = None,
    ) -> None:
        self.region = region
        self.policy = policy_for(config.booking, region.spec, policy)
        self.config = config
        self.tz = policy.rules.timezone
        self.streams = streams_for(config.seed)
        self.demand: Demand = demand_from(
            region.spec.demand, region.spec.workforce, region.member_count
        )
        # The in-memory store by default; `parity demo` passes the configured database.
        self.uow: UnitOfWork = uow if uow is not None else MemoryUnitOfWork()
        self.live_reads = isinstance(self.uow, MemoryUnitOfWork)
        self.clock = SimulatedClock(self._at(config.start, time(0, 0)))
        self.queue = EventQueue()
        self.episodes: dict[int, Episode] = {}
        self.registered: set[str] = set()
        self.run_state = SimulationRun(self.uow, policy, config)
        self.run_state.starts_per_week = self.demand.episodes_per_day * 7
        # Hooks for workforce scenarios (simulation/staffing.py): episode starts scale with
        # `demand_factor`; `roster`, when set, names the clinicians whose weeks are laid.
        self.demand_factor = 1.0
        self.roster: set[str] | None = None
        rng = (
            self.streams.departures
            if config.booking is BookingPolicy.STATUS_QUO
            else self.streams.exceptions
        )
        fte = sum(c.fte for c in region.clinicians)
        self.booker = booker_for(config.booking, self, region.spec, rng, fte)
        self._current: Episode | None = None
        self.release_hours = float(region.spec.workforce["urgent_release_hours"])

    def _at(self, day: date, clock_time: time) -> datetime:
        return datetime.combine(day, clock_time, tzinfo=self.tz).astimezone(UTC)

    def _push(self, when: datetime, kind: str, payload: Any) -> None:
        self.queue.push(when, kind, payload)

    def setup(self) -> None:
        register_clinics(self.region.clinics, self.uow)
        for clinician, template in zip(self.region.clinicians, self.region.templates, strict=True):
            register_clinician(clinician, template, self.uow, self.policy)
        weeks = self.config.max_warmup_weeks + self.config.weeks if self.config.settle else 0
        weeks = max(weeks, (self.config.end - self.config.start).days // 7 + 1)
        self.run_state.leave_weeks = lay_leave(
            self.region.clinicians,
            float(self.region.spec.workforce["leave_weeks_per_year"]),
            self.config.start,
            weeks,
            self.streams.leave,
            (self.uow, self.policy, self.clock),
        )

    def run(
        self,
        on_day: Callable[[int, int], None] | None = None,
        before_day: Callable[[date], None] | None = None,
    ) -> SimulationRun:
        """Simulate every day from the start to the end; `before_day(day)` runs at the
        day's first instant, before its weeks are laid and its arrivals drawn. With
        `settle`, the warm-up grows until the weekly load is flat (steady.py)."""
        self.setup()
        settle_heap()
        day = self.config.start
        while day < self.config.end:
            if before_day is not None:
                self.clock.set(self._at(day, time(0, 0)))
                before_day(day)
            if day.weekday() == 0:
                self._new_week(day)
            if day == self.config.measure_from:
                self._maybe_extend_warmup()
            self._release_holds(day)
            self._schedule_arrivals(day)
            self._drain(self._at(day + timedelta(days=1), time(0, 0)))
            day += timedelta(days=1)
            if on_day is not None:
                on_day((day - self.config.start).days, (self.config.end - self.config.start).days)
        return self.run_state

    def _new_week(self, day: date) -> None:
        if day > self.config.start:
            last_week = self._at(day - timedelta(weeks=1), time(0, 0))
            free = self._read(lambda uow: free_slots_left(uow, self.region.clinicians, last_week))
            self.run_state.load.close_week(free)
        self.booker.new_week()
        self.lay_weeks(day)

    def _maybe_extend_warmup(self) -> None:
        """At the end of the warm-up: extend it four weeks if the load is still moving."""
        config, load = self.config, self.run_state.load
        if config.settle and not load.flat() and config.warmup_weeks + 4 <= config.max_warmup_weeks:
            self.config = replace(config, warmup_weeks=config.warmup_weeks + 4)
            return
        self.run_state.steady_state = load.flat()
        self.run_state.steady_check = load.report()

    def _release_holds(self, day: date) -> None:
        """Unused urgent holds starting within the release window become follow-up slots."""
        self.clock.set(self._at(day, time(0, 0)))
        until = self.clock.now() + timedelta(hours=self.release_hours)
        release_urgent_holds(ReleaseUrgentHolds(until), self.uow, self.clock)

    def lay_weeks(self, day: date, clinician_ids: tuple[str, ...] | None = None) -> None:
        """Keep the rolling horizon laid from `day`: everyone's weeks, the roster's, or
        the named clinicians' (weeks already laid are skipped)."""
        if clinician_ids is None and self.roster is not None:
            clinician_ids = tuple(sorted(self.roster))
        if clinician_ids == ():
            return  # an empty roster lays nothing (an empty list would mean everyone)
        materialise(self.uow, self.policy, day, HORIZON_WEEKS_AHEAD, clinician_ids or ())

    def _schedule_arrivals(self, day: date) -> None:
        opens, closes = self._at(day, OPEN_HOURS[0]), self._at(day, OPEN_HOURS[1])
        hours = (closes - opens).total_seconds() / 3600
        rate = self.demand.episodes_per_day * self.demand_factor / hours
        rng = self.streams.arrivals
        elapsed = rng.expovariate(rate)
        while elapsed < hours:
            self._push(opens + timedelta(hours=elapsed), "arrival", None)
            elapsed += rng.expovariate(rate)

    def _drain(self, until: datetime) -> None:
        for when, kind, payload in self.queue.pop_before(until):
            self.clock.set(when)
            try:
                getattr(self, f"_on_{kind}")(payload)
            except ParityError as error:
                self.run_state.errors.append(f"{kind}: {error.message}")

    def arrival_draw(self) -> tuple[int, VisitType, Any, bool, int, int]:
        """One arrival's draws: member, first visit, sessions and cadence (two streams, so
        paired runs share them whatever happens to bookings)."""
        arrivals, sessions = self.streams.arrivals, self.streams.sessions
        k = arrivals.randrange(self.region.member_count)
        visit, provider_class, prior_auth = self.demand.visit_and_class(arrivals)
        return (
            k,
            visit,
            provider_class,
            prior_auth,
            self.demand.sessions(sessions),
            self.demand.cadence(sessions),
        )

    def _on_arrival(self, _: None) -> None:
        k, visit, provider_class, prior_auth, planned, cadence = self.arrival_draw()
        member = self.region.member(k)
        if self.config.register_members and member.id not in self.registered:
            register_member(member, self.uow)  # so the API can show the member as a Patient
            self.registered.add(member.id)
        episode = Episode(member, planned, cadence)
        self._open_first_visit(episode, visit, provider_class, prior_auth)

    def _open_first_visit(
        self, episode: Episode, visit: VisitType, provider_class: Any, prior_auth: bool
    ) -> None:
        member = episode.member
        request = open_request(
            RequestCare(
                member.id,
                visit,
                provider_class,
                member.language,
                member.modalities,
                member.clinic_id,
                prior_authorization=prior_auth,
            ),
            self.uow,
            self.clock,
            self.policy,
        )
        self.episodes[request.id] = episode
        self._after(self.booker.first(request))

    @property
    def measuring(self) -> bool:
        return self.clock.now() >= self._at(self.config.measure_from, time(0, 0))

    def count_outside(self, request_id: int, gave_up: bool = False) -> None:
        """An episode (or what was left of it) went to an outside therapist."""
        if not self.measuring:
            return
        episode = self.episodes.get(request_id)
        if gave_up or episode is None:
            self.run_state.gave_up += gave_up
            return
        remaining = max(1, episode.sessions_planned - episode.sessions_done)
        self.run_state.episodes_seen.add(id(episode))
        self.run_state.outside_episodes += 1
        self.run_state.outside_sessions += remaining * (1 - self.demand.no_show_follow_up)

    def track(self, request_id: int) -> None:
        """A follow-up request was opened for the episode being continued."""
        if self._current is not None:
            self.episodes[request_id] = self._current

    def give_up_later(self, appointment_id: int, starts_at: datetime) -> None:
        """The member gives up at some point while waiting for a late visit."""
        now = self.clock.now()
        when = now + (starts_at - now) * self.streams.departures.random()
        self._push(when, "give_up", appointment_id)

    def _read(self, query: Callable[[UnitOfWork], T]) -> T:
        """Run a read inside its own (rolled-back) transaction, as any SQL store needs.

        The in-memory store's records are live objects and a read changes nothing, so it
        reads them directly: inside a transaction it would snapshot every record it
        touches only to restore it on the rollback (a sixth of the run's time).
        """
        if self.live_reads:
            return query(self.uow)
        with self.uow:
            return query(self.uow)

    def _after(self, decision: Decision | None) -> None:
        self.run_state.decisions += 1
        if decision is None:
            return  # referred out by the status-quo booker, already counted
        if decision.referral_id is not None:
            self.count_outside(decision.request_id)
        if decision.appointment_id is None or decision.starts_at is None:
            return
        self.run_state.bookings += 1
        lead = (decision.starts_at - self.clock.now()).total_seconds() / 86_400
        self.run_state.load.booked(lead)
        self._push(decision.starts_at, "visit", decision.appointment_id)
        self._maybe_cancel(decision.appointment_id, decision.starts_at)

    def _maybe_cancel(self, appointment_id: int, starts_at: datetime) -> None:
        now = self.clock.now()
        lead = (starts_at - now).total_seconds()
        rng = self.streams.cancellations
        draw = rng.random()
        demand = self.demand
        if draw < demand.clinic_cancel:
            self._push(
                now + timedelta(seconds=lead * rng.random()), "clinic_cancel", appointment_id
            )
        elif draw < demand.clinic_cancel + demand.member_cancel:
            self._push(
                now + timedelta(seconds=lead * rng.random()), "member_cancel", appointment_id
            )
        elif draw < demand.clinic_cancel + demand.member_cancel + demand.late_cancel:
            late = starts_at - timedelta(hours=min(2.0, lead / 7200))
            self._push(late, "member_cancel", appointment_id)

    def _still_booked(self, appointment_id: int) -> bool:
        """A visit a departure or a strike already cancelled has nothing left to cancel."""
        appointment = self._read(lambda uow: uow.appointments.get(appointment_id))
        return appointment.status is AppointmentStatus.BOOKED

    def _on_clinic_cancel(self, appointment_id: int) -> None:
        if not self._still_booked(appointment_id):
            return
        cancelled = cancel_appointment(
            CancelAppointment(appointment_id, CancelledBy.CLINIC, "clinician unavailable"),
            self.uow,
            self.clock,
        )
        # The request re-opens with its original deadline; rebook it at once.
        self._after(self.booker.rebook(cancelled.request_id))

    def _on_give_up(self, appointment_id: int) -> None:
        """The member stops waiting: the visit is cancelled and the episode ends."""
        if not self._still_booked(appointment_id):
            return
        cancel_appointment(
            CancelAppointment(appointment_id, CancelledBy.MEMBER, "gave up waiting"),
            self.uow,
            self.clock,
        )
        self.run_state.gave_up += self.measuring

    def _on_member_cancel(self, appointment_id: int) -> None:
        if not self._still_booked(appointment_id):
            return
        cancelled = cancel_appointment(
            CancelAppointment(appointment_id, CancelledBy.MEMBER, "member rescheduled"),
            self.uow,
            self.clock,
        )
        self._continue(cancelled, rescheduled=True)

    def _on_visit(self, appointment_id: int) -> None:
        appointment = self._read(lambda uow: uow.appointments.get(appointment_id))
        if appointment.cancelled_by is not None:
            return
        follow_up = appointment.visit is VisitType.FOLLOW_UP
        rate = self.demand.no_show_follow_up if follow_up else self.demand.no_show_intake
        attended = self.streams.no_shows.random() >= rate
        closed = close_visit(appointment_id, attended, self.uow)
        self.run_state.load.visit_held()
        hours = (appointment.end - appointment.start).total_seconds() / 3600
        self.run_state.visit_hours += hours
        self.run_state.measured_visit_hours += hours * self.measuring
        episode = self.episodes.get(appointment.request_id)
        if attended and episode is not None:
            episode.sessions_done += 1
        if self.measuring:
            self.run_state.in_network_sessions += attended
            if episode is not None:
                self.run_state.episodes_seen.add(id(episode))
        self._continue(closed, rescheduled=False, attended=attended)

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
