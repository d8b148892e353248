"""Contract terms: the protected indirect-patient-care (IPC) time a clinician is guaranteed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """A contract preset, loaded from `data/contracts/<name>.toml` with its citation."""

    name: str
    title: str
    ipc_hours_per_week_fte: float
    citation: str
    pension: bool = False
    cash_balance_pension: bool = False
    wage_increases: tuple[float, ...] = ()
    direct_care_hours_per_week_fte: float = 30.0
    meeting_hours_per_week_fte: float = 2.5
    # Slots a 1.0-FTE week holds back for urgent returns (the employer's example week: 2).
    urgent_hold_slots_per_week: int = 2

    def ipc_minutes_per_week(self, fte: float) -> int:
        """Return the weekly IPC guarantee for a clinician, prorated by FTE, in whole minutes."""
        return round(self.ipc_hours_per_week_fte * 60 * fte)
