"""Break-even: the employer-side turnover at which more protected hours pay for themselves
in capacity (ADR 0014).

Each protected hour a week costs one bookable hour in every week worked. A contract that
lowers the hazard of leaving (a pension, a lighter workload) saves the direct-care hours a
vacancy loses while it is refilled. At a yearly turnover t under the first contract, the
second saves t x (1 - hazard ratio) x vacancy hours per FTE-year; it breaks even when that
equals the extra protected hours:

    t* = extra IPC hours a week x weeks worked / ((1 - ratio) x vacancy hours)

with vacancy hours = (notice-free) mean recruiting lag x weeks a month x direct-care hours.
"""

from __future__ import annotations

from dataclasses import dataclass

from parity.simulation.scenarios import Scenario
from parity.simulation.workforce import leave_hazard

WEEKS_PER_MONTH = 52 / 12


@dataclass(frozen=True)
class BreakEven:
    extra_ipc_hours_per_week: float
    hazard_ratio: float
    vacancy_hours: float
    weeks_worked: float

    @property
    def turnover_per_year(self) -> float | None:
        """Yearly turnover under the first contract at which the capacity balances."""
        saved_per_leaver = (1 - self.hazard_ratio) * self.vacancy_hours
        if self.extra_ipc_hours_per_week <= 0 or saved_per_leaver <= 0:
            return None
        return self.extra_ipc_hours_per_week * self.weeks_worked / saved_per_leaver


def break_even(first: Scenario, second: Scenario, weeks_worked: float) -> BreakEven:
    """Compare the second contract with the first for staff without a pension today (the
    72 % the employer's figures describe), at market pay and each contract's direct hours."""
    turnover = first.turnover
    a_hours = first.contract.direct_care_hours_per_week_fte
    b_hours = second.contract.direct_care_hours_per_week_fte
    a = leave_hazard(turnover, first.plan, 1.0, a_hours)
    b = leave_hazard(second.turnover, second.plan, 1.0, b_hours)
    extra = second.contract.ipc_hours_per_week_fte - first.contract.ipc_hours_per_week_fte
    vacancy = first.recruiting.lag_months * WEEKS_PER_MONTH * a_hours * weeks_worked / 52
    return BreakEven(extra, b / a, vacancy, weeks_worked)
