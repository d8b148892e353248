"""Demand calibrated from the region file: episode starts, sessions, cadence, attendance.

Sessions per episode: a share stop after one session; the rest follow 1 + a lognormal
whose parameters are solved from the region's median and mean, so the mixture has the
calibrated single-session share, median and mean (right-skewed, with a long tail).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from parity.domain.standards import VisitType
from parity.domain.workforce import ProviderClass

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Demand:
    episodes_per_day: float
    single_session_share: float
    lognormal_mu: float
    lognormal_sigma: float
    sessions_max: int
    cadence_days: tuple[int, ...]
    cadence_shares: tuple[float, ...]
    urgent_share: float
    urgent_prior_auth_share: float
    psychiatrist_share: float
    psychiatric_nurse_share: float
    no_show_intake: float
    no_show_follow_up: float
    member_cancel: float
    late_cancel: float
    clinic_cancel: float

    def sessions(self, rng: random.Random) -> int:
        if rng.random() < self.single_session_share:
            return 1
        drawn = 1 + rng.lognormvariate(self.lognormal_mu, self.lognormal_sigma)
        return max(2, min(self.sessions_max, round(drawn)))

    def cadence(self, rng: random.Random) -> int:
        return rng.choices(self.cadence_days, self.cadence_shares)[0]

    def visit_and_class(self, rng: random.Random) -> tuple[VisitType, ProviderClass, bool]:
        """The first visit of a new episode: urgent or initial, which provider class, prior auth."""
        if rng.random() < self.urgent_share:
            return (
                VisitType.URGENT,
                ProviderClass.THERAPIST,
                rng.random() < self.urgent_prior_auth_share,
            )
        draw = rng.random()
        if draw < self.psychiatrist_share:
            return VisitType.INITIAL, ProviderClass.PSYCHIATRIST, False
        if draw < self.psychiatrist_share + self.psychiatric_nurse_share:
            return VisitType.INITIAL, ProviderClass.PSYCHIATRIC_NURSE, False
        return VisitType.INITIAL, ProviderClass.THERAPIST, False


def lognormal_for(
    median_sessions: float, mean_sessions: float, single_share: float
) -> tuple[float, float]:
    """Solve mu, sigma so that the mixture (single_share at 1, else 1 + LN) hits median and mean."""
    multi = 1 - single_share
    z = NormalDist().inv_cdf((0.5 - single_share) / multi)
    log_median_excess = math.log(median_sessions - 1)
    log_mean_excess = math.log((mean_sessions - single_share - multi) / multi)
    # mu + z*sigma = log_median_excess ; mu + sigma^2/2 = log_mean_excess
    gap = log_mean_excess - log_median_excess
    sigma = z + math.sqrt(z * z + 2 * gap)
    return log_median_excess - z * sigma, sigma


def demand_from(table: dict[str, Any], workforce: dict[str, Any], members: int) -> Demand:
    mu, sigma = lognormal_for(
        float(table["sessions_median"]),
        float(table["sessions_mean"]),
        float(table["single_session_share"]),
    )
    disciplines = workforce["discipline_shares"]
    prescribers = disciplines.get("psychiatrist", 0) + disciplines.get("psychiatric-nurse", 0)
    psychiatry = float(table["psychiatry_share"])
    nurse_part = disciplines.get("psychiatric-nurse", 0) / prescribers if prescribers else 0.0
    return Demand(
        episodes_per_day=members * float(table["episode_starts_per_member_year"]) / DAYS_PER_YEAR,
        single_session_share=float(table["single_session_share"]),
        lognormal_mu=mu,
        lognormal_sigma=sigma,
        sessions_max=int(table["sessions_max"]),
        cadence_days=tuple(7 * int(w) for w in table["cadence_weeks"]),
        cadence_shares=tuple(float(s) for s in table["cadence_shares"]),
        urgent_share=float(table["urgent_share"]),
        urgent_prior_auth_share=float(table["urgent_prior_auth_share"]),
        psychiatrist_share=psychiatry * (1 - nurse_part),
        psychiatric_nurse_share=psychiatry * nurse_part,
        no_show_intake=float(table["no_show_intake"]),
        no_show_follow_up=float(table["no_show_follow_up"]),
        member_cancel=float(table["member_cancel"]),
        late_cancel=float(table["late_cancel"]),
        clinic_cancel=float(table["clinic_cancel"]),
    )
