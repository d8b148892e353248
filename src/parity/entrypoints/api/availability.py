"""Availability: one Schedule per clinician, and its Slots (bookable, held, booked, and
protected indirect-patient-care time as read-only `busy-unavailable`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from parity.adapters import fhir
from parity.domain.errors import InvalidInput
from parity.domain.ids import path_number
from parity.domain.ports import UnitOfWork
from parity.domain.schedule import ProtectedTime, Slot, SlotStatus
from parity.entrypoints.api import versions
from parity.entrypoints.api.context import Base, Context, Page, Uow
from parity.entrypoints.api.query_params import Ids
from parity.entrypoints.api.responses import FhirResponse
from parity.entrypoints.api.search import read_each, ref, statuses, token_group, tokens, window
from parity.services import queries

router = APIRouter(tags=["Availability"])

PROTECTED = "busy-unavailable"
STATUS_SYSTEM = "http://hl7.org/fhir/slotstatus"
SLOT_STATUSES: dict[str, frozenset[SlotStatus]] = {
    "free": frozenset({SlotStatus.FREE}),
    "busy": frozenset({SlotStatus.BUSY}),
    "busy-tentative": frozenset({SlotStatus.HELD}),
    PROTECTED: frozenset(),
}


@router.get("/Schedule/{schedule_id}", summary="Read a clinician's schedule")
def read_schedule(schedule_id: str, uow: Uow) -> FhirResponse:
    with versions.reading(uow) as uow:
        return versions.versioned(uow, fhir.schedule(queries.clinician(uow, schedule_id)))


@router.get("/Schedule", summary="Search schedules (one per clinician)")
def search_schedules(
    request: Request,
    uow: Uow,
    base: Base,
    page: Page,
    actor: Annotated[str | None, Query(description="Practitioner/{id} or Location/{id}")] = None,
    ids: Ids = None,
) -> FhirResponse:
    with versions.reading(uow) as uow:
        search = queries.ClinicianSearch()
        if actor is not None and actor.startswith("Location/"):
            search = queries.ClinicianSearch(clinic_id=ref(actor, "Location"))
        elif actor is not None:
            search = queries.ClinicianSearch(frozenset({ref(actor, "Practitioner") or ""}))
        found = queries.clinicians(uow, search)
        return versions.search(uow, request, base, found, fhir.schedule, page, ids)


def slot_resource(uow: UnitOfWork, slot_id: str) -> fhir.Json:
    if slot_id.startswith("ipc-"):
        clinician_id, start = fhir.parse_protected_slot_id(slot_id)
        return fhir.protected_slot(queries.protected_block(uow, clinician_id, start))
    return fhir.slot(queries.slot(uow, path_number(slot_id, "Slot")))


@router.get("/Slot/{slot_id}", summary="Read a slot (or a protected block, ipc-…)")
def read_slot(slot_id: str, uow: Uow) -> FhirResponse:
    return versions.read(uow, lambda u: slot_resource(u, slot_id))


def _clinician_of(schedule: str | None, actor: str | None) -> str:
    """Slot search names one clinician: a region holds ~740,000 slots."""
    ids = {i for i in (ref(schedule, "Schedule"), ref(actor, "Practitioner")) if i is not None}
    if not ids:
        raise InvalidInput(
            "Slot search needs schedule (Schedule/{id}) or actor (Practitioner/{id}); "
            "a region holds hundreds of thousands of slots. To find bookable times for a "
            "member, use POST Appointment/$find"
        )
    if len(ids) > 1:
        raise InvalidInput("schedule and actor name different clinicians")
    return ids.pop()


def _slot(item: Slot | ProtectedTime) -> fhir.Json:
    return fhir.slot(item) if isinstance(item, Slot) else fhir.protected_slot(item)


@router.get("/Slot", summary="Search one clinician's slots")
def search_slots(
    request: Request,
    context: Context,
    uow: Uow,
    base: Base,
    page: Page,
    schedule: Annotated[str | None, Query(description="Schedule/{clinician id}")] = None,
    actor: Annotated[str | None, Query(description="Practitioner/{clinician id}")] = None,
    start: Annotated[
        list[str] | None,
        Query(description="Prefixed dates, ANDed: ge2026-06-01&start=lt2026-06-08"),
    ] = None,
    status: Annotated[
        list[str] | None, Query(description="free, busy, busy-tentative, busy-unavailable")
    ] = None,
    ids: Ids = None,
) -> FhirResponse:
    """`_id` alone reads each slot; otherwise the search names one clinician."""
    with versions.reading(uow) as uow:
        if ids is not None and not (schedule or actor or start or status):
            read = read_each(tokens([ids]), lambda key: slot_resource(uow, key))
            return versions.search(uow, request, base, read, lambda r: r, page)
        asked = set().union(*(token_group(v, STATUS_SYSTEM) for v in status or []))
        search = queries.SlotSearch(
            _clinician_of(schedule, actor),
            window(start or [], context.tz),
            statuses(status or [], SLOT_STATUSES, "status", STATUS_SYSTEM),
            protected=not asked or PROTECTED in asked,
        )
        found = queries.search_slots(uow, search)
        return versions.search(uow, request, base, found, _slot, page, ids)
