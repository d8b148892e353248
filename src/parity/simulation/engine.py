"""Run a region's demand through the real booking services on a simulated clock.

Events (arrivals, visits, cancellations) sit in one time-ordered queue; at each event the
clock is set to its instant and the same service functions the API uses are called with
the in-memory unit of work. Arrivals come as a Poisson process in call-centre hours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar, assert_never

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.domain.calendar import BeyondTime
from parity.domain.care import Decision
from parity.domain.errors import ParityError
from parity.domain.ports import UnitOfWork
from parity.domain.schedule import ProtectedTime
from parity.domain.standards import RuleSet, VisitType
from parity.domain.users import Principal, Role
from parity.domain.workforce import ProviderClass
from parity.services.members import register_member
from parity.services.policy import Policy
from parity.services.requests import RequestCare
from parity.services.schedules import materialise, register_clinician, register_clinics
from parity.services.status_quo import ReleaseUrgentHolds, release_urgent_holds
from parity.simulation.booking_policy import (
    HORIZON_WEEKS_AHEAD,
    booker_for,
    policy_for,
)
from parity.simulation.demand import Demand, demand_from
from parity.simulation.episode_flow import EpisodeFlow
from parity.simulation.events import (
    Arrival,
    ClinicCancel,
    Event,
    EventQueue,
    GiveUp,
    MemberCancel,
    VisitDue,
)
from parity.simulation.folding import fold_finished
from parity.simulation.keyed_draws import KeyedDraws, Purpose, keyed_uniform
from parity.simulation.region import SyntheticRegion
from parity.simulation.run_state import Episode, SimulationConfig, SimulationRun
from parity.simulation.runtime import collector_paused
from parity.simulation.steady import free_slots_left, lay_leave
from parity.simulation.streams import streams_for
from parity.simulation.urgent_holds import UrgentHolds

T = TypeVar("T")
OPEN_HOURS = (time(7, 0), time(19, 0))
ARRIVAL = Arrival()
KEEP_PAST = timedelta(weeks=2)
# Who determines a simulated urgent request's prior authorisation: the plan's utilisation
# review, recorded through the service like any staff determination (docs/adr/0013).
UTILIZATION_REVIEW = Principal("utilization-review (simulated)", Role.SCHEDULER)
EVER = datetime(1970, 1, 1, tzinfo=UTC)
__all__ = ["HORIZON_WEEKS_AHEAD", "Episode", "Simulation", "SimulationConfig", "SimulationRun"]


def check_span(config: SimulationConfig, rules: RuleSet) -> None:
    """Refuse, before anything is built, a run whose days the business calendar cannot count
    (its first day, and the deadlines of requests made on its last, by the rules' longest
    business-day standard) or no date can hold: a run reaching past the calendar's list
    failed midway, and one near year 9999 ended in an `OverflowError`."""
    try:
        last = config.end
    except OverflowError:
        raise BeyondTime(
            f"a run from {config.start} for {config.warmup_weeks} + {config.weeks} weeks "
            f"reaches past {date.max}, the last date there is"
        ) from None
    rules.calendar.check_covered(config.start)
    longest = max((s.limit_business_days or 0 for s in rules.standards.values()), default=0)
    rules.calendar.add_business_days(last, longest)  # refuses an uncovered day, naming it


class Simulation(EpisodeFlow):
    def __init__(
        self,
        region: SyntheticRegion,
        policy: Policy,
        config: SimulationConfig,
        uow: UnitOfWork | None = None,
    ) -> None:
        check_span(config, policy.rules)
        self.region = region
        self.policy = policy_for(config.booking, region.spec, self._own_policy(policy))
        self.config = config
        self.tz = policy.rules.timezone
        self.streams = streams_for(config.seed)
        self.demand: Demand = demand_from(
            region.spec.demand, region.spec.workforce, region.member_count
        )
        self.clock = SimulatedClock(self._at(config.start, time(0, 0)))
        # The in-memory store by default; `parity demo` passes the configured database. Its
        # records are dated by the simulated clock (not the machine's: no system call and no
        # new datetime per write), and carry no stamps, which only the API reads.
        self.uow: UnitOfWork = uow if uow is not None else self._own_store()
        self.live_reads = isinstance(self.uow, MemoryUnitOfWork)
        # A long run on the in-memory store counts finished requests and forgets them
        # (folding.py); the waitlist's sweeps read requests of their own, so it keeps all.
        self.forgets = (
            self.live_reads and config.forget_finished and not self.policy.waitlist.enabled
        )
        self.queue = EventQueue()
        self.episodes: dict[int, Episode] = {}
        self.registered: set[str] = set()
        self.run_state = SimulationRun(self.uow, policy, config)
        self.run_state.starts_per_week = self.demand.episodes_per_day * 7
        # Hooks for workforce scenarios (simulation/staffing.py): episode starts scale with
        # `demand_factor`; `roster`, when set, names the clinicians whose weeks are laid.
        self.demand_factor = 1.0
        self.roster: set[str] | None = None
        # An episode's no-shows, cancellations, exceptions and give-ups are keyed by the
        # episode, not dealt from a stream in event order (keyed_draws.py, ADR 0014).
        self.keyed = KeyedDraws(config.seed)
        self.unkeyed = {
            Purpose.NO_SHOW: self.streams.no_shows,
            Purpose.CANCELLATION: self.streams.cancellations,
            Purpose.CANCELLATION_TIME: self.streams.cancellations,
            Purpose.EXCEPTION: self.streams.exceptions,
            Purpose.GIVE_UP: self.streams.departures,
            Purpose.GIVE_UP_TIME: self.streams.departures,
            Purpose.OFFER_ANSWER: self.streams.exceptions,
        }
        fte = sum(c.fte for c in region.clinicians)
        self.booker = booker_for(config.booking, self, region.spec, fte)
        self._current: Episode | None = None
        self._measured_config: SimulationConfig | None = None
        self._measure_at = self.clock.now()
        self._forgot_before: datetime | None = None  # the slots' horizon, once forgotten
        self.release_hours = float(region.spec.workforce["urgent_release_hours"])
        self.urgent_holds = UrgentHolds((c.id for c in region.clinicians), self.tz)
        self._prepare()

    def _own_store(self) -> MemoryUnitOfWork:
        """The simulation's own store: its slots made when a search, a booking or a read
        first reaches their week, not when the horizon lays it (ADR 0014, the structural
        cut; the same slots, ids and answers)."""
        store = MemoryUnitOfWork(self.clock, stamps=False)
        store.slots.make_later()
        return store

    def _own_policy(self, policy: Policy) -> Policy:
        """The policy a kind of simulation runs under (the waitlist's switches it on)."""
        return policy

    def _prepare(self) -> None:
        """A kind of simulation's own state, set once the engine's is (staffing, waitlist)."""

    def _at(self, day: date, clock_time: time) -> datetime:
        return datetime.combine(day, clock_time, tzinfo=self.tz).astimezone(UTC)

    def _push(self, when: datetime, event: Event) -> None:
        self.queue.push(when, event)

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
        with collector_paused():
            self._run_days(on_day, before_day)
        return self.run_state

    def _run_days(
        self,
        on_day: Callable[[int, int], None] | None,
        before_day: Callable[[date], None] | None,
    ) -> None:
        day = self.config.start
        while day < self.config.end:
            if before_day is not None:
                self.clock.set(self._at(day, time(0, 0)))
                before_day(day)
            if day.weekday() == 0:
                self._new_week(day)
            if day == self.config.measure_from:
                self._maybe_extend_warmup()
            self._schedule_arrivals(day)
            self._drain_releasing(day)
            day += timedelta(days=1)
            if on_day is not None:
                on_day((day - self.config.start).days, (self.config.end - self.config.start).days)

    def _new_week(self, day: date) -> None:
        if day > self.config.start:
            last_week = self._at(day - timedelta(weeks=1), time(0, 0))
            free = self._read(lambda uow: free_slots_left(uow, self.region.clinicians, last_week))
            self.run_state.load.close_week(free)
        self.booker.new_week()
        self.lay_weeks(day)
        if isinstance(self.uow, MemoryUnitOfWork):
            # Slots from before last week are never booked or read again: a year of the
            # full region would otherwise keep ~5 million of them (steady.py reads last week).
            horizon = self._at(day - KEEP_PAST, time(0, 0))
            self._forget_protected(self.uow, horizon)
            self.uow.slots.forget_before(horizon)
            self._forgot_before = horizon
            if self.forgets:
                self._forget_finished()

    def _forget_protected(self, uow: MemoryUnitOfWork, horizon: datetime) -> None:
        """Forget the protected blocks that ended before the slots' horizon (~50 MB a year
        of the full region), but any a visit overlaps: the end-of-run figures and the
        folding count the visits booked into protected time, and must count the same.
        Checked while the slots of the weeks going are still known. A block that began
        before the slots forgotten last time cannot be checked, so it stays; a slot lies
        inside one local day (as a template lays it) and the horizon is a local midnight,
        so no slot already forgotten reaches a block that began after it."""
        appointed = uow.appointments.filed
        earlier = self._forgot_before
        slots = uow.slots

        def keep(block: ProtectedTime) -> bool:
            if earlier is not None and block.start < earlier:
                return True
            since = earlier if earlier is not None else EVER
            return any(
                slot.end > block.start and appointed("slot_id", slot.id)
                for slot in slots.for_clinician(block.clinician_id, since, block.end)
            )

        uow.protected.forget_ended(horizon, keep)

    def _forget_finished(self) -> None:
        """Count finished requests and forget them (folding.py), with their episodes: a
        request is looked up by id only while it is being booked or its visit is due."""
        assert isinstance(self.uow, MemoryUnitOfWork)
        for request_id in fold_finished(self.uow, self.policy.rules, self.clock.now()):
            self.episodes.pop(request_id, None)

    def _maybe_extend_warmup(self) -> None:
        """At the end of the warm-up: extend it four weeks if the load is still moving."""
        config, load = self.config, self.run_state.load
        if config.settle and not load.flat() and config.warmup_weeks + 4 <= config.max_warmup_weeks:
            self.config = replace(config, warmup_weeks=config.warmup_weeks + 4)
            return
        self.run_state.steady_state = load.flat()
        self.run_state.steady_check = load.report()

    def _drain_releasing(self, day: date) -> None:
        """Run the day's events; an urgent hold still free `release_hours` before it starts
        becomes a follow-up slot at that moment, between the events (the region's rule).

        Releasing once a day at midnight every hold of the next `release_hours` released
        each hold as many hours early as its hour of the day (a 10:30 hold 10.5 h before,
        a 13:00 hold 13 h), so the member requests that could take it depended on where a
        contract's template put it (ADR 0014, the non-monotone initial share)."""
        lead = timedelta(hours=self.release_hours)
        end = self._at(day + timedelta(days=1), time(0, 0))
        while (start := self.urgent_holds.next_start()) is not None and start - lead < end:
            moment = max(start - lead, self.clock.now())
            self._drain(moment)
            self.clock.set(moment)
            # Every hold whose moment has come (the bound is inclusive).
            until = moment + lead + timedelta(microseconds=1)
            due = self.urgent_holds.due(until)
            release_urgent_holds(ReleaseUrgentHolds(until, due), self.uow, self.clock)
        self._drain(end)

    def lay_weeks(self, day: date, clinician_ids: tuple[str, ...] | None = None) -> None:
        """Keep the rolling horizon laid from `day`: everyone's weeks, the roster's, or
        the named clinicians' (weeks already laid are skipped)."""
        if clinician_ids is None and self.roster is not None:
            clinician_ids = tuple(sorted(self.roster))
        if clinician_ids == ():
            return  # an empty roster lays nothing (an empty list would mean everyone)
        laid = materialise(self.uow, self.policy, day, HORIZON_WEEKS_AHEAD, clinician_ids or ())
        below = self.uow.slots.next_id if isinstance(self.uow, MemoryUnitOfWork) else None
        self.urgent_holds.file(self.uow, laid, below)

    def _schedule_arrivals(self, day: date) -> None:
        opens, closes = self._at(day, OPEN_HOURS[0]), self._at(day, OPEN_HOURS[1])
        hours = (closes - opens).total_seconds() / 3600
        rate = self.demand.episodes_per_day * self.demand_factor / hours
        rng = self.streams.arrivals
        elapsed = rng.expovariate(rate)
        while elapsed < hours:
            self._push(opens + timedelta(hours=elapsed), ARRIVAL)
            elapsed += rng.expovariate(rate)

    def _drain(self, until: datetime) -> None:
        for when, event in self.queue.pop_before(until):
            self.clock.set(when)
            try:
                self._handle(event)
            except ParityError as error:
                self.run_state.errors.append(f"{type(event).__name__}: {error.message}")

    def _handle(self, event: Event) -> None:
        match event:
            case Arrival():
                self._on_arrival()
            case VisitDue(appointment_id):
                self._on_visit(appointment_id)
            case ClinicCancel(appointment_id):
                self._on_clinic_cancel(appointment_id)
            case MemberCancel(appointment_id):
                self._on_member_cancel(appointment_id)
            case GiveUp(appointment_id):
                self._on_give_up(appointment_id)
            case _:
                assert_never(event)

    def arrival_draw(self) -> tuple[int, VisitType, ProviderClass, bool, int, int]:
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

    def _on_arrival(self) -> None:
        k, visit, provider_class, prior_auth, planned, cadence = self.arrival_draw()
        member = self.region.member(k)
        if self.config.register_members and member.id not in self.registered:
            register_member(member, self.uow)  # so the API can show the member as a Patient
            self.registered.add(member.id)
        self.run_state.episodes_begun += 1
        episode = Episode(member, planned, cadence, serial=self.run_state.episodes_begun)
        self._open_first_visit(episode, visit, provider_class, prior_auth)

    def _open_first_visit(
        self, episode: Episode, visit: VisitType, provider_class: ProviderClass, prior_auth: bool
    ) -> None:
        asked = RequestCare.of_member(
            episode.member,
            visit,
            provider_class,
            prior_authorization=prior_auth,
            prior_authorized_by=UTILIZATION_REVIEW if prior_auth else None,
        )
        self._current = episode  # the booker opens the request and tracks it to the episode
        self._after(self.booker.open_first(asked))

    @property
    def measuring(self) -> bool:
        config = self.config  # replaced when the warm-up is extended: its instant is kept
        if self._measured_config is not config:
            self._measured_config = config
            self._measure_at = self._at(config.measure_from, time(0, 0))
        return self.clock.now() >= self._measure_at

    def count_outside(self, request_id: int, gave_up: bool = False) -> None:
        """An episode (or what was left of it) went to an outside therapist."""
        if not self.measuring:
            return
        episode = self.episodes.get(request_id)
        if gave_up or episode is None:
            self.run_state.gave_up += gave_up
            return
        remaining = max(1, episode.sessions_planned - episode.sessions_done)
        self.run_state.episodes_seen.add(episode.serial)
        self.run_state.outside_episodes += 1
        self.run_state.outside_sessions += remaining * (1 - self.demand.no_show_follow_up)

    def track(self, request_id: int) -> None:
        """A follow-up request was opened for the episode being continued."""
        if self._current is not None:
            self.episodes[request_id] = self._current

    def give_up_later(self, appointment_id: int, starts_at: datetime) -> None:
        """The member gives up at some point while waiting for a late visit."""
        now = self.clock.now()
        request_id = self._read(lambda uow: uow.appointments.get(appointment_id).request_id)
        when = now + (starts_at - now) * self.draw(Purpose.GIVE_UP_TIME, request_id)
        self._push(when, GiveUp(appointment_id))

    def draw(self, purpose: Purpose, request_id: int) -> float:
        """The episode's next draw of `purpose`, keyed by the episode and how many it has
        drawn, so runs sharing arrivals deal it the same whatever the order of events
        (ADR 0014). A request outside any episode draws from the stream of its process."""
        episode = self.episodes.get(request_id)
        if episode is None:
            return self.unkeyed[purpose].random()
        drawn = episode.drawn
        n = drawn[purpose] = drawn[purpose] + 1
        return keyed_uniform(self.keyed.keys[purpose], episode.serial, n)

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
        self._push(decision.starts_at, VisitDue(decision.appointment_id))
        self._maybe_cancel(decision.appointment_id, decision.starts_at, decision.request_id)

    def _maybe_cancel(self, appointment_id: int, starts_at: datetime, request_id: int) -> None:
        now = self.clock.now()
        lead = (starts_at - now).total_seconds()
        draw = self.draw(Purpose.CANCELLATION, request_id)
        demand = self.demand
        if draw < demand.clinic_cancel:
            self._push(self._within(lead, request_id), ClinicCancel(appointment_id))
        elif draw < demand.clinic_cancel + demand.member_cancel:
            self._push(self._within(lead, request_id), MemberCancel(appointment_id))
        elif draw < demand.clinic_cancel + demand.member_cancel + demand.late_cancel:
            late = starts_at - timedelta(hours=min(2.0, lead / 7200))
            self._push(late, MemberCancel(appointment_id))

    def _within(self, lead_seconds: float, request_id: int) -> datetime:
        """A cancellation's moment: uniform over the lead time left before the visit."""
        share = self.draw(Purpose.CANCELLATION_TIME, request_id)
        return self.clock.now() + timedelta(seconds=lead_seconds * share)
