"""Whose records a request touches: the member (or clinician) behind its path parameters,
search parameters or body references, for the row-level rules and the audit trail."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from parity.adapters import fhir
from parity.domain.errors import NotFound
from parity.domain.ports import UnitOfWork
from parity.entrypoints.api import inputs
from parity.services import audit

PATIENT = re.compile(r"^Patient/([^/]{1,100})$")
REQUEST = re.compile(r"^ServiceRequest/(\d{1,18})$")
HOLD = re.compile(r"^(?:Appointment/)?hold-(\d{1,18})$")
VISIT = re.compile(r"^Appointment/(\d{1,18})$")
TASK = re.compile(r"^Task/([a-z]+-\d{1,18})$")
PROPOSAL = re.compile(r"^(?:Appointment/)?proposal-(\d{1,18})-\d{1,18}$")
MAX_SCANNED = 200


def of_appointment(uow: UnitOfWork, key: str) -> str | None:
    found = inputs.appointment_id(key)
    if isinstance(found, inputs.VisitId):
        return audit.member_of_appointment(uow, found.appointment_id)
    if isinstance(found, inputs.HoldId):
        return audit.member_of_hold(uow, found.hold_id)
    if isinstance(found, inputs.ProposalId):
        return audit.member_of_request(uow, found.request_id)
    return None


def of_request(uow: UnitOfWork, key: str) -> str | None:
    return audit.member_of_request(uow, int(key)) if key.isdigit() and len(key) < 18 else None


def of_task(uow: UnitOfWork, key: str) -> str:
    return audit.member_of_task(uow, *fhir.parse_task_id(key))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def of_reference(uow: UnitOfWork, text: str) -> str | None:
    """The member a reference names: `Patient/x`, `ServiceRequest/n`, `hold-n`,
    `proposal-n-m`; None for anything else."""
    if found := PATIENT.match(text):
        return found.group(1)
    if found := REQUEST.match(text) or PROPOSAL.match(text):
        return audit.member_of_request(uow, int(found.group(1)))
    if found := HOLD.match(text):
        return audit.member_of_hold(uow, int(found.group(1)))
    if found := VISIT.match(text):
        return audit.member_of_appointment(uow, int(found.group(1)))
    if found := TASK.match(text):
        return of_task(uow, found.group(1))
    return None


def of_references(uow: UnitOfWork, texts: list[str]) -> set[str]:
    members = set()
    for text in texts[:MAX_SCANNED]:
        try:
            member = of_reference(uow, text)
        except NotFound:
            continue  # the route itself answers 404 for what does not exist
        if member is not None:
            members.add(member)
    return members


def in_body(raw: bytes) -> list[str]:
    """Every string of a JSON body (where a booking names its patient or proposal)."""
    try:
        return list(_strings(json.loads(raw)))
    except (ValueError, RecursionError):
        return []


def in_query(
    params: dict[str, list[str]], resource: str = "Patient"
) -> tuple[list[str], str | None]:
    """References of a search (`patient`, `based-on`, and `_id`: ids of the `resource`
    searched) and its `practitioner`."""
    texts = [f"Patient/{p.removeprefix('Patient/')}" for p in params.get("patient", [])]
    texts += [f"{resource}/{i}" for ids in params.get("_id", []) for i in ids.split(",") if i]
    texts += params.get("based-on", [])
    practitioners = params.get("practitioner", [])
    practitioner = practitioners[0].removeprefix("Practitioner/") if practitioners else None
    return texts, practitioner
