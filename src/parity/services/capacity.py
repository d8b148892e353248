"""Capacity for a scheduler who has no member yet: the free slots a kind of visit could take
in a window, without opening a care request (no request, no clock; docs/adr/0015)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parity.domain.availability import SlotQuery
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import Slot
from parity.domain.standards import VisitType
from parity.domain.workforce import Clinician, Modality, ProviderClass
from parity.services.policy import Policy


@dataclass(frozen=True, slots=True)
class CapacityQuery:
    visit: VisitType
    provider_class: ProviderClass
    language: str
    modalities: tuple[Modality, ...]
    clinic_id: str
    start: datetime | None
    end: datetime
    limit: int


def find_capacity(
    query: CapacityQuery, uow: UnitOfWork, clock: Clock, policy: Policy
) -> list[tuple[Slot, Clinician]]:
    """The earliest free slots that fit, each with its clinician; never before the minimum
    notice a booking needs."""
    not_before = clock.now() + policy.min_notice
    if query.start is not None:
        not_before = max(not_before, query.start)
    wanted = SlotQuery(
        policy.kinds_for(query.visit),
        query.provider_class,
        query.language,
        query.modalities,
        query.clinic_id,
        not_before,
        query.end,
    )
    with uow:
        slots = uow.slots.candidates(wanted, query.limit)
        return [(s, uow.clinicians.get(s.clinician_id)) for s in slots]
