"""Who and where: Practitioner, PractitionerRole and Location (read and search; Patient in
entrypoints/api/patients.py).

Names match as FHIR strings (the start of any word, any case); tokens in the `code`,
`system|code` and `|code` forms. PractitionerRole `specialty` is the discipline only; the
provider class (therapist, psychiatrist, ...) is its `role` (docs/adr/0015).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from parity.adapters import fhir
from parity.domain.workforce import Clinic, Clinician
from parity.entrypoints.api import patients, versions
from parity.entrypoints.api.context import Base, Page, Uow
from parity.entrypoints.api.query_params import Ids
from parity.entrypoints.api.responses import FhirResponse
from parity.entrypoints.api.search import name_matches, ref, token_group, tokens
from parity.services import queries

router = APIRouter(tags=["Directory"])

Text = Annotated[str | None, Query()]
DISCIPLINES = f"{fhir.CODES}/discipline"
PROVIDER_CLASSES = f"{fhir.CODES}/provider-class"


def _ids(value: str | None) -> frozenset[str] | None:
    return None if value is None else frozenset(tokens([value]))


def _named(name: str | None, text: str) -> bool:
    return name is None or any(name_matches(text, asked) for asked in tokens([name]))


def _coded(value: str | None, system: str, code: str) -> bool:
    return value is None or code in token_group(value, system)


def _languages(value: str | None) -> frozenset[str] | None:
    """Parity's language names for `communication` tokens (BCP-47 tags or names)."""
    if value is None:
        return None
    return frozenset(fhir.language_from(code) for code in token_group(value, fhir.BCP47))


@router.get("/Practitioner/{practitioner_id}", summary="Read a clinician")
def read_practitioner(practitioner_id: str, uow: Uow) -> FhirResponse:
    with versions.reading(uow) as uow:
        return versions.versioned(uow, fhir.practitioner(queries.clinician(uow, practitioner_id)))


@router.get("/Practitioner", summary="Search clinicians")
def search_practitioners(
    request: Request,
    uow: Uow,
    base: Base,
    page: Page,
    ids: Ids = None,
    name: Text = None,
    communication: Annotated[
        str | None, Query(description="A language: es, urn:ietf:bcp:47|es or spanish")
    ] = None,
) -> FhirResponse:
    with versions.reading(uow) as uow:
        languages = _languages(communication)
        found = [
            c
            for c in queries.clinicians(uow, queries.ClinicianSearch(_ids(ids)))
            if _named(name, c.name) and (languages is None or languages & c.languages)
        ]
        return versions.search(uow, request, base, found, fhir.practitioner, page)


@router.get("/PractitionerRole/{role_id}", summary="Read a clinician's role")
def read_practitioner_role(role_id: str, uow: Uow) -> FhirResponse:
    with versions.reading(uow) as uow:
        return versions.versioned(uow, fhir.practitioner_role(queries.clinician(uow, role_id)))


def _role_matches(
    found: Clinician, name: str | None, specialty: str | None, role: str | None
) -> bool:
    return (
        _named(name, found.name)
        and _coded(specialty, DISCIPLINES, found.discipline)
        and _coded(role, PROVIDER_CLASSES, found.provider_class)
    )


@router.get("/PractitionerRole", summary="Search roles by clinician, clinic, specialty or role")
def search_practitioner_roles(
    request: Request,
    uow: Uow,
    base: Base,
    page: Page,
    ids: Ids = None,
    practitioner: Text = None,
    location: Text = None,
    specialty: Annotated[
        str | None, Query(description="A discipline, e.g. psychologist or social-worker")
    ] = None,
    role: Annotated[
        str | None, Query(description="A provider class, e.g. therapist or psychiatrist")
    ] = None,
    name: Annotated[str | None, Query(alias="practitioner.name")] = None,
) -> FhirResponse:
    with versions.reading(uow) as uow:
        by_practitioner = _ids(ref(practitioner, "Practitioner"))
        wanted = _ids(ids)
        if by_practitioner is not None:
            wanted = by_practitioner if wanted is None else wanted & by_practitioner
        search = queries.ClinicianSearch(wanted, clinic_id=ref(location, "Location"))
        found = [
            c for c in queries.clinicians(uow, search) if _role_matches(c, name, specialty, role)
        ]
        return versions.search(uow, request, base, found, fhir.practitioner_role, page)


@router.get("/Location/{location_id}", summary="Read a clinic")
def read_location(location_id: str, uow: Uow) -> FhirResponse:
    with versions.reading(uow) as uow:
        return versions.versioned(uow, fhir.location(queries.clinic(uow, location_id)))


def _location_matches(found: Clinic, wanted: frozenset[str] | None, name: str | None) -> bool:
    return (wanted is None or found.id in wanted) and _named(name, found.name)


@router.get("/Location", summary="Search clinics")
def search_locations(
    request: Request, uow: Uow, base: Base, page: Page, ids: Ids = None, name: Text = None
) -> FhirResponse:
    with versions.reading(uow) as uow:
        wanted = _ids(ids)
        found = [c for c in queries.clinics(uow) if _location_matches(c, wanted, name)]
        return versions.search(uow, request, base, found, fhir.location, page)


# Members are looked up by their own module; its routes are served with these.
router.include_router(patients.router)
