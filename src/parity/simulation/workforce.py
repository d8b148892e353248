"""Workforce dynamics: who leaves and when, how long a vacancy stays open, what pay costs.

Every month each clinician leaves with probability 1 − exp(−h/12), where the yearly hazard

    h = base × pension ratio × (pay / market pay)^(−wage elasticity)
             × exp(workload coefficient × (direct-care hours − reference hours))

(a proportional-hazards form: each factor multiplies the others). A leaver gives notice;
the vacancy opens at once and is filled after a recruiting lag drawn from an exponential
distribution whose mean lengthens when pay falls behind the market. Authorised headcount
grows at its own rate. Every parameter is data (`data/scenarios/defaults.toml`), with its
source or marked as an estimate.

Each draw is keyed by the clinician (or the vacancy) and the month (keyed_draws.py): a
stream would deal the months after a leaver's to other clinicians, and how many leave
depends on the contract and on the workload the simulation books (ADR 0014).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from parity.domain.schedule import BOOKABLE_KINDS, WeeklyTemplate
from parity.domain.workforce import Clinician, Discipline, Modality
from parity.simulation.keyed_draws import KeyedDraws, Purpose, entity_of

DAYS_PER_MONTH = 365.25 / 12


class PensionPlan(StrEnum):
    DEFINED_BENEFIT = "pension"
    CASH_BALANCE = "cash-balance"
    NONE = "none"


@dataclass(frozen=True)
class Turnover:
    base_leave_rate_per_year: float
    hazard_ratio: dict[PensionPlan, float]
    wage_elasticity: float
    workload_coefficient_per_hour: float
    reference_direct_hours: float
    notice_weeks: int


@dataclass(frozen=True)
class Recruiting:
    lag_months: float
    lag_wage_elasticity: float
    authorised_growth_per_year: float


@dataclass(frozen=True)
class Pay:
    salary_usd_per_fte_year: float
    market_growth_per_year: float
    start_ratio_to_market: float
    increases: tuple[float, ...]
    benefits_share: float
    pension_cost_share: dict[PensionPlan, float]

    def index(self, months: float) -> float:
        """Pay relative to the start: each contract year's raise applies on its anniversary
        (the first at the start); after the listed raises, pay follows the market."""
        years = int(months // 12)
        level = 1.0
        for year in range(years + 1):
            level *= 1 + (
                self.increases[year] if year < len(self.increases) else self.market_growth_per_year
            )
        return level

    def market_index(self, months: float) -> float:
        return float((1 + self.market_growth_per_year) ** (months / 12))

    def ratio_to_market(self, months: float) -> float:
        return self.start_ratio_to_market * self.index(months) / self.market_index(months)

    def monthly_cost(self, fte: float, plan: PensionPlan, months: float) -> float:
        """Salary plus benefits plus the employer's pension cost, for one month."""
        loading = 1 + self.benefits_share + self.pension_cost_share[plan]
        return fte * self.salary_usd_per_fte_year * self.index(months) / 12 * loading


def leave_hazard(turnover: Turnover, plan: PensionPlan, pay_ratio: float, hours: float) -> float:
    """The yearly hazard of leaving (see the module docstring)."""
    workload = turnover.workload_coefficient_per_hour * (hours - turnover.reference_direct_hours)
    return float(
        turnover.base_leave_rate_per_year
        * turnover.hazard_ratio[plan]
        * pay_ratio ** (-turnover.wage_elasticity)
        * math.exp(workload)
    )


def monthly_leave_probability(hazard_per_year: float) -> float:
    return 1 - math.exp(-hazard_per_year / 12)


def mean_recruiting_lag_months(recruiting: Recruiting, pay_ratio: float) -> float:
    return float(recruiting.lag_months * pay_ratio ** (-recruiting.lag_wage_elasticity))


@dataclass
class Post:
    """One clinician's spell of employment."""

    clinician: Clinician
    template: WeeklyTemplate
    plan: PensionPlan
    starts: date
    ends: date | None = None
    in_unit: bool = True

    @property
    def bookable_hours_per_week(self) -> float:
        return sum(b.minutes for b in self.template.blocks if b.kind in BOOKABLE_KINDS) / 60

    def active_on(self, day: date) -> bool:
        return self.starts <= day and (self.ends is None or day < self.ends)


@dataclass(frozen=True)
class Vacancy:
    """An open position: the profile to hire (a leaver's, or drawn for growth) and when."""

    profile: Clinician
    fills_on: date


def draw_profile(
    rng: random.Random, workforce: dict[str, Any], clinic_id: str, clinician_id: str
) -> Clinician:
    """A new clinician drawn from the region's mix (discipline, FTE, Spanish speaking)."""
    shares: dict[str, float] = workforce["discipline_shares"]
    discipline = Discipline(rng.choices(list(shares), list(shares.values()))[0])
    fte = float(rng.choices(workforce["fte_values"], workforce["fte_shares"])[0])
    languages = {"english"}
    if rng.random() < float(workforce.get("spanish_speaking_share", 0.0)):
        languages.add("spanish")
    return Clinician(
        clinician_id,
        f"Clinician {clinician_id}",
        discipline,
        fte,
        (clinic_id,),
        frozenset(languages),
        frozenset(Modality),
    )


class Workforce:
    """Draws the month's leavers and keeps the vacancies; the caller applies both to the run."""

    def __init__(
        self, posts: list[Post], turnover: Turnover, recruiting: Recruiting, draws: KeyedDraws
    ) -> None:
        self.posts = posts
        self.turnover = turnover
        self.recruiting = recruiting
        self.draws = draws
        self.authorised = float(len(posts))
        self.vacancies: list[Vacancy] = []

    def active(self, day: date) -> list[Post]:
        return [p for p in self.posts if p.active_on(day)]

    def give_notice(self, first_day: date, pay_ratio: float, hours: float) -> list[Post]:
        """Draw who gives notice this month; each leaves `notice_weeks` after a day drawn in
        the month's first four weeks, and their post is advertised for that day."""
        leavers: list[Post] = []
        notice = timedelta(weeks=self.turnover.notice_weeks)
        month = first_day.year * 12 + first_day.month
        for post in self.active(first_day):
            if post.ends is not None:
                continue  # already under notice
            hazard = leave_hazard(self.turnover, post.plan, pay_ratio, hours)
            who = entity_of(post.clinician.id)
            if self.draws.uniform(Purpose.LEAVING, who, month) < monthly_leave_probability(hazard):
                day = int(28 * self.draws.uniform(Purpose.NOTICE_DAY, who, month))
                post.ends = first_day + timedelta(days=day) + notice
                leavers.append(post)
                self.advertise(post.clinician, post.ends, pay_ratio)
        self.authorised *= (1 + self.recruiting.authorised_growth_per_year) ** (1 / 12)
        return leavers

    def growth_openings(self) -> int:
        """Whole authorised positions neither staffed nor advertised yet."""
        staffed = sum(1 for p in self.posts if p.ends is None) + len(self.vacancies)
        return max(0, math.floor(self.authorised + 1e-9) - staffed)

    def advertise(self, profile: Clinician, opens: date, pay_ratio: float) -> Vacancy:
        """Open a vacancy; it fills after an exponential lag, longer when pay lags the market.
        Keyed by the profile's id (a leaver's, or a growth opening's) and the day it opens."""
        lag = mean_recruiting_lag_months(self.recruiting, pay_ratio)
        drawn = self.draws.uniform(Purpose.RECRUITING_LAG, entity_of(profile.id), opens.toordinal())
        days = round(-math.log(1.0 - drawn) * lag * DAYS_PER_MONTH) if lag > 0 else 0
        vacancy = Vacancy(profile, opens + timedelta(days=days))
        self.vacancies.append(vacancy)
        return vacancy

    def due(self, day: date) -> list[Vacancy]:
        """Vacancies filled by `day`, removed from the open list."""
        due = [v for v in self.vacancies if v.fills_on <= day]
        self.vacancies = [v for v in self.vacancies if v.fills_on > day]
        return due

    def staff(self, post: Post) -> None:
        self.posts.append(post)
