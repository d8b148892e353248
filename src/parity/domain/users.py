"""Who may use Parity and what each role may see: users, roles, the identity a request
carries (a `Principal`), and the row-level decisions as pure functions.

Roles (ADR 0008, ADR 0012): a member sees only their own records; a therapist their own
schedule and their own patients; a scheduler books for members of their clinics; a manager
reads reports and runs the corrective-action plan; an auditor reads de-identified
aggregates and the audit trail, and changes nothing; an admin may do everything. The
queries apply these rules through `domain.scope.MemberScope`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from parity.domain.errors import InvalidInput, ParityError


class Role(StrEnum):
    MEMBER = "member"
    THERAPIST = "therapist"
    SCHEDULER = "scheduler"
    MANAGER = "manager"
    AUDITOR = "auditor"
    ADMIN = "admin"


MIN_PASSWORD_LENGTH = 12
USERNAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-@")


class NotAuthenticated(ParityError):
    """No valid credentials: a missing, expired or forged token, or a wrong password."""

    rule = "not-authenticated"
    http_status = 401

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message, **details)
        self.http_headers = {"WWW-Authenticate": 'Bearer realm="parity"'}


class Forbidden(ParityError):
    """The caller is known but their role may not do this."""

    rule = "forbidden"
    http_status = 403


class TooManyAttempts(ParityError):
    """Too many failed logins from one user name or address; try again later."""

    rule = "too-many-attempts"
    http_status = 429

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message, retry_after_seconds=retry_after_seconds)
        self.http_headers = {"Retry-After": str(max(1, retry_after_seconds))}


@dataclass(frozen=True)
class Principal:
    """The identity a request carries: who (`subject`), in which role, linked to which
    member, clinician or clinics. Built from a verified token; never from the request body."""

    subject: str
    role: Role
    member_id: str | None = None
    clinician_id: str | None = None
    clinic_ids: tuple[str, ...] = ()

    def acts_for(self, member_id: str) -> bool:
        """Whether this principal may record an act of the member's: staff for any member
        in their scope (checked by the scoped read), a member only for themselves
        (docs/adr/0012, "2026-12-07 (night)")."""
        return self.role is not Role.MEMBER or self.member_id == member_id


@dataclass
class User:
    """A local account. `password_hash` is an argon2 hash; the password itself is never kept."""

    id: int
    username: str
    role: Role
    password_hash: str
    created_at: datetime
    member_id: str | None = None
    clinician_id: str | None = None
    clinic_ids: tuple[str, ...] = ()
    active: bool = True

    @property
    def principal(self) -> Principal:
        return Principal(
            self.username, self.role, self.member_id, self.clinician_id, self.clinic_ids
        )


def check_links(
    role: Role, member_id: str | None, clinician_id: str | None, clinic_ids: Collection[str]
) -> None:
    """Each role carries exactly the links its row-level rules need: a member their member
    id, a therapist their clinician id, a scheduler at least one clinic."""
    needs = {
        Role.MEMBER: ("member", member_id),
        Role.THERAPIST: ("clinician", clinician_id),
        Role.SCHEDULER: ("clinic", ",".join(clinic_ids) or None),
    }
    if role in needs and not needs[role][1]:
        raise InvalidInput(f"a {role} user needs --{needs[role][0]}")
    extra = [name for name, value in _links(member_id, clinician_id, clinic_ids) if value]
    allowed = {Role.MEMBER: {"member"}, Role.THERAPIST: {"clinician"}, Role.SCHEDULER: {"clinic"}}
    stray = set(extra) - allowed.get(role, set())
    if stray:
        raise InvalidInput(f"a {role} user takes no --{', --'.join(sorted(stray))}")


def _links(
    member_id: str | None, clinician_id: str | None, clinic_ids: Collection[str]
) -> list[tuple[str, object]]:
    return [("member", member_id), ("clinician", clinician_id), ("clinic", list(clinic_ids))]


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not name or len(name) > 64 or not set(name) <= USERNAME_CHARACTERS:
        raise InvalidInput("a user name is 1-64 letters, digits, '.', '_', '-' or '@'")
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password has at least {MIN_PASSWORD_LENGTH} characters")


# -- row-level decisions ---------------------------------------------------------------------


@dataclass(frozen=True)
class MemberFacts:
    """What the row-level rules need to know about a member: their home clinic and the
    clinicians who have treated them or are booked to (their therapists)."""

    member_id: str
    clinic_id: str | None
    clinician_ids: frozenset[str]


def may_see_member(who: Principal, facts: MemberFacts) -> bool:
    """A member: themselves. A therapist: their own patients. A scheduler: members of their
    clinics. An admin or a (regional) manager: anyone. An auditor sees aggregates only."""
    if who.role in (Role.ADMIN, Role.MANAGER):
        return True
    if who.role is Role.MEMBER:
        return who.member_id == facts.member_id
    if who.role is Role.THERAPIST:
        return who.clinician_id is not None and who.clinician_id in facts.clinician_ids
    if who.role is Role.SCHEDULER:
        return facts.clinic_id is not None and facts.clinic_id in who.clinic_ids
    return False


def may_see_clinician(who: Principal, clinician_id: str, clinic_ids: Collection[str]) -> bool:
    """A therapist sees only their own schedule; a scheduler the clinicians of their
    clinics; managers and admins everyone's."""
    if who.role in (Role.ADMIN, Role.MANAGER):
        return True
    if who.role is Role.THERAPIST:
        return who.clinician_id == clinician_id
    if who.role is Role.SCHEDULER:
        return bool(set(clinic_ids) & set(who.clinic_ids))
    return False
