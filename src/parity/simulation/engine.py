"""Run a region's demand through the real booking services on a simulated clock.

Events (arrivals, visits, cancellations) sit in one time-ordered queue; at each event the
clock is set to its instant and the same service functions the API uses are called with
the in-memory unit of work. Arrivals come as a Poisson process in call-centre hours.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.domain.care import Appointment, AppointmentStatus, CancelledBy, Course, Decision
from parity.domain.errors import ParityError
from parity.domain.members import Member
from parity.domain.ports import UnitOfWork
from parity.domain.standards import VisitType
from parity.services.booking import BookRequest, book_request
from parity.services.courses import BookFollowUp, book_follow_up, start_course
from parity.services.members import register_member
from parity.services.policy import Policy
from parity.services.requests import RequestCare, open_request
from parity.services.schedules import materialise, register_clinician, register_clinics
from parity.services.visits import CancelAppointment, cancel_appointment, close_visit
from parity.simulation.demand import Demand, demand_from
from parity.simulation.events import EventQueue
from parity.simulation.region import SyntheticRegion
from parity.simulation.runtime import settle_heap

T = TypeVar("T")
OPEN_HOURS = (time(7, 0), time(19, 0))
HORIZON_WEEKS_AHEAD = 8


@dataclass
class Episode:
    member: Member
    sessions_planned: int
    cadence_days: int
    course_id: int | None = None


@dataclass(frozen=True)
class SimulationConfig:
    weeks: int = 12
    warmup_weeks: int = 26
    start: date = date(2026, 1, 5)
    seed: int = 7
    register_members: bool = False

    @property
    def measure_from(self) -> date:
        return self.start + timedelta(weeks=self.warmup_weeks)

    @property
    def end(self) -> date:
        return self.measure_from + timedelta(weeks=self.weeks)


@dataclass
class SimulationRun:
    uow: UnitOfWork
    policy: Policy
    config: SimulationConfig
    bookings: int = 0
    decisions: int = 0
    errors: list[str] = field(default_factory=list)


class Simulation:
    def __init__(
        self,
        region: SyntheticRegion,
        policy: Policy,
        config: SimulationConfig,
        uow: UnitOfWork | None = None,
    ) -> None:
        self.region = region
        self.policy = policy
        self.config = config
        self.tz = policy.rules.timezone
        self.rng = random.Random(config.seed)
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
        # Hooks for workforce scenarios (simulation/staffing.py): episode starts scale with
        # `demand_factor`; `roster`, when set, names the clinicians whose weeks are laid.
        self.demand_factor = 1.0
        self.roster: set[str] | None = None

    def _at(self, day: date, clock_time: time) -> datetime:
        return datetime.combine(day, clock_time, tzinfo=self.tz).astimezone(UTC)

    def _push(self, when: datetime, kind: str, payload: Any) -> None:
        self.queue.push(when, kind, payload)

    def setup(self) -> None:
        register_clinics(self.region.clinics, self.uow)
        for clinician, template in zip(self.region.clinicians, self.region.templates, strict=True):
            register_clinician(clinician, template, self.uow, self.policy)

    def run(
        self,
        on_day: Callable[[int, int], None] | None = None,
        before_day: Callable[[date], None] | None = None,
    ) -> SimulationRun:
        """Simulate every day from the start to the end; `before_day(day)` runs at the
        day's first instant, before its weeks are laid and its arrivals drawn."""
        self.setup()
        settle_heap()
        days = (self.config.end - self.config.start).days
        for offset in range(days):
            day = self.config.start + timedelta(days=offset)
            if before_day is not None:
                self.clock.set(self._at(day, time(0, 0)))
                before_day(day)
            if day.weekday() == 0:
                self.lay_weeks(day)
            self._schedule_arrivals(day)
            self._drain(self._at(day + timedelta(days=1), time(0, 0)))
            if on_day is not None:
                on_day(offset + 1, days)
        return self.run_state

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
        elapsed = self.rng.expovariate(rate)
        while elapsed < hours:
            self._push(opens + timedelta(hours=elapsed), "arrival", None)
            elapsed += self.rng.expovariate(rate)

    def _drain(self, until: datetime) -> None:
        for when, kind, payload in self.queue.pop_before(until):
            self.clock.set(when)
            try:
                getattr(self, f"_on_{kind}")(payload)
            except ParityError as error:
                self.run_state.errors.append(f"{kind}: {error.message}")

    def _on_arrival(self, _: None) -> None:
        member = self.region.member(self.rng.randrange(self.region.member_count))
        if self.config.register_members and member.id not in self.registered:
            register_member(member, self.uow)  # so the API can show the member as a Patient
            self.registered.add(member.id)
        visit, provider_class, prior_auth = self.demand.visit_and_class(self.rng)
        episode = Episode(member, self.demand.sessions(self.rng), self.demand.cadence(self.rng))
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
        self._after(book_request(BookRequest(request.id), self.uow, self.clock, self.policy))

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

    def _after(self, decision: Decision) -> None:
        self.run_state.decisions += 1
        if decision.appointment_id is None or decision.starts_at is None:
            return
        self.run_state.bookings += 1
        self._push(decision.starts_at, "visit", decision.appointment_id)
        self._maybe_cancel(decision.appointment_id, decision.starts_at)

    def _maybe_cancel(self, appointment_id: int, starts_at: datetime) -> None:
        now = self.clock.now()
        lead = (starts_at - now).total_seconds()
        draw = self.rng.random()
        demand = self.demand
        if draw < demand.clinic_cancel:
            self._push(
                now + timedelta(seconds=lead * self.rng.random()), "clinic_cancel", appointment_id
            )
        elif draw < demand.clinic_cancel + demand.member_cancel:
            self._push(
                now + timedelta(seconds=lead * self.rng.random()), "member_cancel", appointment_id
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
        self._after(
            book_request(BookRequest(cancelled.request_id), self.uow, self.clock, self.policy)
        )

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
        attended = self.rng.random() >= rate
        closed = close_visit(appointment_id, attended, self.uow)
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
        # The follow-up's clock after a member's own cancellation or no-show comes from the
        # appointment's record (the rule file's follow_up_clock), not from this caller.
        decision = book_follow_up(
            BookFollowUp(course.id, appointment.id), self.uow, self.clock, self.policy
        )
        self.episodes[decision.request_id] = episode
        self._after(decision)

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
