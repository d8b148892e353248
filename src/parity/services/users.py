"""Use cases of local accounts: add a user, list them, check a login (ADR 0008)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from parity.domain.ports import Clock, Passwords, UnitOfWork
from parity.domain.users import (
    NotAuthenticated,
    Role,
    User,
    check_links,
    check_password,
    check_username,
)


@dataclass(frozen=True)
class AddUser:
    username: str
    role: Role
    password: str
    member_id: str | None = None
    clinician_id: str | None = None
    clinic_ids: tuple[str, ...] = ()


def add_user(
    cmd: AddUser,
    uow: UnitOfWork,
    clock: Clock,
    passwords: Passwords,
    judge: Callable[[str, list[str]], None] | None = None,
) -> User:
    """Create a local account; the links must exist (a member, a clinician, clinics).
    `judge` refuses a weak password, given the name and links as hints (ADR 0012)."""
    name = check_username(cmd.username)
    check_password(cmd.password)
    if judge is not None:
        hints = [
            name,
            *name.replace("@", ".").split("."),
            cmd.member_id or "",
            cmd.clinician_id or "",
        ]
        judge(cmd.password, [h for h in hints if h])
    check_links(cmd.role, cmd.member_id, cmd.clinician_id, cmd.clinic_ids)
    hashed = passwords.hash(cmd.password)
    with uow:
        _check_linked_records(uow, cmd)
        user = User(0, name, cmd.role, hashed, clock.now(), cmd.member_id, cmd.clinician_id)
        user.clinic_ids = tuple(cmd.clinic_ids)
        added = uow.users.add(user)
        uow.commit()
    return added


def _check_linked_records(uow: UnitOfWork, cmd: AddUser) -> None:
    """Each link names a record that exists (`NotFound` otherwise)."""
    if cmd.member_id:
        uow.members.get(cmd.member_id)
    if cmd.clinician_id:
        uow.clinicians.get(cmd.clinician_id)
    for clinic_id in cmd.clinic_ids:
        uow.clinics.get(clinic_id)


def list_users(uow: UnitOfWork) -> list[User]:
    with uow:
        return list(uow.users.list())


def find_user(uow: UnitOfWork, username: str) -> User:
    with uow:
        found = uow.users.by_username(username.strip().lower())
    if found is None or not found.active:
        raise NotAuthenticated(f"there is no active user {username!r}")
    return found


def authenticate(uow: UnitOfWork, passwords: Passwords, username: str, password: str) -> User:
    """The user whose name and password these are, or `NotAuthenticated`. An unknown name
    costs one hash check too, so timing does not reveal which names exist."""
    with uow:
        found = uow.users.by_username(username.strip().lower())
    stored = found.password_hash if found is not None and found.active else None
    if not passwords.matches(stored, password) or found is None:
        raise NotAuthenticated("wrong user name or password")
    return found
