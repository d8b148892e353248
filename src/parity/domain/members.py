"""Members: the people the plan owes timely care to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from parity.domain.workforce import Modality


@dataclass(frozen=True, slots=True)
class Member:
    """A health-plan member; their home clinic is their service area for in-person care."""

    id: str
    name: str
    clinic_id: str
    language: str = "english"
    modalities: tuple[Modality, ...] = (Modality.VIDEO, Modality.PHONE)
    birth_date: date | None = None
    phone: str = ""
    email: str = ""
    extra: dict[str, str] = field(default_factory=dict)
