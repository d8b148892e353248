"""Small hand-built optimizer problems, and the brute force the optimizer is held to.

Three clinics (north and east share a service area, south is another), clinicians and
slots written out per test, on a Monday-to-Friday calendar in Los Angeles. Everything is
in optimizer terms, so no store or service is involved. The other test_optimizer_*
modules import these builders; the two tests here check the builders themselves.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from parity.domain.availability import SlotQuery
from parity.domain.calendar import BusinessCalendar
from parity.domain.schedule import BlockKind, ProtectedTime
from parity.domain.standards import VisitType
from parity.domain.workforce import Clinic, Clinician, Discipline, Modality, ProviderClass
from parity.optimizer.feasibility import HardRules
from parity.optimizer.problem import (
    Absence,
    DayPart,
    OptimizerRequest,
    OptimizerSlot,
    PinnedBooking,
    Problem,
)
from parity.optimizer.weights import Limits, Weights, config_from_dict

LA = ZoneInfo("America/Los_Angeles")
MONDAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 7, 0, tzinfo=LA)  # Monday 07:00, before the first slot
CALENDAR = BusinessCalendar("test", holidays=[date(2026, 6, 19)])
CLINICS = (
    Clinic("north", "North", "1 North St.", county="Alpha"),
    Clinic("east", "East", "2 East St.", county="Alpha"),
    Clinic("south", "South", "3 South St.", county="Beta"),
)
ALL_MODALITIES = frozenset(Modality)


def packaged_text() -> str:
    return (resources.files("parity") / "data" / "optimizer" / "weights.toml").read_text()


def packaged_table() -> dict[str, Any]:
    return tomllib.loads(packaged_text())


WEIGHTS, LIMITS = config_from_dict(packaged_table())


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Local time on the `day`-th day after Monday 2026-06-01."""
    return datetime.combine(MONDAY + timedelta(days=day), time(hour, minute), tzinfo=LA)


def clinician(
    clinician_id: str,
    discipline: Discipline = Discipline.THERAPIST,
    clinics: tuple[str, ...] = ("north",),
    languages: Iterable[str] = ("english",),
    modalities: frozenset[Modality] = ALL_MODALITIES,
) -> Clinician:
    return Clinician(
        clinician_id, clinician_id, discipline, 1.0, clinics, frozenset(languages), modalities
    )


def slot(
    slot_id: int,
    clinician_id: str,
    day: int,
    hour: int,
    clinic: str = "north",
    kind: BlockKind = BlockKind.FOLLOW_UP,
    minutes: int = 60,
) -> OptimizerSlot:
    start = at(day, hour)
    return OptimizerSlot(
        slot_id, clinician_id, clinic, start, start + timedelta(minutes=minutes), kind
    )


def request(
    request_id: int,
    *,
    member: str | None = None,
    clinic: str = "north",
    modalities: tuple[Modality, ...] = (Modality.IN_PERSON,),
    deadline: datetime | None = None,
    not_before: datetime = NOW,
    kinds: tuple[BlockKind, ...] = (BlockKind.FOLLOW_UP,),
    provider_class: ProviderClass = ProviderClass.THERAPIST,
    language: str = "english",
    visit: VisitType = VisitType.FOLLOW_UP,
    **extra: Any,
) -> OptimizerRequest:
    """A therapist follow-up in English, by default in person at north, due Friday night."""
    wants = SlotQuery(
        kinds=kinds,
        provider_class=provider_class,
        language=language,
        modalities=modalities,
        clinic_id=clinic,
        not_before=not_before,
        not_after=deadline or at(4, 23, 59),
    )
    return OptimizerRequest(
        id=request_id, member_id=member or f"m{request_id}", visit=visit, wants=wants, **extra
    )


def problem(
    clinicians: Sequence[Clinician],
    slots: Sequence[OptimizerSlot],
    requests: Sequence[OptimizerRequest],
    *,
    pinned: Sequence[PinnedBooking] = (),
    protected: Sequence[ProtectedTime] = (),
    absences: Sequence[Absence] = (),
    weights: Weights = WEIGHTS,
    limits: Limits = LIMITS,
) -> Problem:
    return Problem(
        now=NOW,
        timezone=LA,
        calendar=CALENDAR,
        clinics=CLINICS,
        clinicians=tuple(clinicians),
        slots=tuple(slots),
        requests=tuple(requests),
        weights=weights,
        limits=limits,
        pinned=tuple(pinned),
        protected=tuple(protected),
        absences=tuple(absences),
    )


def with_limits(base: Problem, **changes: Any) -> Problem:
    return replace(base, limits=replace(base.limits, **changes))


def feasible_pairs(p: Problem) -> dict[int, list[int]]:
    """request id -> slot ids each may take, by the hard rules one pair at a time."""
    rules = HardRules(p)
    return {r.id: [s.id for s in p.slots if not rules.pair_violations(r, s)] for r in p.requests}


def brute_force_matching(pairs: dict[int, list[int]]) -> int:
    """The size of a maximum bipartite matching, by augmenting paths (Kuhn's algorithm)."""
    owner: dict[int, int] = {}

    def augment(request_id: int, seen: set[int]) -> bool:
        for slot_id in pairs[request_id]:
            if slot_id in seen:
                continue
            seen.add(slot_id)
            if slot_id not in owner or augment(owner[slot_id], seen):
                owner[slot_id] = request_id
                return True
        return False

    return sum(augment(r, set()) for r in pairs)


# -- random small problems (Hypothesis) --------------------------------------------------

# Four clinicians who differ in every attribute a request can ask for.
CAST = (
    clinician("ana", clinics=("north",), languages=("english", "spanish")),
    clinician(
        "ben",
        Discipline.SOCIAL_WORKER,
        clinics=("south",),
        modalities=frozenset({Modality.IN_PERSON, Modality.VIDEO}),
    ),
    clinician(
        "cy",
        Discipline.PSYCHIATRIST,
        clinics=("north", "south"),
        modalities=frozenset({Modality.IN_PERSON, Modality.VIDEO}),
    ),
    clinician("dee", clinics=("east",), modalities=frozenset({Modality.PHONE})),
)
KINDS = (BlockKind.FOLLOW_UP, BlockKind.INTAKE, BlockKind.URGENT)
MODALITY_SETS = (
    (Modality.IN_PERSON,),
    (Modality.VIDEO, Modality.PHONE),
    (Modality.PHONE,),
    (Modality.IN_PERSON, Modality.VIDEO),
)


@st.composite
def slots_of(draw: st.DrawFn, count: int) -> list[OptimizerSlot]:
    """Non-overlapping slots per clinician (templates never overlap), hour-aligned."""
    keys = draw(
        st.lists(
            st.tuples(st.integers(0, 3), st.integers(0, 6), st.integers(8, 17)),
            max_size=count,
            unique=True,
        )
    )
    found = []
    for number, (who, day, hour) in enumerate(keys, start=1):
        person = CAST[who]
        clinic = draw(st.sampled_from(person.clinic_ids))
        kind = draw(st.sampled_from(KINDS))
        minutes = draw(st.sampled_from((50, 60)))
        found.append(slot(number, person.id, day, hour, clinic, kind, minutes))
    return found


@st.composite
def requests_of(
    draw: st.DrawFn, slots: list[OptimizerSlot], count: int, members: int
) -> list[OptimizerRequest]:
    """Random requests, most of them shaped after some slot so that matchings are rich."""
    found = []
    for number in range(1, draw(st.integers(0, count)) + 1):
        shaped = bool(slots) and draw(st.booleans())
        fields: dict[str, Any] = draw(_shaped_after(slots)) if shaped else draw(_anything())
        found.append(
            request(
                number,
                member=f"m{draw(st.integers(1, members))}",
                course_id=draw(st.sampled_from((None, 1))),
                course_sequence=number,
                **fields,
                **draw(_preferences(slots)),
            )
        )
    return found


@st.composite
def _preferences(draw: st.DrawFn, slots: list[OptimizerSlot]) -> dict[str, Any]:
    """A current clinician, preferred parts of the day, an offered slot: any, or none."""
    offered = draw(st.sampled_from([None, *[s.id for s in slots]]))
    return {
        "preferred_clinician_id": draw(st.sampled_from((None, *(c.id for c in CAST)))),
        "preferred_parts": frozenset(draw(st.sets(st.sampled_from(list(DayPart)), max_size=2))),
        "offered_slot_id": offered,
    }


@st.composite
def _anything(draw: st.DrawFn) -> dict[str, Any]:
    first = draw(st.integers(0, 4))
    return {
        "clinic": draw(st.sampled_from(("north", "east", "south"))),
        "modalities": draw(st.sampled_from(MODALITY_SETS)),
        "kinds": draw(st.sampled_from(((KINDS[0],), (KINDS[1],), KINDS))),
        "not_before": at(first, draw(st.integers(0, 23))),
        "deadline": at(first + draw(st.integers(0, 6)), draw(st.sampled_from((12, 23)))),
        "provider_class": draw(st.sampled_from(list(ProviderClass))),
        "language": draw(st.sampled_from(("english", "spanish"))),
    }


@st.composite
def _shaped_after(draw: st.DrawFn, slots: list[OptimizerSlot]) -> dict[str, Any]:
    model = draw(st.sampled_from(slots))
    person = next(c for c in CAST if c.id == model.clinician_id)
    in_person = Modality.IN_PERSON in person.modalities and draw(st.booleans())
    remote = tuple(sorted(person.modalities - {Modality.IN_PERSON}))
    return {
        "clinic": model.clinic_id if in_person else draw(st.sampled_from([c.id for c in CLINICS])),
        "modalities": (Modality.IN_PERSON,) if in_person or not remote else remote,
        "kinds": (model.kind,) if draw(st.booleans()) else KINDS,
        "not_before": model.start - timedelta(hours=draw(st.integers(0, 48))),
        "deadline": model.start + timedelta(hours=draw(st.integers(0, 72))),
        "provider_class": person.provider_class,
        "language": draw(st.sampled_from(sorted(person.languages))),
    }


@st.composite
def problems(draw: st.DrawFn, members: int = 3, slots: int = 20, requests: int = 9) -> Problem:
    """A small random problem: some slots pinned, some protected time, maybe PTO."""
    free = draw(slots_of(slots))
    pinned_ids = draw(st.sets(st.sampled_from([s.id for s in free]), max_size=3)) if free else set()
    pinned = [
        PinnedBooking(
            s.id,
            f"m{draw(st.integers(1, members))}",
            s.clinician_id,
            s.start,
            s.end,
            draw(st.sampled_from((None, 1))),
        )
        for s in free
        if s.id in pinned_ids
    ]
    protected = [
        ProtectedTime(CAST[who].id, at(day, 8), at(day, 9 + length))
        for who, day, length in draw(
            st.lists(st.tuples(st.integers(0, 3), st.integers(0, 6), st.integers(0, 2)), max_size=2)
        )
    ]
    absences = [
        Absence(CAST[who].id, at(day, 0), at(day + 1, 0))
        for who, day in draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 6)), max_size=1))
    ]
    chosen = draw(requests_of(free, requests, members))
    limits = replace(
        LIMITS,
        member_visits_per_day=draw(st.integers(1, 2)),
        course_min_spacing_days=draw(st.integers(0, 3)),
    )
    return problem(
        CAST, free, chosen, pinned=pinned, protected=protected, absences=absences, limits=limits
    )
