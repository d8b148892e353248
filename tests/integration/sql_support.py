"""The small hand-built region the integration tests run on, on any unit of work.

Two clinics and three clinicians (the same week as tests/unit/conftest.py):

* ana: therapist at north, English and Spanish, every modality.
  Mon 08-13 IPC; Tue 09-12 follow-ups (50 min); Wed 09-12 intakes (60 min).
* ben: social worker (a therapist) at south, English, in person or video.
  Mon 09-12 intakes (60 min); Mon 13-16 follow-ups (50 min); Thu 08-13 IPC.
* cy: psychiatrist at 0.5 FTE at north and south, English, in person or video.
  Fri 08:00-10:30 IPC; Fri 13-15 intakes at south (60 min).

The clock starts on Sunday 2026-05-31 at noon in Los Angeles; weeks are laid from Monday
2026-06-01.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from parity.adapters.clock import SimulatedClock
from parity.domain.ports import UnitOfWork
from parity.domain.schedule import BlockKind, TemplateBlock, WeeklyTemplate
from parity.domain.standards import VisitType
from parity.domain.workforce import Clinic, Clinician, Discipline, Modality, ProviderClass
from parity.services.policy import Policy
from parity.services.requests import RequestCare
from parity.services.schedules import materialise, register_clinician, register_clinics

LA = ZoneInfo("America/Los_Angeles")
REGION_START = datetime(2026, 5, 31, 12, 0, tzinfo=LA)
FIRST_WEEK = date(2026, 6, 1)

CLINICS = [
    Clinic("north", "North Clinic", "1 North St.", county="Los Angeles", lat=34.2, lon=-118.4),
    Clinic("south", "South Clinic", "2 South St.", county="San Diego", lat=32.8, lon=-117.1),
]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LA)


def _block(
    weekday: int, start: time, end: time, kind: BlockKind, clinic: str, slot: int = 0
) -> TemplateBlock:
    return TemplateBlock(weekday, start, end, kind, clinic, slot)


def clinicians() -> list[tuple[Clinician, WeeklyTemplate]]:
    """ana, ben and cy with their weekly templates (in id order)."""
    ana = Clinician(
        "ana", "Ana", Discipline.THERAPIST, 1.0, ("north",), frozenset({"english", "spanish"})
    )
    in_person_or_video = frozenset({Modality.IN_PERSON, Modality.VIDEO})
    ben = Clinician(
        "ben", "Ben", Discipline.SOCIAL_WORKER, 1.0, ("south",), modalities=in_person_or_video
    )
    cy = Clinician(
        "cy", "Cy", Discipline.PSYCHIATRIST, 0.5, ("north", "south"), modalities=in_person_or_video
    )
    h = time
    weeks = {
        "ana": (
            _block(0, h(8), h(13), BlockKind.IPC, "north"),
            _block(1, h(9), h(12), BlockKind.FOLLOW_UP, "north", 50),
            _block(2, h(9), h(12), BlockKind.INTAKE, "north", 60),
        ),
        "ben": (
            _block(0, h(9), h(12), BlockKind.INTAKE, "south", 60),
            _block(0, h(13), h(16), BlockKind.FOLLOW_UP, "south", 50),
            _block(3, h(8), h(13), BlockKind.IPC, "south"),
        ),
        "cy": (
            _block(4, h(8), h(10, 30), BlockKind.IPC, "north"),
            _block(4, h(13), h(15), BlockKind.INTAKE, "south", 60),
        ),
    }
    return [(c, WeeklyTemplate(c.id, weeks[c.id])) for c in (ana, ben, cy)]


@dataclass
class Region:
    uow: UnitOfWork
    clock: SimulatedClock
    policy: Policy


def build_region(uow: UnitOfWork, policy: Policy, weeks: int = 2) -> Region:
    """Register the clinics and clinicians through the services and lay `weeks` weeks."""
    register_clinics(CLINICS, uow)
    for clinician, template in clinicians():
        register_clinician(clinician, template, uow, policy)
    materialise(uow, policy, FIRST_WEEK, weeks)
    return Region(uow, SimulatedClock(REGION_START), policy)


def initial_request(
    member: str,
    clinic: str = "north",
    modalities: tuple[Modality, ...] = (Modality.IN_PERSON,),
    language: str = "english",
    provider_class: ProviderClass = ProviderClass.THERAPIST,
) -> RequestCare:
    return RequestCare(member, VisitType.INITIAL, provider_class, language, modalities, clinic)
