"""Use cases for members."""

from __future__ import annotations

from parity.domain.errors import InvalidInput, NotFound
from parity.domain.members import Member
from parity.domain.ports import UnitOfWork


def register_member(member: Member, uow: UnitOfWork) -> Member:
    """Add a member, or return the stored one when they are already registered."""
    if not member.id.strip():
        raise InvalidInput("a member needs an id")
    with uow:
        try:
            return uow.members.get(member.id)
        except NotFound:
            uow.clinics.get(member.clinic_id)
            uow.members.add(member)
            uow.commit()
    return member
