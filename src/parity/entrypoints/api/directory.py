"""Who and where: Practitioner, PractitionerRole, Location and Patient (read and search;
Patient in entrypoints/api/patients.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from parity.adapters import fhir
from parity.entrypoints.api import patients
from parity.entrypoints.api.context import Base, Page, Uow
from parity.entrypoints.api.responses import FhirResponse, search_results
from parity.entrypoints.api.search import ref, tokens
from parity.services import queries

router = APIRouter(tags=["Directory"])

Text = Annotated[str | None, Query()]
Ids = Annotated[str | None, Query(alias="_id", description="Comma-separated ids")]


def _ids(value: str | None) -> frozenset[str] | None:
    return None if value is None else frozenset(tokens([value]))


@router.get("/Practitioner/{practitioner_id}", summary="Read a clinician")
def read_practitioner(practitioner_id: str, uow: Uow) -> FhirResponse:
    return FhirResponse(fhir.practitioner(queries.clinician(uow, practitioner_id)))


@router.get("/Practitioner", summary="Search clinicians")
def search_practitioners(
    request: Request,
    uow: Uow,
    base: Base,
    page: Page,
    ids: Ids = None,
    name: Text = None,
    communication: Annotated[
        str | None, Query(description="A language: BCP-47 tag (es) or name (spanish)")
    ] = None,
) -> FhirResponse:
    language = fhir.language_from(communication) if communication else None
    search = queries.ClinicianSearch(_ids(ids), name, language)
    found = queries.clinicians(uow, search)
    return search_results(request, base, found, fhir.practitioner, page)


@router.get("/PractitionerRole/{role_id}", summary="Read a clinician's role")
def read_practitioner_role(role_id: str, uow: Uow) -> FhirResponse:
    return FhirResponse(fhir.practitioner_role(queries.clinician(uow, role_id)))


@router.get("/PractitionerRole", summary="Search roles by clinician, clinic or specialty")
def search_practitioner_roles(
    request: Request,
    uow: Uow,
    base: Base,
    page: Page,
    practitioner: Text = None,
    location: Text = None,
    specialty: Annotated[
        str | None, Query(description="A discipline or a provider class, e.g. psychiatrist")
    ] = None,
) -> FhirResponse:
    ids = _ids(ref(practitioner, "Practitioner"))
    search = queries.ClinicianSearch(ids, clinic_id=ref(location, "Location"), specialty=specialty)
    found = queries.clinicians(uow, search)
    return search_results(request, base, found, fhir.practitioner_role, page)


@router.get("/Location/{location_id}", summary="Read a clinic")
def read_location(location_id: str, uow: Uow) -> FhirResponse:
    return FhirResponse(fhir.location(queries.clinic(uow, location_id)))


@router.get("/Location", summary="Search clinics")
def search_locations(
    request: Request, uow: Uow, base: Base, page: Page, ids: Ids = None, name: Text = None
) -> FhirResponse:
    wanted = _ids(ids)
    found = [c for c in queries.clinics(uow, name) if wanted is None or c.id in wanted]
    return search_results(request, base, found, fhir.location, page)


# Members are looked up by their own module; its routes are served with these.
router.include_router(patients.router)
