"""The small hand-built region the unit tests share (imported by conftest.py and tests).

The region is two clinics and three clinicians whose weekly templates are written out below,
so every test can say, by hand, which slot ought to be booked. Everything runs on the
in-memory unit of work and a simulated clock: no database, no network, no wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.domain.schedule import BlockKind, TemplateBlock, WeeklyTemplate
from parity.domain.workforce import Clinic, Clinician, Discipline, Modality
from parity.services.policy import Policy
from parity.services.schedules import materialise, register_clinician, register_clinics

LOS_ANGELES = ZoneInfo("America/Los_Angeles")

# Sunday 2026-05-31, noon in Los Angeles: the region's clock when a test begins. The first
# materialised week is Monday 2026-06-01; Memorial Day (2026-05-25) is already behind us and
# Juneteenth (Friday 2026-06-19, not a state-office closure) falls in the third week.
REGION_START = datetime(2026, 5, 31, 12, 0, tzinfo=LOS_ANGELES)
FIRST_WEEK = date(2026, 6, 1)
REGION_WEEKS = 3


@dataclass
class Region:
    """A materialised region: its store, its clock and the policy it runs under."""

    uow: MemoryUnitOfWork
    clock: SimulatedClock
    policy: Policy


def _block(
    weekday: int, start: int, end: int, kind: BlockKind, clinic: str, slot: int = 0
) -> TemplateBlock:
    return TemplateBlock(weekday, time(start), time(end), kind, clinic, slot)


def region_clinicians() -> list[tuple[Clinician, WeeklyTemplate]]:
    """Three clinicians, written so that each test can name the slot it expects by hand.

    * ana: therapist at north, English and Spanish, every modality.
      Mon 08-13 IPC; Tue 09-12 follow-up (50 min: 09:00, 09:50, 10:40); Wed 09-12 intake (60 min).
    * ben: therapist at south, English only, in person or video (no phone).
      Mon 09-12 intake (60 min); Mon 13-16 follow-up (50 min: 13:00, 13:50, 14:40); Thu 08-13 IPC.
    * cy: psychiatrist, 0.5 FTE at north and south, English, in person or video.
      Fri 08:00-10:30 IPC (150 min = 5 h x 0.5 FTE); Fri 13-15 intake at south (60 min).
    """
    ana = Clinician(
        "ana", "Ana", Discipline.THERAPIST, 1.0, ("north",), frozenset({"english", "spanish"})
    )
    ben = Clinician(
        "ben",
        "Ben",
        Discipline.SOCIAL_WORKER,
        1.0,
        ("south",),
        frozenset({"english"}),
        frozenset({Modality.IN_PERSON, Modality.VIDEO}),
    )
    cy = Clinician(
        "cy",
        "Cy",
        Discipline.PSYCHIATRIST,
        0.5,
        ("north", "south"),
        frozenset({"english"}),
        frozenset({Modality.IN_PERSON, Modality.VIDEO}),
    )
    ana_week = WeeklyTemplate(
        "ana",
        (
            _block(0, 8, 13, BlockKind.IPC, "north"),
            _block(1, 9, 12, BlockKind.FOLLOW_UP, "north", 50),
            _block(2, 9, 12, BlockKind.INTAKE, "north", 60),
        ),
    )
    ben_week = WeeklyTemplate(
        "ben",
        (
            _block(0, 9, 12, BlockKind.INTAKE, "south", 60),
            _block(0, 13, 16, BlockKind.FOLLOW_UP, "south", 50),
            _block(3, 8, 13, BlockKind.IPC, "south"),
        ),
    )
    cy_week = WeeklyTemplate(
        "cy",
        (
            TemplateBlock(4, time(8), time(10, 30), BlockKind.IPC, "north"),
            _block(4, 13, 15, BlockKind.INTAKE, "south", 60),
        ),
    )
    return [(ana, ana_week), (ben, ben_week), (cy, cy_week)]


def build_region(policy: Policy) -> Region:
    """Register the two clinics and three clinicians, and materialise three weeks."""
    uow = MemoryUnitOfWork()
    clock = SimulatedClock(REGION_START)
    register_clinics(
        [
            Clinic("north", "North Clinic", "1 North St."),
            Clinic("south", "South Clinic", "2 South St."),
        ],
        uow,
    )
    for clinician, template in region_clinicians():
        register_clinician(clinician, template, uow, policy)
    materialise(uow, policy, FIRST_WEEK, REGION_WEEKS)
    return Region(uow, clock, policy)
