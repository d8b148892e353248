"""Which members' records a caller may see, as a value that travels into every query.

Authorisation is decided where the data is read (ADR 0012): a route turns the caller's
`Principal` into a `MemberScope` once, and every read or search of member data takes it and
applies it in SQL and in the in-memory adapter alike. A search returns only what is in
scope; a read of an out-of-scope record answers as if the record did not exist.

- a member: their own records;
- a therapist: their patients (members they have treated, are booked to treat, or hold a
  care request assigned to them);
- a scheduler: members whose home clinic is one of the scheduler's clinics;
- a manager or an admin: everyone;
- an auditor: everyone, de-identified (names, contact details and birth dates withheld).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from parity.domain.users import MemberFacts, Principal, Role


class Reach(StrEnum):
    """How far a scope reaches."""

    NOBODY = "nobody"
    SELF = "self"
    PATIENTS = "patients"
    CLINICS = "clinics"
    EVERYONE = "everyone"


@dataclass(frozen=True)
class MemberScope:
    """The members a caller may see. Exactly one of `member_id`, `clinician_id` and
    `clinic_ids` is meaningful, as `reach` says; `deidentified` withholds identity."""

    reach: Reach
    member_id: str | None = None
    clinician_id: str | None = None
    clinic_ids: frozenset[str] = frozenset()
    deidentified: bool = False

    @property
    def is_everyone(self) -> bool:
        return self.reach is Reach.EVERYONE

    def admits(self, facts: MemberFacts) -> bool:
        """Whether one member, described by `facts`, is in this scope."""
        if self.reach is Reach.EVERYONE:
            return True
        if self.reach is Reach.SELF:
            return facts.member_id == self.member_id
        if self.reach is Reach.PATIENTS:
            return self.clinician_id in facts.clinician_ids
        if self.reach is Reach.CLINICS:
            return facts.clinic_id is not None and facts.clinic_id in self.clinic_ids
        return False

    def admits_clinic(self, clinic_id: str) -> bool:
        """Whether a clinic's member lists are in scope (schedulers: their clinics)."""
        if self.reach is Reach.EVERYONE:
            return True
        return self.reach is Reach.CLINICS and clinic_id in self.clinic_ids


def scope_of(who: Principal) -> MemberScope:
    """The scope of one principal: self, own patients, own clinics' members, or everyone."""
    if who.role in (Role.ADMIN, Role.MANAGER):
        return MemberScope(Reach.EVERYONE)
    if who.role is Role.AUDITOR:
        return MemberScope(Reach.EVERYONE, deidentified=True)
    if who.role is Role.MEMBER and who.member_id:
        return MemberScope(Reach.SELF, member_id=who.member_id)
    if who.role is Role.THERAPIST and who.clinician_id:
        return MemberScope(Reach.PATIENTS, clinician_id=who.clinician_id)
    if who.role is Role.SCHEDULER and who.clinic_ids:
        return MemberScope(Reach.CLINICS, clinic_ids=frozenset(who.clinic_ids))
    return MemberScope(Reach.NOBODY)


def clinics_scope(clinic_ids: Collection[str]) -> MemberScope:
    """A scope of the members of some clinics (a scheduler's, or a report's)."""
    return MemberScope(Reach.CLINICS, clinic_ids=frozenset(clinic_ids))


EVERYONE = MemberScope(Reach.EVERYONE)
