"""Member look-up (docs/adr/0015): the same answers in memory, on SQLite and on PostgreSQL,
and never a member outside the caller's scope. Expected ids are written out from the
members below, by reading the rule, not by running the code under test."""

from __future__ import annotations

from datetime import date

import pytest

from parity.adapters.memory import MemoryUnitOfWork
from parity.adapters.sql import SqlUnitOfWork
from parity.domain.care import Course
from parity.domain.member_lookup import BirthDateBound, MemberQuery
from parity.domain.members import Member
from parity.domain.ports import UnitOfWork
from parity.domain.scope import EVERYONE, MemberScope, Reach, clinics_scope
from parity.domain.users import Forbidden
from parity.domain.workforce import Clinic, Clinician, Discipline, Modality, ProviderClass
from parity.services.member_search import find_members

NORTH = Clinic("north", "North Clinic", "1 North St.")
SOUTH = Clinic("south", "South Clinic", "2 South St.")
THERAPIST = Clinician(
    "dee",
    "Dee",
    Discipline.PSYCHOLOGIST,
    1.0,
    ("north",),
    frozenset({"english"}),
    frozenset(Modality),
)
MEMBERS = (
    Member("m1", "Ana Smith", "north", birth_date=date(1980, 5, 12), phone="555-0101"),
    Member("m2", "Bob Smithers", "south", birth_date=date(1980, 11, 2), gender="male"),
    Member("m3", "Cy Jones", "north", birth_date=date(1975, 1, 1), phone="555-0103"),
    Member("m4", "Smith Ortega", "south", birth_date=None, gender="female"),
    Member("m5", "Dora 50%_Off", "north", birth_date=date(1990, 2, 28), gender="female"),
)


def _fill(uow: UnitOfWork) -> UnitOfWork:
    with uow:
        uow.clinics.add(NORTH)
        uow.clinics.add(SOUTH)
        uow.clinicians.add(THERAPIST)
        for member in MEMBERS:
            uow.members.add(member)
        course = Course(
            "m3", "dee", ProviderClass.THERAPIST, "english", (Modality.VIDEO,), "north", 7, 6
        )
        uow.courses.add(course)
        uow.commit()
    return uow


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """The in-memory store too: it answers the same searches (overrides conftest's)."""
    return str(request.param)


@pytest.fixture
def store(backend: str, request: pytest.FixtureRequest) -> UnitOfWork:
    if backend == "memory":
        return _fill(MemoryUnitOfWork())
    return _fill(SqlUnitOfWork(request.getfixturevalue("engine")))


def _ids(store: UnitOfWork, query: MemberQuery, scope: MemberScope = EVERYONE) -> list[str]:
    return [m.id for m in find_members(store, query, scope, 0, 100).members]


def g(*values: str) -> frozenset[str]:
    return frozenset(values)


CASES = [
    # a string matches the start of a name part, in any case
    (MemberQuery(names=(g("smith"),)), ["m1", "m2", "m4"]),
    (MemberQuery(family=(g("SMITH"),)), ["m1", "m2"]),
    (MemberQuery(given=(g("smith"),)), ["m4"]),
    # commas OR, repeats AND
    (MemberQuery(family=(g("jones", "smithers"),)), ["m2", "m3"]),
    (MemberQuery(names=(g("smith"),), given=(g("bob"),)), ["m2"]),
    # LIKE's wildcards in a name are matched as themselves
    (MemberQuery(family=(g("50%_"),)), ["m5"]),
    (MemberQuery(family=(g("%"),)), []),
    # birth dates: a year covers the year; prefixes compare with that period; no date never
    (MemberQuery(birth=(BirthDateBound(date(1980, 1, 1), date(1981, 1, 1)),)), ["m1", "m2"]),
    (MemberQuery(birth=(BirthDateBound(date(1980, 1, 1), date(1981, 1, 1), True),)), ["m3", "m5"]),
    (MemberQuery(birth=(BirthDateBound(None, date(1980, 1, 1)),)), ["m3"]),
    (
        MemberQuery(family=(g("smith"),), birth=(BirthDateBound(date(1980, 5, 12), None),)),
        ["m1", "m2"],
    ),
    (MemberQuery(genders=(g("female"),)), ["m4", "m5"]),
    (MemberQuery(genders=(g(),)), []),  # a code asked in another system matches nothing
    (MemberQuery(phones=(g("555-0103"),)), ["m3"]),
    (MemberQuery(ids=(g("m2", "m3"),)), ["m2", "m3"]),
    (MemberQuery(ids=(g("m2", "m3"), g("m3"))), ["m3"]),
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_a_member_search_finds_exactly_the_members_its_parameters_describe(
    store: UnitOfWork, query: MemberQuery, expected: list[str]
) -> None:
    assert _ids(store, query) == expected


def test_every_search_stays_within_the_callers_scope(store: UnitOfWork) -> None:
    smiths = MemberQuery(names=(g("smith"),))
    assert _ids(store, smiths, MemberScope(Reach.SELF, member_id="m2")) == ["m2"]
    assert _ids(store, MemberQuery(), MemberScope(Reach.SELF, member_id="m2")) == ["m2"]
    assert _ids(store, smiths, clinics_scope(["south"])) == ["m2", "m4"]
    assert _ids(store, MemberQuery(), MemberScope(Reach.PATIENTS, clinician_id="dee")) == ["m3"]
    assert _ids(store, smiths, MemberScope(Reach.PATIENTS, clinician_id="dee")) == []
    assert _ids(store, MemberQuery(), MemberScope(Reach.NOBODY)) == []


def test_pages_cover_every_member_once_and_the_total_counts_them_all(store: UnitOfWork) -> None:
    pages = [find_members(store, MemberQuery(), EVERYONE, offset, 2) for offset in (0, 2, 4)]
    assert [m.id for page in pages for m in page.members] == ["m1", "m2", "m3", "m4", "m5"]
    assert {page.total for page in pages} == {5}
    assert find_members(store, MemberQuery(), EVERYONE, 0, 0).members == []


def test_a_deidentified_caller_may_not_search_by_identity(store: UnitOfWork) -> None:
    auditor = MemberScope(Reach.EVERYONE, deidentified=True)
    assert _ids(store, MemberQuery(genders=(g("male"),)), auditor) == ["m2"]
    with pytest.raises(Forbidden):
        _ids(store, MemberQuery(family=(g("smith"),)), auditor)
