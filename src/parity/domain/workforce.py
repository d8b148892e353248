"""Clinics and clinicians: who can see whom, where, in which language and modality."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ProviderClass(StrEnum):
    """The class of provider an access standard is written for."""

    THERAPIST = "therapist"
    PSYCHIATRIC_NURSE = "psychiatric-nurse"
    PSYCHIATRIST = "psychiatrist"


class Discipline(StrEnum):
    THERAPIST = "therapist"
    PSYCHOLOGIST = "psychologist"
    SOCIAL_WORKER = "social-worker"
    PSYCHIATRIC_NURSE = "psychiatric-nurse"
    ADDICTION_MEDICINE = "addiction-medicine"
    PSYCHIATRIST = "psychiatrist"


# Therapists, psychologists, social workers and SUD professionals are all "non-physician
# mental health providers" under 28 CCR §1300.67.2.2(c)(5)(E); psychiatrists are physicians.
PROVIDER_CLASS_OF: dict[Discipline, ProviderClass] = {
    Discipline.THERAPIST: ProviderClass.THERAPIST,
    Discipline.PSYCHOLOGIST: ProviderClass.THERAPIST,
    Discipline.SOCIAL_WORKER: ProviderClass.THERAPIST,
    Discipline.ADDICTION_MEDICINE: ProviderClass.THERAPIST,
    Discipline.PSYCHIATRIC_NURSE: ProviderClass.PSYCHIATRIC_NURSE,
    Discipline.PSYCHIATRIST: ProviderClass.PSYCHIATRIST,
}


class Modality(StrEnum):
    IN_PERSON = "in-person"
    VIDEO = "video"
    PHONE = "phone"


REMOTE_MODALITIES = frozenset({Modality.VIDEO, Modality.PHONE})


@dataclass(frozen=True, slots=True)
class Clinic:
    id: str
    name: str
    address: str
    timezone: str = "America/Los_Angeles"
    county: str = ""
    lat: float = 0.0
    lon: float = 0.0


@dataclass(frozen=True, slots=True)
class Clinician:
    id: str
    name: str
    discipline: Discipline
    fte: float
    clinic_ids: tuple[str, ...]
    languages: frozenset[str] = frozenset({"english"})
    modalities: frozenset[Modality] = frozenset(Modality)
    # The instant the clinician stops seeing members (a departure); None while employed.
    leaves_at: datetime | None = None

    def __post_init__(self) -> None:
        if not 0 < self.fte <= 1.0:
            raise ValueError(f"clinician {self.id}: FTE must be in (0, 1], got {self.fte}")
        if not self.clinic_ids:
            raise ValueError(f"clinician {self.id}: needs at least one clinic")

    def has_left_by(self, instant: datetime) -> bool:
        """Whether the clinician no longer sees members at `instant` (they left the plan)."""
        return self.leaves_at is not None and self.leaves_at <= instant

    @property
    def home_clinic_id(self) -> str:
        return self.clinic_ids[0]

    @property
    def provider_class(self) -> ProviderClass:
        return PROVIDER_CLASS_OF[self.discipline]

    def can_see(self, provider_class: ProviderClass, language: str, modality: Modality) -> bool:
        """Whether this clinician matches a request's provider class, language and modality."""
        return (
            self.provider_class is provider_class
            and language in self.languages
            and modality in self.modalities
        )
