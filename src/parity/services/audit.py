"""The audit trail's use cases: append an event, search events, and the facts the
row-level rules need about the member a record belongs to (ADR 0008)."""

from __future__ import annotations

from parity.domain.audit import AuditEvent, AuditSearch
from parity.domain.errors import NotFound
from parity.domain.ports import UnitOfWork
from parity.domain.users import MemberFacts

MAX_EVENTS = 1000


def record(event: AuditEvent, uow: UnitOfWork) -> AuditEvent:
    """Append one event in its own transaction."""
    with uow:
        stored = uow.audit_events.append(event)
        uow.commit()
    return stored


def search(uow: UnitOfWork, criteria: AuditSearch, limit: int = MAX_EVENTS) -> list[AuditEvent]:
    with uow:
        return uow.audit_events.search(criteria, min(limit, MAX_EVENTS))


def member_facts(uow: UnitOfWork, member_id: str) -> MemberFacts:
    """The member's home clinic and the clinicians of their visits and courses (an unknown
    member has neither, so only an admin passes the row-level rules for it)."""
    with uow:
        try:
            clinic_id: str | None = uow.members.get(member_id).clinic_id
        except NotFound:
            clinic_id = None
        visits = {a.clinician_id for a in uow.appointments.where(member_id=member_id)}
        courses = {c.clinician_id for c in uow.courses.where(member_id=member_id)}
    return MemberFacts(member_id, clinic_id, frozenset(visits | courses))


def member_of_request(uow: UnitOfWork, request_id: int) -> str:
    with uow:
        return uow.requests.get(request_id).member_id


def member_of_appointment(uow: UnitOfWork, appointment_id: int) -> str:
    with uow:
        return uow.appointments.get(appointment_id).member_id


def member_of_hold(uow: UnitOfWork, hold_id: int) -> str:
    with uow:
        return uow.requests.get(uow.holds.get(hold_id).request_id).member_id


def member_of_task(uow: UnitOfWork, kind: str, number: int) -> str:
    """The member of an offer, a clinical exception or a referral."""
    with uow:
        if kind == "offer":
            request_id = uow.offers.get(number).request_id
        elif kind == "exception":
            request_id = uow.clinical_exceptions.get(number).request_id
        else:
            request_id = uow.referrals.get(number).request_id
        return uow.requests.get(request_id).member_id


def clinics_of_clinician(uow: UnitOfWork, clinician_id: str) -> tuple[str, ...]:
    with uow:
        return uow.clinicians.get(clinician_id).clinic_ids
