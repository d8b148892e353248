"""What one more protected (IPC) hour a week costs in appointments, from first principles
and by simulation, next to the employer's published estimate (~1,300 appointments a week
across ~2,000 NorCal therapists; brief, "The contract").

First principles: an hour of IPC is laid over an hour of bookable time, which holds
60 / (session + documentation minutes) follow-up slots. A year has fewer working weeks
than calendar weeks (holidays, leave), and a booked slot is an appointment delivered only
if the member comes (follow-up no-shows and late cancellations leave it empty) and only
if it would have been booked at all (utilisation). So, per calendar week,

    appointments lost = therapists × FTE × slots per hour × share of weeks worked
                        × attended share × utilisation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from parity.adapters.rules_files import load_contract, load_region, load_rules
from parity.domain.calendar import BusinessCalendar
from parity.domain.contract import ContractTerms
from parity.services.policy import Policy
from parity.simulation.engine import Simulation, SimulationConfig
from parity.simulation.region import build_region
from parity.simulation.summary import summarise

EMPLOYER_ESTIMATE = 1_300
THERAPISTS = 2_000
DOCUMENTATION_MINUTES = 10  # region.weekly_template: a session slot is session + 10 minutes


@dataclass(frozen=True)
class IpcHourCost:
    """The factors of the first-principles cost and their product (appointments a week)."""

    therapists: float
    fte: float
    slots_per_hour: float
    weeks_worked_share: float
    attended_share: float
    utilisation: float

    @property
    def slots_per_week(self) -> float:
        return self.therapists * self.fte * self.slots_per_hour

    @property
    def appointments_per_week(self) -> float:
        return (
            self.slots_per_week * self.weeks_worked_share * self.attended_share * self.utilisation
        )


def weekday_holidays_per_year(calendar: BusinessCalendar, year: int) -> int:
    day, count = date(year, 1, 1), 0
    while day.year == year:
        count += day.weekday() in calendar.weekdays and day in calendar.holidays
        day += timedelta(days=1)
    return count


def first_principles(
    workforce: dict[str, object],
    demand: dict[str, object],
    calendar: BusinessCalendar,
    *,
    leave_weeks: float,
    utilisation: float = 1.0,
    fte: float = 1.0,
    therapists: float = THERAPISTS,
    year: int = 2025,
) -> IpcHourCost:
    """The cost of one IPC hour a week, factor by factor, from the region's calibration."""
    session = int(str(workforce.get("session_minutes", 50))) + DOCUMENTATION_MINUTES
    holidays = weekday_holidays_per_year(calendar, year)
    working_days = 5 * 52.18 - holidays - 5 * leave_weeks
    attended = 1 - float(str(demand["no_show_follow_up"])) - float(str(demand["late_cancel"]))
    return IpcHourCost(
        therapists=therapists,
        fte=fte,
        slots_per_hour=60 / session,
        weeks_worked_share=working_days / (5 * 52.18),
        attended_share=attended,
        utilisation=utilisation,
    )


@dataclass(frozen=True)
class SimulatedIpcCost:
    """Appointments delivered per FTE-week with `hours` and `hours + 1` of IPC, same seed."""

    hours: float
    delivered_per_fte_week: float
    delivered_per_fte_week_plus_one: float
    bookable_hours_per_fte_week: float
    demand_factor: float

    @property
    def lost_per_fte_week(self) -> float:
        return self.delivered_per_fte_week - self.delivered_per_fte_week_plus_one

    def lost_per_week(self, therapists: float = THERAPISTS) -> float:
        return self.lost_per_fte_week * therapists


def _delivered(
    contract: ContractTerms, region: str, scale: float, seed: int, weeks: int, factor: float
) -> tuple[float, float]:
    """Appointments delivered, and bookable hours laid, per FTE-week of the measured weeks."""
    spec = load_region(region)
    policy = Policy(load_rules(), contract)
    synthetic = build_region(spec, contract, scale, seed)
    config = SimulationConfig(weeks=weeks, warmup_weeks=13, start=date(2026, 1, 5), seed=seed)
    simulation = Simulation(synthetic, policy, config)
    simulation.demand_factor = factor
    run = simulation.run()
    summary = summarise(run.uow, policy, config, synthetic.member_count)
    fte_weeks = sum(c.fte for c in synthetic.clinicians) * weeks
    bookable = sum(b.minutes / 60 for t in synthetic.templates for b in t.blocks if b.slot_minutes)
    return summary.appointments_delivered / fte_weeks, bookable / sum(
        c.fte for c in synthetic.clinicians
    )


def simulated(
    contract_name: str = "socal-2025",
    *,
    region: str = "socal",
    scale: float = 0.05,
    seed: int = 7,
    weeks: int = 13,
    demand_factor: float = 1.0,
) -> SimulatedIpcCost:
    """Run the region twice on the same seed, with the contract's IPC hours and one more."""
    contract = load_contract(contract_name)
    more = replace(
        contract,
        name=f"{contract.name}+1h",
        ipc_hours_per_week_fte=contract.ipc_hours_per_week_fte + 1,
        direct_care_hours_per_week_fte=contract.direct_care_hours_per_week_fte - 1,
    )
    base, bookable = _delivered(contract, region, scale, seed, weeks, demand_factor)
    plus, _ = _delivered(more, region, scale, seed, weeks, demand_factor)
    return SimulatedIpcCost(contract.ipc_hours_per_week_fte, base, plus, bookable, demand_factor)
