"""One real flow through the services gives the same results on SQLite, on PostgreSQL and
in memory: register clinics and clinicians, lay two weeks, open requests, book them (or
refer them out), cancel (clinic and member), re-book, hold and book, decline an offer,
take leave, and follow a course of treatment.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sql_support import FIRST_WEEK, Region, at, build_region, initial_request

from parity.adapters.memory import MemoryUnitOfWork
from parity.adapters.sql import SqlUnitOfWork
from parity.domain.care import CancelledBy, Channel, Course, Decision
from parity.domain.ports import UnitOfWork
from parity.domain.schedule import AvailabilityException, ExceptionKind
from parity.domain.standards import VisitType
from parity.domain.users import Principal, Role
from parity.domain.workforce import Modality, ProviderClass
from parity.services.booking import BookRequest, book_request
from parity.services.courses import BookFollowUp, book_follow_up, start_course
from parity.services.holds import BookHold, HoldSlot, book_hold, hold_slot
from parity.services.offers import AnswerOffer, MakeOffer, answer_offer, make_offer
from parity.services.policy import Policy
from parity.services.proposals import find_proposals
from parity.services.requests import RequestCare, open_request
from parity.services.schedules import AddException, add_availability_exception
from parity.services.visits import CancelAppointment, cancel_appointment


def _utc(value: Any) -> Any:
    """Instants compared as instants: memory keeps the zone they were made in, the
    database returns UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, dict):
        return {k: _utc(v) for k, v in value.items()}
    if isinstance(value, str) and len(value) >= 25 and value[4] == "-" and value[10] == "T":
        try:
            return datetime.fromisoformat(value).astimezone(UTC)
        except ValueError:
            return value
    return value


def _decided(decision: Decision) -> dict[str, Any]:
    return _utc({**decision.as_dict(), "deadline": decision.deadline})


def _book(region: Region, request_id: int, slot_id: int | None = None) -> dict[str, Any]:
    cmd = BookRequest(request_id, slot_id)
    return _decided(book_request(cmd, region.uow, region.clock, region.policy))


def _open(region: Region, cmd: RequestCare) -> int:
    return open_request(cmd, region.uow, region.clock, region.policy).id


def _cancel(region: Region, decision: dict[str, Any], by: CancelledBy) -> None:
    cmd = CancelAppointment(decision["appointment_id"], by, "clinician ill")
    cancel_appointment(cmd, region.uow, region.clock)


def bookings(region: Region) -> list[dict[str, Any]]:
    """Open, book (or refer), cancel and re-book requests of every kind."""
    requests = [
        initial_request("m1"),
        initial_request("m2", modalities=(Modality.VIDEO,), language="spanish"),
        initial_request("m3", clinic="south"),
        initial_request("m4", clinic="south", provider_class=ProviderClass.PSYCHIATRIST),
        initial_request("m5", language="klingon"),
        replace(
            initial_request("m6", modalities=(Modality.VIDEO, Modality.PHONE)),
            visit=VisitType.URGENT,
        ),
    ]
    ids = [_open(region, cmd) for cmd in requests]
    seen = [_book(region, request_id) for request_id in ids]
    _cancel(region, seen[0], CancelledBy.CLINIC)
    seen.append(_book(region, ids[0]))  # re-opened by the clinic's cancellation
    _cancel(region, seen[2], CancelledBy.MEMBER)
    return seen


def holds_and_offers(region: Region) -> list[Any]:
    uow, clock, policy = region.uow, region.clock, region.policy
    first = _open(region, initial_request("m7", modalities=(Modality.VIDEO,)))
    proposals = find_proposals(first, uow, clock, policy)
    hold = hold_slot(HoldSlot(first, proposals[0].slot.id), uow, clock, policy)
    booked = _decided(book_hold(BookHold(hold.id), uow, clock, policy))
    second = _open(region, initial_request("m8", modalities=(Modality.VIDEO,)))
    slot_id = find_proposals(second, uow, clock, policy)[0].slot.id
    offer = make_offer(MakeOffer(second, slot_id, "sam", Channel.PHONE), uow, clock, policy)
    declined = answer_offer(
        AnswerOffer(offer.id, False, Principal("member", Role.MEMBER, "m8")), uow, clock, policy
    )
    rebooked = _book(region, second, slot_id)  # the declined slot was freed
    return [[p.slot.id for p in proposals], booked, _utc(declined), rebooked]


def leave_and_courses(region: Region) -> list[Any]:
    """PTO cancels what was booked in it; a course books its follow-up with the same
    clinician within the SB 221 window."""
    uow, clock, policy = region.uow, region.clock, region.policy
    wednesday = FIRST_WEEK + timedelta(days=2)
    pto = AvailabilityException(
        "ana", ExceptionKind.PTO, at(wednesday, 0), at(wednesday, 23), "ill"
    )
    add_availability_exception(AddException(pto), uow, policy, clock)
    first = _open(region, initial_request("m9", clinic="south"))
    intake = _book(region, first)
    course = start_course(
        Course(
            "m9", "ben", ProviderClass.THERAPIST, "english", (Modality.IN_PERSON,), "south", 7, 6
        ),
        uow,
    )
    follow_up = book_follow_up(
        BookFollowUp(course.id, intake["appointment_id"]), uow, clock, policy
    )
    return [intake, _decided(follow_up)]


def state(uow: UnitOfWork) -> dict[str, Any]:
    """Everything the flow left behind, read back through the repositories."""
    with uow:
        requests = sorted(uow.requests.list(), key=lambda r: r.id)
        lines = {
            "requests": requests,
            "appointments": sorted(uow.appointments.list(), key=lambda a: a.id),
            "offers": sorted(uow.offers.list(), key=lambda o: o.id),
            "referrals": sorted(uow.referrals.list(), key=lambda r: r.id),
            "holds": sorted(uow.holds.list(), key=lambda h: h.id),
            "exceptions": sorted(uow.clinical_exceptions.list(), key=lambda e: e.id),
            "courses": sorted(uow.courses.list(), key=lambda c: c.id),
            "ledger": sorted(uow.ipc_ledger.weeks(), key=lambda w: (w.clinician_id, w.week_start)),
            "slots": [
                (s.id, s.clinician_id, s.start, s.status)
                for c in ("ana", "ben", "cy")
                for s in uow.slots.for_clinician(c, at(FIRST_WEEK, 0), at(date(2026, 6, 15), 0))
            ],
        }
        lines["slot count"] = uow.slots.count()
    return lines


def flow(uow: UnitOfWork, policy: Policy) -> dict[str, Any]:
    region = build_region(uow, policy, weeks=2)
    return {
        "bookings": bookings(region),
        "holds and offers": holds_and_offers(region),
        "leave and courses": leave_and_courses(region),
        "state": state(uow),
    }


def test_the_service_flow_gives_the_same_results_as_in_memory(
    uow: SqlUnitOfWork, policy: Policy
) -> None:
    in_memory = flow(MemoryUnitOfWork(), policy)
    in_sql = flow(uow, policy)
    for part in in_memory:
        assert in_sql[part] == in_memory[part], part
    decisions = in_sql["bookings"]
    assert [d["action"] for d in decisions] == [
        "booked",
        "booked",
        "booked",
        "booked",
        "referred",
        "booked",
        "booked",
    ]
    assert in_sql["state"]["slot count"] > 0
