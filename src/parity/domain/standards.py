"""Access standards: how long a member may wait, from which clock start, by which rule.

Every figure comes from a rule file (`data/standards/<jurisdiction>.toml`) with its
citation; nothing here hard-codes a limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from parity.domain.calendar import BeyondTime, BusinessCalendar, end_of_local_day, local_date
from parity.domain.errors import UnknownStandard
from parity.domain.workforce import ProviderClass


class ClockStart(StrEnum):
    REQUEST = "request"
    PRIOR_APPOINTMENT = "prior-appointment"
    CALL = "call"


class Urgency(StrEnum):
    URGENT = "urgent"
    ROUTINE = "routine"


class VisitType(StrEnum):
    URGENT = "urgent"
    INITIAL = "initial"
    FOLLOW_UP = "follow-up"


@dataclass(frozen=True, slots=True)
class AccessStandard:
    """One timely-access standard: a limit, the event that starts its clock, and its source."""

    name: str
    title: str
    clock_start: ClockStart
    urgency: Urgency
    visit: str
    provider_classes: frozenset[ProviderClass]
    citation: str
    effective_from: date
    prior_authorization: bool = False
    limit_hours: float | None = None
    limit_business_days: int | None = None
    limit_minutes: int | None = None
    # A plan's own figure where the law sets none: tracked and reported, never counted as
    # a violation of the law (docs/adr/0013-evidence-a-regulator-accepts.md).
    plan_policy: bool = False
    # The group a report counts the standard's requests under (the rule file's
    # report_group: urgent, initial or follow-up).
    report_group: str = field(kw_only=True)

    def __post_init__(self) -> None:
        limits = [self.limit_hours, self.limit_business_days, self.limit_minutes]
        if sum(limit is not None for limit in limits) != 1:
            raise ValueError(f"standard {self.name}: exactly one limit is required")

    @property
    def limit_text(self) -> str:
        if self.limit_business_days is not None:
            return f"{self.limit_business_days} business days"
        if self.limit_hours is not None:
            return f"{self.limit_hours:g} hours"
        return f"{self.limit_minutes} minutes"

    def deadline_for(
        self, clock_start: datetime, calendar: BusinessCalendar, tz: ZoneInfo
    ) -> datetime:
        """Return the last instant (aware, in `tz`) at which an offered visit is still timely.

        Hour and minute limits run on the instant: 48 h is 48 real hours even across a DST
        change. A limit of N business days ends at the end of the Nth business day strictly
        after the clock start's *local* date (28 CCR §1300.67.2.2(c)(5)).
        """
        if clock_start.tzinfo is None:
            raise ValueError("clock start must be an aware datetime")
        if self.limit_business_days is not None:
            start_day = local_date(clock_start, tz)
            return end_of_local_day(
                calendar.add_business_days(start_day, self.limit_business_days), tz
            )
        minutes = self.limit_minutes if self.limit_hours is None else self.limit_hours * 60
        # Add real elapsed time on the UTC instant: adding to a local wall-clock time would
        # make 48 h come out as 47 or 49 real hours across a DST change.
        elapsed = timedelta(minutes=float(minutes or 0))
        try:
            return (clock_start.astimezone(UTC) + elapsed).astimezone(tz)
        except OverflowError:
            raise BeyondTime(f"{self.name} from {clock_start} ends beyond the last date") from None

    def applies_on(self, day: date) -> bool:
        return day >= self.effective_from


@dataclass(frozen=True)
class RuleSet:
    """A jurisdiction's standards, business calendar and monitoring thresholds."""

    jurisdiction: str
    title: str
    timezone: ZoneInfo
    calendar: BusinessCalendar
    standards: dict[str, AccessStandard]
    urgent_threshold: float = 0.70
    non_urgent_threshold: float = 0.70
    # The first measurement year the thresholds are judged in (28 CCR §1300.67.2.2(b)(12):
    # 2023); None: every year.
    thresholds_from_year: int | None = None
    penalty_per_violation_usd: int = 25_000
    # The day `penalty_per_violation_usd` took effect, and the maximum before it (SB 858:
    # $2,500 before 2023-01-01); None: the one figure for every day.
    penalty_from: date | None = None
    earlier_penalty_usd: int = 0
    prompt_reschedule_business_days: int = 1
    citations: dict[str, str] = field(default_factory=dict)
    # After a member's no-show or cancellation, a follow-up's clock starts at that event
    # ("member-event", the only reading the rule-file loader accepts: care.follow_up_clock_start).
    follow_up_clock_after_member_event: str = "member-event"
    # The Provider Appointment Availability Survey's time of day on each survey date, how
    # many days ahead it reads a provider's schedule, and the provider answers a network
    # needs in a year before its rate can open a finding (the rule file's [monitoring]).
    survey_time: str = "10:00"
    survey_horizon_days: int = field(kw_only=True)
    minimum_survey_answers: int = field(kw_only=True)
    # How many days after a member's own later date the engine looks for a time for them
    # (the rule file's [member_preference]).
    preference_search_days: int = field(kw_only=True)
    # Look-ups the booking engine repeats for every request (the standard that governs a
    # follow-up on a date, a business-day deadline from a local date): the rule file does
    # not change, so each answer is kept once found.
    _follow_ups: dict[tuple[ProviderClass, date | None], AccessStandard] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _deadlines: dict[tuple[int, date], datetime] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def penalty_on(self, day: date) -> int:
        """The most a violation whose deadline passed on `day` (clinic-local) may cost."""
        if self.penalty_from is not None and day < self.penalty_from:
            return self.earlier_penalty_usd
        return self.penalty_per_violation_usd

    def thresholds_in_force(self, year: int) -> bool:
        """Whether measurement year `year` is judged against the monitoring thresholds."""
        return self.thresholds_from_year is None or year >= self.thresholds_from_year

    def threshold(self, standard_class: str) -> float:
        """The monitoring threshold of a class of appointments: "urgent", or non-urgent
        (any other class, e.g. "non-urgent" or a standard's "routine" urgency)."""
        return self.urgent_threshold if standard_class == "urgent" else self.non_urgent_threshold

    def standard(self, name: str) -> AccessStandard:
        try:
            return self.standards[name]
        except KeyError:
            known = ", ".join(sorted(self.standards))
            raise UnknownStandard(
                f"unknown access standard {name!r} in {self.jurisdiction}; known: {known}",
                standard=name,
            ) from None

    def standard_for(
        self,
        visit: VisitType,
        provider_class: ProviderClass,
        *,
        prior_authorization: bool = False,
        on: date | None = None,
    ) -> AccessStandard:
        """Pick the standard that governs a request of this kind whose clock starts `on`."""
        if visit is VisitType.URGENT:
            return self.standard("urgent-prior-auth" if prior_authorization else "urgent")
        if visit is VisitType.FOLLOW_UP:
            return self.follow_up_standard(provider_class, on)
        if provider_class is ProviderClass.PSYCHIATRIST:
            return self.standard("initial-psychiatry")
        return self.standard("initial-therapy")

    def follow_up_standard(self, provider_class: ProviderClass, on: date | None) -> AccessStandard:
        """The follow-up standard the rule file names for this provider class on this date:
        the law's (SB 221) where it applies, else the plan-policy figure the file gives."""
        found = self._follow_ups.get((provider_class, on))
        if found is None:
            found = self._follow_ups[(provider_class, on)] = self._follow_up(provider_class, on)
        return found

    def _follow_up(self, provider_class: ProviderClass, on: date | None) -> AccessStandard:
        fitting = [
            s
            for s in self.standards.values()
            if s.visit == VisitType.FOLLOW_UP.value
            and provider_class in s.provider_classes
            and (on is None or s.applies_on(on))
        ]
        if not fitting:
            raise UnknownStandard(
                f"no follow-up standard in {self.jurisdiction} covers a {provider_class} on {on}",
                standard=f"follow-up/{provider_class}",
            )
        return min(fitting, key=lambda s: (s.plan_policy, s.name))

    def governing(
        self,
        visit: VisitType,
        provider_class: ProviderClass,
        clock_start: datetime,
        *,
        prior_authorization: bool = False,
    ) -> tuple[AccessStandard, datetime]:
        """The standard a request of this kind whose clock starts at `clock_start` is under
        (`standard_for`, by the clock start's local date), and its deadline (`deadline`)."""
        standard = self.standard_for(
            visit,
            provider_class,
            prior_authorization=prior_authorization,
            on=local_date(clock_start, self.timezone),
        )
        return standard, self.deadline(standard, clock_start)

    def deadline(self, standard: AccessStandard, clock_start: datetime) -> datetime:
        if standard.limit_business_days is None or clock_start.tzinfo is None:
            return standard.deadline_for(clock_start, self.calendar, self.timezone)
        # A business-day limit ends on a day fixed by its count and the clock start's local
        # date alone.
        key = (standard.limit_business_days, local_date(clock_start, self.timezone))
        found = self._deadlines.get(key)
        if found is None:
            found = self._deadlines[key] = standard.deadline_for(
                clock_start, self.calendar, self.timezone
            )
        return found

    def reoffer_by(self, cancelled_at: datetime) -> datetime:
        """After a clinic cancellation, the last instant a new offer is prompt: the end of
        the `prompt_reschedule_business_days`-th business day after the cancellation's
        local date (a plan-policy figure in the rule file, [rescheduling])."""
        day = local_date(cancelled_at, self.timezone)
        last = self.calendar.add_business_days(day, self.prompt_reschedule_business_days)
        return end_of_local_day(last, self.timezone)
