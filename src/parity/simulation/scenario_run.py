"""One replication of a scenario: the booking simulation with the workforce changing under it.

The region is simulated from a warm-up before the contract starts (a steady caseload, a
static workforce), then month by month over the contract's life: at each month's first
day leavers give notice and vacancies open; a vacancy's hire starts the day it fills;
episode starts grow; a strike, if any, takes its share of the unit out for its weeks while
contracted external clinicians cover part of their hours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from parity.adapters.rules_files import RegionSpec, load_region, load_rules
from parity.domain.calendar import BeyondTime
from parity.domain.standards import RuleSet
from parity.domain.workforce import Clinician
from parity.services.policy import Policy
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.engine import SimulationConfig, check_span
from parity.simulation.keyed_draws import Purpose, entity_of
from parity.simulation.monthly import (
    Month,
    month_key,
    months_between,
    record_access,
    record_visits_and_referrals,
)
from parity.simulation.region import (
    SyntheticRegion,
    build_region,
    clinic_weights,
    weekly_template,
)
from parity.simulation.region_figures import with_overrides
from parity.simulation.scenarios import Scenario
from parity.simulation.staffing import StaffedSimulation
from parity.simulation.steady import steady_warmup
from parity.simulation.workforce import PensionPlan, Post, Workforce, draw_profile
from parity.simulation.workforce_ledger import Ledger, staffing_by_month

EXTERNAL_PREFIX = "x"


@dataclass
class Workload:
    """Booked direct-care hours per FTE-week over the month just ended (ADR 0014)."""

    hours: float  # until a month has been simulated: the contract's direct-care hours
    _booked: float = 0.0
    _since: date | None = None

    def month_ended(self, booked_hours: float, fte: float, day: date) -> float:
        if self._since is not None and fte > 0:
            weeks = (day - self._since).days / 7
            self.hours = (booked_hours - self._booked) / (fte * weeks) if weeks else self.hours
        self._booked, self._since = booked_hours, day
        return self.hours


@dataclass(frozen=True)
class RunSettings:
    years: int = 3
    scale: float = 0.01
    warmup_weeks: int = 13
    min_clinicians_per_site: int = 8


@dataclass(frozen=True)
class ReplicationResult:
    scenario: str
    replication: int
    seed: int
    months: tuple[Month, ...]
    errors: int
    # The steady-state check when measuring began (steady.py): flat or not, and its words.
    steady: bool = False
    steady_check: str = "not checked"


def pooled_sites(spec: RegionSpec, scale: float, per_site: int) -> RegionSpec:
    """At a small scale keep the most populous sites, so each has `per_site` clinicians.

    In-person care is booked per site. The full region has ~120 clinicians a site; a 1 %
    sample spread over all 20 sites would leave one or two a site, pools far more
    fragmented than the real ones. Members are shared among the sites kept.
    """
    count = round(spec.clinicians * scale)
    keep = max(1, count // per_site) if per_site > 0 else len(spec.clinics)
    if keep >= len(spec.clinics):
        return spec
    weights = clinic_weights(spec)
    largest = sorted(range(len(spec.clinics)), key=lambda i: -weights[i])[:keep]
    return replace(spec, clinics=tuple(spec.clinics[i] for i in sorted(largest)))


def scenario_region(scenario: Scenario) -> RegionSpec:
    """The scenario's region with its own `region_overrides`."""
    return with_overrides(load_region(scenario.region), scenario.region_overrides)


def paired_warmup(scenarios: Iterable[Scenario]) -> int:
    """Weeks of warm-up for paired runs of `scenarios`: the longest their regions measured
    for the policies they book by (the regions' `steady_warmup_weeks`, ADR 0014)."""
    return steady_warmup((scenario_region(s), s.booking) for s in scenarios)


def simulation_config(
    start: date,
    end: date,
    warmup_weeks: int,
    seed: int,
    booking: BookingPolicy = BookingPolicy.PARITY,
) -> SimulationConfig:
    """Begin on the Monday `warmup_weeks` before `start` (weeks are laid on Mondays) and run
    whole weeks until at least `end`."""
    first = start - timedelta(weeks=warmup_weeks)
    first -= timedelta(days=first.weekday())
    warm = (start - first).days // 7
    weeks = -(-(end - first).days // 7) - warm
    return SimulationConfig(weeks=weeks, warmup_weeks=warm, start=first, seed=seed, booking=booking)


def run_span(
    scenario: Scenario, settings: RunSettings, seed: int
) -> tuple[list[date], date, SimulationConfig]:
    """A replication's measured months (their first days), the day after its last, and its
    simulation's settings; a span no date can hold is refused (`BeyondTime`)."""
    try:
        first_days = months_between(scenario.start, settings.years * 12)
        end = months_between(first_days[-1], 2)[1]
        config = simulation_config(
            scenario.start, end, settings.warmup_weeks, seed, scenario.booking
        )
    except (ValueError, OverflowError):
        raise BeyondTime(
            f"scenario {scenario.name}: {settings.years} years from {scenario.start} with "
            f"{settings.warmup_weeks} weeks of warm-up reach past the first or the last date"
        ) from None
    return first_days, end, config


def check_spans(scenarios: Iterable[Scenario], settings: RunSettings) -> None:
    """Refuse, before any replication runs, a scenario whose run the business calendar
    cannot count or no date can hold (engine.check_span)."""
    rules: dict[str, RuleSet] = {}  # a tornado's variants share one jurisdiction: read once
    for scenario in scenarios:
        _, _, config = run_span(scenario, settings, seed=0)
        if scenario.jurisdiction not in rules:
            rules[scenario.jurisdiction] = load_rules(scenario.jurisdiction)
        check_span(config, rules[scenario.jurisdiction])


class ScenarioRun:
    def __init__(self, scenario: Scenario, settings: RunSettings, seed: int) -> None:
        self.scenario = scenario
        self.policy = Policy(load_rules(scenario.jurisdiction), scenario.contract)
        region = scenario_region(scenario)
        self.spec = pooled_sites(region, settings.scale, settings.min_clinicians_per_site)
        self.region: SyntheticRegion = build_region(
            self.spec, scenario.contract, settings.scale, seed, apportion_mix=True
        )
        self.first_days, self.end, config = run_span(scenario, settings, seed)
        self.simulation = StaffedSimulation(self.region, self.policy, config)
        # Keyed by clinician, opening and month, not dealt in the order things happen
        # (keyed_draws.py, ADR 0014): who leaves depends on the workload booked.
        self.draws = self.simulation.keyed
        self.workforce = Workforce(
            self._posts(config.start), scenario.turnover, scenario.recruiting, self.draws
        )
        self.hired = len(self.region.clinicians)
        self.growth_openings = 0
        self.strikers: list[Post] = []
        self.externals: list[str] = []
        self.open_vacancies: dict[str, int] = {}
        self.workload = Workload(scenario.contract.direct_care_hours_per_week_fte)
        self._check_strike()

    def _check_strike(self) -> None:
        strike = self.scenario.strike
        if strike is not None and strike.starts < self.scenario.start:
            raise ValueError(f"{self.scenario.name}: the strike starts before the scenario")

    def _posts(self, first: date) -> list[Post]:
        share = self.scenario.existing_share_with_pension
        return [
            Post(
                clinician,
                template,
                PensionPlan.DEFINED_BENEFIT
                if self.draws.uniform(Purpose.PENSION, entity_of(clinician.id), 1) < share
                else PensionPlan.NONE,
                first,
            )
            for clinician, template in zip(
                self.region.clinicians, self.region.templates, strict=True
            )
        ]

    def _instant(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.policy.rules.timezone)

    def months_since_start(self, day: date) -> float:
        return (day - self.scenario.start).days / (365.25 / 12)

    def run(self, on_day: Callable[[int, int], None] | None = None) -> ReplicationResult:
        self.simulation.run(on_day, self.before_day)
        return ReplicationResult(
            self.scenario.name,
            0,
            self.simulation.config.seed,
            tuple(self.months()),
            len(self.simulation.run_state.errors),
            self.simulation.run_state.steady_state,
            self.simulation.run_state.steady_check,
        )

    def before_day(self, day: date) -> None:
        if not self.scenario.start <= day < self.end:
            return
        if day == self.scenario.start:
            self._change_plans()
        if day.day == 1 or day == self.scenario.start:
            self._month_begins(day)
        self._fill_vacancies(day)
        self._strike(day)
        if (day + timedelta(days=1)).day == 1:
            self.open_vacancies[month_key(day)] = len(self.workforce.vacancies)

    def _change_plans(self) -> None:
        """At the start, staff without a pension move to the plan the contract gives."""
        for post in self.workforce.posts:
            if post.plan is PensionPlan.NONE:
                post.plan = self.scenario.plan

    def _month_begins(self, day: date) -> None:
        months = self.months_since_start(day)
        ratio = self.scenario.pay.ratio_to_market(months)
        self.simulation.demand_factor = (1 + self.scenario.demand_growth_per_year) ** (months / 12)
        # Turnover follows the workload simulated last month, not the contract's label.
        fte = sum(p.clinician.fte for p in self.workforce.active(day))
        hours = self.workload.month_ended(self.simulation.run_state.visit_hours, fte, day)
        by_day: dict[date, list[str]] = {}
        for post in self.workforce.give_notice(day, ratio, hours):
            assert post.ends is not None
            by_day.setdefault(post.ends, []).append(post.clinician.id)
        for leaves_on, ids in sorted(by_day.items()):
            self.simulation.depart(ids, self._instant(leaves_on), "clinician left the plan")
        for _ in range(self.workforce.growth_openings()):
            self.workforce.advertise(self._growth_profile(), day, ratio)

    def _growth_profile(self) -> Clinician:
        """The run's n-th new authorised position: its clinic and profile, keyed by n (its
        id names it until the hire is numbered)."""
        self.growth_openings += 1
        rng = self.draws.generator(Purpose.GROWTH_PROFILE, self.growth_openings, 1)
        clinic = rng.choices(self.region.clinics, self.region.clinic_weights)[0]
        return draw_profile(rng, self.spec.workforce, clinic.id, f"growth-{self.growth_openings}")

    def _new_clinician(self, profile: Clinician, prefix: str = "c") -> Clinician:
        self.hired += 1
        number = f"{prefix}{self.hired:05d}"
        return replace(profile, id=number, name=f"Clinician {number}")

    def _fill_vacancies(self, day: date) -> None:
        for vacancy in self.workforce.due(day):
            clinician = self._new_clinician(vacancy.profile)
            template = weekly_template(clinician, self.scenario.contract, self.spec.workforce)
            self.simulation.hire(clinician, template, day)
            self.workforce.staff(Post(clinician, template, self.scenario.plan, day))

    def strike_window(self) -> tuple[date, date] | None:
        strike = self.scenario.strike
        if strike is None:
            return None
        return strike.starts, strike.starts + timedelta(weeks=strike.weeks)

    def _strike(self, day: date) -> None:
        window = self.strike_window()
        if window is None or day not in (window[0], window[1]):
            return
        strike = self.scenario.strike
        assert strike is not None
        if day == window[1]:
            self.simulation.depart(self.externals, self._instant(day), "strike cover ended")
            return
        self.strikers = [
            p
            for p in self.workforce.active(day)
            if p.clinician.discipline in strike.unit_disciplines
            and self.draws.uniform(Purpose.STRIKING, entity_of(p.clinician.id), 1)
            < strike.share_striking
        ]
        if not self.strikers:
            return
        ids = [p.clinician.id for p in self.strikers]
        self.simulation.absent(ids, self._instant(day), self._instant(window[1]), "strike")
        cover = round(strike.external_fill_share * sum(p.clinician.fte for p in self.strikers))
        for k in range(1, cover + 1):
            rng = self.draws.generator(Purpose.STRIKE_COVER, k, 1)
            profile = replace(rng.choice(self.strikers).clinician, fte=1.0)
            external = self._new_clinician(profile, EXTERNAL_PREFIX)
            template = weekly_template(external, self.scenario.contract, self.spec.workforce)
            self.simulation.hire(external, template, day, leave=False)
            self.externals.append(external.id)

    def months(self) -> list[Month]:
        months = {month_key(d): Month(month_key(d)) for d in self.first_days}
        ledger = Ledger(
            self.scenario.start,
            self.end,
            self.policy.rules.calendar,
            self.scenario.pay,
            frozenset(p.clinician.id for p in self.strikers),
            self.strike_window(),
        )
        staffing_by_month(self.workforce.posts, months, ledger)
        for key, count in self.open_vacancies.items():
            if key in months:
                months[key].open_vacancies = count
        tz, uow = self.policy.rules.timezone, self.simulation.uow
        record_access(uow, months, self.policy.rules, self._instant(self.end))
        record_visits_and_referrals(
            uow,
            months,
            tz,
            lambda clinician_id: clinician_id.startswith(EXTERNAL_PREFIX),
            self.simulation.referred_sessions,
        )
        return list(months.values())


def run_replication(
    scenario: Scenario,
    settings: RunSettings,
    replication: int,
    seed: int,
    on_day: Callable[[int, int], None] | None = None,
) -> ReplicationResult:
    """Run one replication of `scenario` with its own seed; the same seed, the same result."""
    result = ScenarioRun(scenario, settings, seed).run(on_day)
    return replace(result, replication=replication)
