"""A scheduler's lists are cut to their clinics (issue 9): the work queue over the API and
on the page shows only requests of the clinics the scheduler books for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from fastapi import Request

from parity.domain.users import Principal, Role


class AtClinic(Protocol):
    @property
    def clinic_id(self) -> str: ...


R = TypeVar("R", bound=AtClinic)


def clinic_scope(request: Request) -> frozenset[str] | None:
    """The clinics the caller's lists are limited to; None: every clinic."""
    who = getattr(request.state, "principal", None)
    if isinstance(who, Principal) and who.role is Role.SCHEDULER:
        return frozenset(who.clinic_ids)
    return None


def in_scope(request: Request, records: Sequence[R]) -> list[R]:
    scope = clinic_scope(request)
    return list(records) if scope is None else [r for r in records if r.clinic_id in scope]
