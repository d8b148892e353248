"""`Patient`: read a member, and look members up as US Core expects, within the caller's
scope (docs/adr/0015-fhir-conformance.md; the scope rule is docs/adr/0012)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from parity.adapters import fhir
from parity.domain.ids import path_text
from parity.entrypoints.api import versions
from parity.entrypoints.api.context import Base, Page, Uow
from parity.entrypoints.api.member_params import member_query
from parity.entrypoints.api.responses import FhirResponse, entry, searchset
from parity.entrypoints.security.scope import Scope
from parity.services import member_search, queries

router = APIRouter(tags=["Directory"])
Values = Annotated[list[str] | None, Query()]
SEARCH_PARAMETERS = (
    "_id",
    "identifier",
    "name",
    "family",
    "given",
    "birthdate",
    "gender",
    "telecom",
    "phone",
)


@router.get("/Patient/{patient_id}", summary="Read a member")
def read_patient(patient_id: str, uow: Uow, scope: Scope) -> FhirResponse:
    """A member in the caller's scope; anyone else's id answers 404 (absent or not yours)."""
    with versions.reading(uow) as uow:
        found = queries.member(uow, scope, path_text(patient_id, "Patient"))
        return versions.versioned(uow, fhir.patient(found, deidentified=scope.deidentified))


@router.get("/Patient", summary="Look members up (US Core), within the caller's scope")
def search_patients(
    request: Request,
    uow: Uow,
    base: Base,
    page: Page,
    scope: Scope,
    ids: Annotated[list[str] | None, Query(alias="_id")] = None,
    identifier: Values = None,
    name: Values = None,
    family: Values = None,
    given: Values = None,
    birthdate: Values = None,
    gender: Values = None,
    telecom: Values = None,
    phone: Values = None,
) -> FhirResponse:
    """By name, family, given (prefix, any case), birthdate (eq ne lt le gt ge sa eb, year,
    month or day), identifier (member number), gender, telecom/phone, _id; repeats AND,
    commas OR. Only members the caller may see are found; an auditor's are de-identified."""
    with versions.reading(uow) as uow:
        params = {k: request.query_params.getlist(k) for k in SEARCH_PARAMETERS}
        query = member_query(params)
        found = member_search.find_members(uow, query, scope, page.offset, page.count)
        shown = [fhir.patient(m, deidentified=scope.deidentified) for m in found.members]
        entries = [entry(base, p, "match") for p in versions.stamp_each(uow, shown)]
        return searchset(request, entries, found.total, page)
