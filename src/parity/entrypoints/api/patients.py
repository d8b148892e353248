"""`Patient`: read a member, and look members up as US Core expects, within the caller's
scope (docs/adr/0015-fhir-conformance.md; the scope rule is docs/adr/0012)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from parity.adapters import fhir
from parity.domain.scope import MemberScope, Reach, scope_of
from parity.entrypoints.api.context import Base, Page, Uow
from parity.entrypoints.api.member_params import member_query
from parity.entrypoints.api.responses import FhirResponse, entry, searchset
from parity.entrypoints.security.passage import PASSAGE_KEY
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


def _scope(request: Request) -> MemberScope:
    who = getattr(request.state, "principal", None)
    return MemberScope(Reach.NOBODY) if who is None else scope_of(who)


Scope = Annotated[MemberScope, Depends(_scope)]


def _audit(request: Request, member_ids: list[str]) -> None:
    """Name the members a search returned in the request's audit event."""
    passages = request.scope.get(PASSAGE_KEY)
    if isinstance(passages, list) and passages:
        passages[-1].member_ids.update(member_ids)


@router.get("/Patient/{patient_id}", summary="Read a member")
def read_patient(patient_id: str, uow: Uow) -> FhirResponse:
    return FhirResponse(fhir.patient(queries.member(uow, patient_id)))


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
    params = {k: request.query_params.getlist(k) for k in SEARCH_PARAMETERS}
    query = member_query(params)
    found = member_search.find_members(uow, query, scope, page.offset, page.count)
    _audit(request, [m.id for m in found.members])
    entries = [
        entry(base, fhir.patient(m, deidentified=scope.deidentified), "match")
        for m in found.members
    ]
    return searchset(request, entries, found.total, page)
