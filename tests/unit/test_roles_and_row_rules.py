"""Who may see whose records: the pure row-level rules, the links each role must carry,
and the user use cases on the in-memory unit of work (with a fake password port)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.domain.errors import InvalidInput, NotFound
from parity.domain.members import Member
from parity.domain.scope import Reach, scope_of
from parity.domain.users import (
    MemberFacts,
    NotAuthenticated,
    Principal,
    Role,
    check_links,
    may_see_clinician,
    may_see_member,
)
from parity.domain.workforce import Clinic
from parity.services.users import AddUser, add_user, authenticate, list_users

ADA = MemberFacts("ada", "san-diego", frozenset({"c1"}))
BO = MemberFacts("bo", "fontana", frozenset({"c2"}))
MEMBER = Principal("ada-login", Role.MEMBER, member_id="ada")
THERAPIST = Principal("t", Role.THERAPIST, clinician_id="c1")
SCHEDULER = Principal("s", Role.SCHEDULER, clinic_ids=("san-diego",))
AUDITOR = Principal("a", Role.AUDITOR)


class FakePasswords:
    """The password port without argon2: a reversible 'hash', and a count of checks."""

    def __init__(self) -> None:
        self.checks = 0

    def hash(self, password: str) -> str:
        return f"fake:{password}"

    def matches(self, stored_hash: str | None, password: str) -> bool:
        self.checks += 1
        return stored_hash == f"fake:{password}"


@pytest.mark.parametrize(
    ("who", "ada", "bo"),
    [
        (MEMBER, True, False),
        (THERAPIST, True, False),
        (SCHEDULER, True, False),
        (AUDITOR, False, False),
        (Principal("m", Role.MANAGER), True, True),
        (Principal("x", Role.ADMIN), True, True),
    ],
)
def test_each_role_sees_exactly_the_members_its_rule_names(
    who: Principal, ada: bool, bo: bool
) -> None:
    assert (may_see_member(who, ADA), may_see_member(who, BO)) == (ada, bo)


def test_each_scope_admits_exactly_the_members_its_role_may_see() -> None:
    """A scope (ADR 0012) admits what the row rule allows; an auditor's admits everyone,
    de-identified, and a principal without its links admits nobody."""
    for who in (MEMBER, THERAPIST, SCHEDULER, Principal("m", Role.MANAGER)):
        scope = scope_of(who)
        assert (scope.admits(ADA), scope.admits(BO)) == (
            may_see_member(who, ADA),
            may_see_member(who, BO),
        )
    assert scope_of(AUDITOR).deidentified
    assert scope_of(AUDITOR).admits(BO)
    assert scope_of(Principal("m", Role.MEMBER)).reach is Reach.NOBODY
    assert not scope_of(Principal("s", Role.SCHEDULER)).admits(ADA)


def test_a_therapist_sees_their_own_week_and_a_scheduler_their_clinics_weeks() -> None:
    assert may_see_clinician(THERAPIST, "c1", ("san-diego",))
    assert not may_see_clinician(THERAPIST, "c2", ("san-diego",))
    assert may_see_clinician(SCHEDULER, "c2", ("fontana", "san-diego"))
    assert not may_see_clinician(SCHEDULER, "c2", ("fontana",))
    assert not may_see_clinician(AUDITOR, "c1", ("san-diego",))


@pytest.mark.parametrize(
    ("role", "member", "clinician", "clinics"),
    [
        (Role.MEMBER, None, None, ()),
        (Role.THERAPIST, None, None, ()),
        (Role.SCHEDULER, None, None, ()),
        (Role.ADMIN, "ada", None, ()),
        (Role.MEMBER, "ada", "c1", ()),
    ],
)
def test_a_role_with_missing_or_stray_links_is_refused(
    role: Role, member: str | None, clinician: str | None, clinics: tuple[str, ...]
) -> None:
    with pytest.raises(InvalidInput):
        check_links(role, member, clinician, clinics)


@pytest.fixture
def store() -> MemoryUnitOfWork:
    uow = MemoryUnitOfWork()
    with uow:
        uow.clinics.add(Clinic("san-diego", "San Diego", "9455 Clairemont Mesa Blvd."))
        uow.members.add(Member("ada", "Ada Lovelace", "san-diego"))
        uow.commit()
    return uow


CLOCK = SimulatedClock(datetime(2026, 6, 1, 17, tzinfo=UTC))


def test_a_user_is_added_with_a_hash_and_signs_in_with_the_password(
    store: MemoryUnitOfWork,
) -> None:
    passwords = FakePasswords()
    cmd = AddUser("Ada.L", Role.MEMBER, "a long enough password", member_id="ada")
    added = add_user(cmd, store, CLOCK, passwords)
    assert added.username == "ada.l"
    assert "a long enough password" not in repr(added.principal)
    assert authenticate(store, passwords, "ADA.L", "a long enough password").id == added.id
    assert [u.username for u in list_users(store)] == ["ada.l"]


def test_a_wrong_password_and_an_unknown_name_both_cost_one_check(store: MemoryUnitOfWork) -> None:
    passwords = FakePasswords()
    add_user(AddUser("sam", Role.ADMIN, "a long enough password"), store, CLOCK, passwords)
    for name, password in (("sam", "wrong password!!"), ("nobody", "a long enough password")):
        before = passwords.checks
        with pytest.raises(NotAuthenticated, match="wrong user name or password"):
            authenticate(store, passwords, name, password)
        assert passwords.checks == before + 1


@pytest.mark.parametrize(
    ("cmd", "error"),
    [
        (AddUser("sam", Role.ADMIN, "short"), InvalidInput),
        (AddUser("sam smith", Role.ADMIN, "a long enough password"), InvalidInput),
        (AddUser("x", Role.MEMBER, "a long enough password", member_id="nobody"), NotFound),
        (AddUser("y", Role.SCHEDULER, "a long enough password", clinic_ids=("mars",)), NotFound),
    ],
)
def test_bad_users_are_refused_and_nothing_is_stored(
    store: MemoryUnitOfWork, cmd: AddUser, error: type[Exception]
) -> None:
    with pytest.raises(error):
        add_user(cmd, store, CLOCK, FakePasswords())
    assert list_users(store) == []


def test_a_taken_user_name_is_refused(store: MemoryUnitOfWork) -> None:
    add_user(AddUser("sam", Role.ADMIN, "a long enough password"), store, CLOCK, FakePasswords())
    with pytest.raises(InvalidInput, match="already exists"):
        add_user(
            AddUser("SAM", Role.AUDITOR, "another long password"), store, CLOCK, FakePasswords()
        )
    assert [u.role for u in list_users(store)] == [Role.ADMIN]
