"""Members: the people the plan owes timely care to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from parity.domain.workforce import Modality


@dataclass(frozen=True, slots=True)
class Member:
    """A health-plan member; their home clinic is their service area for in-person care.

    `family` and `given` are the parts of the name a look-up searches (docs/adr/0015); a
    name given only as one text is read as given names, then the family name last.
    `gender` is FHIR's administrative gender (male | female | other | unknown)."""

    id: str
    name: str
    clinic_id: str
    language: str = "english"
    modalities: tuple[Modality, ...] = (Modality.VIDEO, Modality.PHONE)
    birth_date: date | None = None
    phone: str = ""
    email: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    family: str = ""
    given: str = ""
    gender: str = "unknown"

    def __post_init__(self) -> None:
        if not self.family and not self.given:
            given, _, family = self.name.strip().rpartition(" ")
            object.__setattr__(self, "family", family)
            object.__setattr__(self, "given", given)
