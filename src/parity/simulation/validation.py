"""Validation of the simulator: the booking engine against an exact queue, and the cost of
one protected (IPC) hour from first principles.

(a) The queue. In a stripped-down configuration — one pool of identical clinicians
offering `s` slots per business day in total, Poisson requests at λ per business day made
after the clinics close, first come first served into the earliest free slot from the next
business day on — the k-th of the A(t) requests of business day t finds B(t) visits booked
ahead and waits ceil((B(t) + k) / s) business days, and

    B(t+1) = max(B(t) + A(t) − s, 0).

`exact_mean_wait` solves that Markov chain's stationary distribution numerically (numpy, no
simulation); `simulate_queue` runs the same configuration through the real services
(`open_request`, `book_request`) on the in-memory unit of work.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from statistics import fmean

import numpy as np

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.adapters.rules_files import load_rules
from parity.domain.calendar import BusinessCalendar, local_date
from parity.domain.contract import ContractTerms
from parity.domain.schedule import BlockKind, TemplateBlock, WeeklyTemplate
from parity.domain.standards import RuleSet, VisitType
from parity.domain.workforce import Clinic, Clinician, Discipline, Modality, ProviderClass
from parity.services.booking import BookRequest, book_request
from parity.services.policy import Policy
from parity.services.requests import RequestCare, open_request
from parity.services.schedules import materialise, register_clinician, register_clinics

SLOT_MINUTES = 60
SLOTS_PER_CLINICIAN = 5
# Six months: far beyond any backlog seen here, so no request is referred out (the queue has
# no deadline); the horizon of laid weeks covers it.
NO_DEADLINE_BUSINESS_DAYS = 120
HORIZON_WEEKS = 30
REQUESTS_FROM = time(18, 0)  # after the clinics close: the earliest slot is the next day's
MAX_STATES = 8_192


def ceil_sum(n: np.ndarray, s: int) -> np.ndarray:
    """C(n) = sum over j = 1..n of ceil(j / s), in closed form."""
    q, r = np.divmod(n, s)
    return np.asarray(s * q * (q + 1) // 2 + r * (q + 1))


def poisson_pmf(mean: float, top: int) -> np.ndarray:
    """P(A = k) for k = 0..top, renormalised so the chain's rows sum to one exactly (the
    tail beyond `top` is below 1e-20 for the `top` used here)."""
    k = np.arange(top + 1)
    logs = k * math.log(mean) - mean - np.array([math.lgamma(i + 1) for i in k])
    pmf = np.exp(logs)
    return np.asarray(pmf / pmf.sum())


def stationary_backlog(arrivals_per_day: float, slots_per_day: int, states: int) -> np.ndarray:
    """π for B(t+1) = max(B + A − s, 0), truncated to `states` (the top state absorbs the
    tail), by solving π P = π with Σ π = 1."""
    lam, s = arrivals_per_day, slots_per_day
    top = int(lam + 12 * math.sqrt(lam) + 30)
    pmf = poisson_pmf(lam, top)
    matrix = np.zeros((states, states))
    backlog = np.arange(states)
    for arrivals, p in enumerate(pmf):
        following = np.minimum(np.maximum(backlog + arrivals - s, 0), states - 1)
        np.add.at(matrix, (backlog, following), p)
    system = matrix.T - np.eye(states)
    system[-1, :] = 1.0
    rhs = np.zeros(states)
    rhs[-1] = 1.0
    return np.asarray(np.linalg.solve(system, rhs))


def exact_mean_wait(arrivals_per_day: float, slots_per_day: int) -> float:
    """The stationary mean wait in business days: E[Σ_k ceil((B + k)/s)] / λ."""
    lam, s = arrivals_per_day, slots_per_day
    if not 0 < lam < s:
        raise ValueError("the queue is stable only for 0 < λ < s")
    top = int(lam + 12 * math.sqrt(lam) + 30)
    pmf = poisson_pmf(lam, top)
    states, previous = 256, -1.0
    while states <= MAX_STATES:
        pi = stationary_backlog(lam, s, states)
        backlog = np.arange(states)[:, None]
        waits = ceil_sum(backlog + np.arange(top + 1)[None, :], s) - ceil_sum(backlog, s)
        mean = float(pi @ (waits @ pmf)) / lam
        # Converged when doubling the truncation no longer moves the mean (the solve's own
        # rounding is ~1e-13) and the truncated tail holds next to no probability.
        if abs(mean - previous) < 1e-9 * mean and pi[-1] < 1e-12:
            return mean
        states, previous = states * 2, mean
    raise ValueError(f"the backlog chain needs more than {MAX_STATES} states at λ={lam}, s={s}")


def recursion_mean_wait(arrivals_per_day: float, slots_per_day: int, days: int, seed: int) -> float:
    """The recursion alone over `days` Poisson days from an empty book (its first tenth
    dropped), a day at a time: the day's waits sum to C(B + A) − C(B)."""
    s, backlog, waits, requests = slots_per_day, 0, 0, 0
    arrivals = np.random.default_rng(seed).poisson(arrivals_per_day, days).tolist()
    for day, count in enumerate(arrivals):
        if day >= days // 10:
            waits += _ceil_sum(backlog + count, s) - _ceil_sum(backlog, s)
            requests += count
        backlog = max(backlog + count - s, 0)
    return waits / requests


def _ceil_sum(n: int, s: int) -> int:
    q, r = divmod(n, s)
    return s * q * (q + 1) // 2 + r * (q + 1)


def recursion_waits(arrivals: list[int], slots_per_day: int) -> list[int]:
    """The waits the recursion gives for a sequence of daily arrivals, from an empty book."""
    backlog, waits = 0, []
    for count in arrivals:
        waits += [-(-(backlog + k) // slots_per_day) for k in range(1, count + 1)]
        backlog = max(backlog + count - slots_per_day, 0)
    return waits


@dataclass(frozen=True)
class QueueRun:
    arrivals: list[int]
    waits: list[int]
    referred: int

    def mean_wait(self, skip_days: int = 0) -> float:
        return fmean(self.waits[sum(self.arrivals[:skip_days]) :])


def queue_rules(deadline_days: int | None = None) -> RuleSet:
    """California's rules without holidays, and for initial therapy no deadline, or one of
    `deadline_days` business days (the deadline-and-referral mode, validation_deadline.py)."""
    rules = load_rules("california")
    standard = replace(
        rules.standard("initial-therapy"),
        limit_business_days=deadline_days or NO_DEADLINE_BUSINESS_DAYS,
    )
    calendar = BusinessCalendar("weekdays only", (), rules.calendar.weekdays)
    return replace(rules, calendar=calendar, standards={**rules.standards, standard.name: standard})


def _pool(slots_per_day: int, clinicians: int) -> list[tuple[Clinician, WeeklyTemplate]]:
    pool = []
    for i in range(clinicians):
        slots = slots_per_day // clinicians + (i < slots_per_day % clinicians)
        clinician = Clinician(
            f"q{i:03d}", f"Pool {i}", Discipline.THERAPIST, 1.0, ("pool",),
            modalities=frozenset({Modality.VIDEO}),
        )  # fmt: skip
        end = time(*divmod(8 * 60 + slots * SLOT_MINUTES, 60))
        blocks = tuple(
            TemplateBlock(day, time(8), end, BlockKind.INTAKE, "pool", SLOT_MINUTES)
            for day in range(5)
        )
        pool.append((clinician, WeeklyTemplate(clinician.id, blocks)))
    return pool


def simulate_queue(
    arrivals: list[int],
    slots_per_day: int,
    clinicians: int | None = None,
    start: date = date(2030, 1, 7),
    deadline_days: int | None = None,
) -> QueueRun:
    """Book `arrivals[t]` requests on the t-th business day, through the real services
    (by default one clinician per five slots a day)."""
    clinicians = clinicians or -(-slots_per_day // SLOTS_PER_CLINICIAN)
    if slots_per_day * SLOT_MINUTES > 10 * 60 * clinicians:
        raise ValueError("too many slots per clinician for one working day")
    rules = queue_rules(deadline_days)
    contract = ContractTerms("queue", "no protected time (validation only)", 0.0, "validation")
    policy = Policy(rules, contract)
    uow, tz = MemoryUnitOfWork(), rules.timezone
    clock = SimulatedClock(datetime.combine(start, time(0), tzinfo=tz))
    register_clinics([Clinic("pool", "Validation pool", "nowhere")], uow)
    for clinician, template in _pool(slots_per_day, clinicians):
        register_clinician(clinician, template, uow, policy)
    waits, referred, day = [], 0, start
    for count in arrivals:
        while not rules.calendar.is_business_day(day):
            day += timedelta(days=1)
        if day.weekday() == 0 or day == start:
            materialise(uow, policy, day, HORIZON_WEEKS)
        for k in range(count):
            clock.set(datetime.combine(day, REQUESTS_FROM, tzinfo=tz) + timedelta(seconds=k))
            decision = _book(k, uow, clock, policy)
            if decision is None:
                referred += 1
                continue
            waits.append(rules.calendar.business_days_between(day, local_date(decision, tz)))
        day += timedelta(days=1)
    return QueueRun(list(arrivals), waits, referred)


def _book(k: int, uow: MemoryUnitOfWork, clock: SimulatedClock, policy: Policy) -> datetime | None:
    modalities = (Modality.VIDEO,)
    cmd = RequestCare(
        f"m{k}", VisitType.INITIAL, ProviderClass.THERAPIST, "english", modalities, "pool"
    )
    request = open_request(cmd, uow, clock, policy)
    return book_request(BookRequest(request.id), uow, clock, policy).starts_at


def poisson_arrivals(arrivals_per_day: float, days: int, seed: int) -> list[int]:
    return [int(a) for a in np.random.default_rng(seed).poisson(arrivals_per_day, days)]


@dataclass(frozen=True)
class QueueCheck:
    load: float
    slots_per_day: int
    exact: float
    simulated: float
    standard_error: float
    requests: int
    identical_to_recursion: bool

    @property
    def relative_error(self) -> float:
        return self.simulated / self.exact - 1


def check_queue(
    load: float, slots_per_day: int, segments: int, days: int, warmup_days: int, seed: int
) -> QueueCheck:
    """Independent segments (each from an empty book, its warm-up discarded): the mean wait
    over all kept requests and its standard error from the spread of segment means."""
    lam = load * slots_per_day
    means, counts, identical = [], [], True
    for segment in range(segments):
        arrivals = poisson_arrivals(lam, warmup_days + days, seed * 10_007 + segment)
        run = simulate_queue(arrivals, slots_per_day)
        if run.referred:
            raise AssertionError("the validation queue referred a request: horizon too short")
        identical = identical and run.waits == recursion_waits(arrivals, slots_per_day)
        kept = run.waits[sum(arrivals[:warmup_days]) :]
        means.append(fmean(kept))
        counts.append(len(kept))
    weights = np.array(counts) / sum(counts)
    mean = float(np.dot(weights, means))
    spread = float(np.std(means, ddof=1)) / math.sqrt(segments) if segments > 1 else math.nan
    exact = exact_mean_wait(lam, slots_per_day)
    return QueueCheck(load, slots_per_day, exact, mean, spread, sum(counts), identical)
