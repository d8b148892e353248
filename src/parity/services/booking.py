"""The booking engine: find, offer, book, cancel: one engine for the API, pages and simulator.

Policy, in order: a slot before the (effective) deadline; for follow-ups the same
clinician when they have a timely slot (continuity of care); the request's provider class,
language and modality matched; earliest otherwise. When nothing in network meets the
deadline the request becomes an out-of-network referral: never a silent late booking.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from parity.domain.availability import Serving, SlotQuery, serving
from parity.domain.care import (
    Action,
    Appointment,
    CancelledBy,
    CareRequest,
    Cause,
    Channel,
    Considered,
    Decision,
    Explanation,
    Offer,
    OfferResponse,
    RequestStatus,
)
from parity.domain.errors import (
    DeadlineUnreachable,
    InvalidTransition,
    ProtectedTimeConflict,
    SlotMismatch,
    SlotUnavailable,
)
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import ExceptionKind, Slot
from parity.domain.standards import VisitType
from parity.domain.workforce import Modality
from parity.services.follow_ups import reanchor_follow_ups
from parity.services.policy import Policy
from parity.services.requests import create_referral
from parity.services.waiting import may_wait, wait_for_slot


@dataclass(frozen=True, slots=True)
class Proposal:
    slot: Slot
    reason: str
    timely: bool


@dataclass(frozen=True, slots=True)
class BookRequest:
    """Book a request now: an offer made and accepted in one interaction. `accepted_by` is
    who recorded the acceptance (the member in the portal, or the staff member on the phone
    with them), `channel` the interaction's."""

    request_id: int
    slot_id: int | None = None
    accepted_by: str = "member"
    channel: Channel = Channel.PORTAL


# How far past the member's own later date the engine looks for a time for them.
PREFERENCE_HORIZON = timedelta(days=28)


def search_until(request: CareRequest) -> datetime:
    """The last start the engine looks at: the (effective) deadline, or, when the member
    asked for a later date themselves, a window from that date."""
    if request.member_preferred_from is not None:
        return max(request.effective_deadline, request.member_preferred_from + PREFERENCE_HORIZON)
    return request.effective_deadline


def _query(
    request: CareRequest, policy: Policy, now: datetime, clinician_id: str | None
) -> SlotQuery:
    return SlotQuery(
        kinds=policy.kinds_for(request.visit),
        provider_class=request.provider_class,
        language=request.language,
        modalities=request.modalities,
        clinic_id=request.clinic_id,
        not_before=max(now + policy.min_notice, request.not_before),
        not_after=search_until(request),
        clinician_id=clinician_id,
    )


def _continuity_wanted(request: CareRequest, uow: UnitOfWork) -> bool:
    """A follow-up goes back to its clinician when that clinician can still see the member."""
    if request.visit is not VisitType.FOLLOW_UP or request.preferred_clinician_id is None:
        return False
    clinician = uow.clinicians.get(request.preferred_clinician_id)
    return (
        clinician.provider_class is request.provider_class
        and request.language in clinician.languages
    )


def best_timely_slot(
    request: CareRequest, uow: UnitOfWork, policy: Policy, now: datetime
) -> tuple[Slot | None, dict[str, int | None]]:
    """The slot the engine would book, and the alternatives it considered on the way."""
    considered: dict[str, int | None] = {}
    if _continuity_wanted(request, uow):
        slot = uow.slots.earliest(_query(request, policy, now, request.preferred_clinician_id))
        considered["same_clinician"] = slot.id if slot else None
        if slot is not None:
            return slot, considered
    slot = uow.slots.earliest(_query(request, policy, now, None))
    considered["pool"] = slot.id if slot else None
    return slot, considered


def find_proposals(
    request_id: int, uow: UnitOfWork, clock: Clock, policy: Policy, limit: int | None = None
) -> list[Proposal]:
    """Ranked timely proposals for a request: continuity first, then earliest (for `$find`)."""
    limit = limit or policy.offer_limit
    now = clock.now()
    with uow:
        request = uow.requests.get(request_id)
        proposals: list[Proposal] = []
        if _continuity_wanted(request, uow):
            query = _query(request, policy, now, request.preferred_clinician_id)
            proposals += [
                Proposal(slot=s, reason="same clinician (continuity of care)", timely=True)
                for s in uow.slots.candidates(query, 1)
            ]
        seen = {p.slot.id for p in proposals}
        for slot in uow.slots.candidates(_query(request, policy, now, None), limit * 2):
            if slot.id not in seen and len(proposals) < limit:
                proposals.append(
                    Proposal(
                        slot=slot, reason="earliest matching slot before the deadline", timely=True
                    )
                )
                seen.add(slot.id)
    return proposals


def book_request(cmd: BookRequest, uow: UnitOfWork, clock: Clock, policy: Policy) -> Decision:
    """Book a request into the best timely slot (or the one asked for), or refer it out."""
    with uow:
        decision = book_in(cmd, uow, clock, policy)
        uow.commit()
    return decision


def book_in(cmd: BookRequest, uow: UnitOfWork, clock: Clock, policy: Policy) -> Decision:
    """`book_request` inside the caller's transaction."""
    request = uow.requests.get(cmd.request_id)
    if request.status is not RequestStatus.OPEN:
        raise InvalidTransition(f"request {request.id} is {request.status}, not open")
    now = clock.now()
    if cmd.slot_id is not None:
        slot = uow.slots.get(cmd.slot_id)
        check_slot_fits(request, slot, uow, policy, now)
        considered: Considered = {"requested_slot": slot.id}
    else:
        found, considered = best_timely_slot(request, uow, policy, now)
        if found is None and request.member_preferred_from is not None:
            raise DeadlineUnreachable(
                f"no time from the member's preferred date "
                f"{request.member_preferred_from.isoformat()} yet; the request stays open"
            )
        if found is None:
            if may_wait(request, policy, now):
                return wait_for_slot(request, considered, uow, now, policy)
            return _refer(request, considered, uow, clock, policy)
        slot = found
    return book_slot(
        request, slot, Acceptance(cmd.accepted_by, considered, cmd.channel), uow, now, policy
    )


def check_slot_fits(
    request: CareRequest,
    slot: Slot,
    uow: UnitOfWork,
    policy: Policy,
    now: datetime,
    *,
    allow_late: bool = False,
) -> None:
    """Refuse a chosen slot that does not match the request or would make it late silently."""
    if slot.start < now + policy.min_notice:
        raise SlotUnavailable(f"slot {slot.id} starts too soon or is in the past", slot=slot.id)
    if slot.start < request.clock_start:
        raise SlotMismatch(
            f"slot {slot.id} starts before the request's clock start: a follow-up is never "
            "booked before the visit it follows"
        )
    clinician = uow.clinicians.get(slot.clinician_id)
    if slot.kind not in policy.kinds_for(request.visit):
        raise SlotMismatch(
            f"slot {slot.id} is a {slot.kind} slot; a {request.visit} visit cannot use it"
        )
    _serving(request, slot, uow)
    if not any(
        clinician.can_see(request.provider_class, request.language, m) for m in request.modalities
    ):
        raise SlotMismatch(
            f"clinician {clinician.id} does not match the request's provider class, language or modality"
        )
    late = slot.start > request.effective_deadline
    chosen = request.member_preferred_from is not None
    if late and not allow_late and not chosen and not _declined_timely_offer(request, uow):
        raise DeadlineUnreachable(
            f"slot {slot.id} starts after the {request.standard} deadline "
            f"{request.effective_deadline.isoformat()}; offer a timely slot or refer out of network",
            deadline=request.effective_deadline.isoformat(),
        )


def _declined_timely_offer(request: CareRequest, uow: UnitOfWork) -> bool:
    return any(
        o.timely and o.response is OfferResponse.DECLINED
        for o in uow.offers.where(request_id=request.id)
    )


def _serving(request: CareRequest, slot: Slot, uow: UnitOfWork) -> Serving:
    """How the slot serves the request, by the index's own modality and area rule
    (`domain.availability.serving`, docs/adr/0002-availability-index.md), or SlotMismatch."""
    found = serving(request, slot, uow.clinicians.get(slot.clinician_id))
    if found is None:
        raise SlotMismatch(
            f"slot {slot.id} cannot serve any of the request's modalities "
            f"({', '.join(request.modalities)}) from clinic {slot.clinic_id}"
        )
    return found


@dataclass(frozen=True, slots=True)
class Acceptance:
    """Who accepted a slot for a request (the member, or staff recording it), through which
    channel, and what the engine considered on the way."""

    by: str
    considered: Considered
    channel: Channel = Channel.PORTAL


def book_slot(
    request: CareRequest,
    slot: Slot,
    acceptance: Acceptance,
    uow: UnitOfWork,
    now: datetime,
    policy: Policy,
) -> Decision:
    """Book a free `slot` for `request`, chosen while the member was there: the offer and
    its acceptance are one interaction, recorded under whoever recorded it."""
    _refuse_protected_time(slot, uow)
    uow.slots.take(slot.id)
    _record_accepted_offer(request, slot, acceptance, uow, now)
    return _record_booking(request, slot, acceptance, uow, now, policy)


def book_held_slot(
    request: CareRequest,
    slot: Slot,
    acceptance: Acceptance,
    uow: UnitOfWork,
    now: datetime,
    policy: Policy,
) -> Decision:
    """Book the slot a hold set aside for `request`; the acceptance is recorded now."""
    _refuse_protected_time(slot, uow)
    uow.slots.confirm(slot.id)
    _record_accepted_offer(request, slot, acceptance, uow, now)
    return _record_booking(request, slot, acceptance, uow, now, policy)


def book_offered_slot(
    request: CareRequest,
    slot: Slot,
    acceptance: Acceptance,
    uow: UnitOfWork,
    now: datetime,
    policy: Policy,
) -> Decision:
    """Book the held slot of an offer the member has accepted (its answer already recorded)."""
    _refuse_protected_time(slot, uow)
    uow.slots.confirm(slot.id)
    return _record_booking(request, slot, acceptance, uow, now, policy)


def _refuse_protected_time(slot: Slot, uow: UnitOfWork) -> None:
    if uow.protected.overlapping(slot.clinician_id, slot.start, slot.end):
        raise ProtectedTimeConflict(
            f"slot {slot.id} lies in clinician {slot.clinician_id}'s protected IPC time",
            slot=slot.id,
        )


def _record_accepted_offer(
    request: CareRequest, slot: Slot, acceptance: Acceptance, uow: UnitOfWork, now: datetime
) -> None:
    """The offer and its acceptance: one interaction, so one record written once."""
    offer = Offer(
        request_id=request.id,
        slot_id=slot.id,
        clinician_id=slot.clinician_id,
        slot_start=slot.start,
        offered_at=now,
        timely=slot.start <= request.effective_deadline,
        channel=acceptance.channel,
        offered_by=acceptance.by,
    )
    offer.respond(OfferResponse.ACCEPTED, acceptance.by, now, acceptance.channel)
    uow.offers.add(offer)


def _record_booking(
    request: CareRequest,
    slot: Slot,
    acceptance: Acceptance,
    uow: UnitOfWork,
    now: datetime,
    policy: Policy,
) -> Decision:
    """The appointment, the request booked, its follow-ups re-anchored, and the decision."""
    appointment = Appointment(
        request_id=request.id,
        member_id=request.member_id,
        clinician_id=slot.clinician_id,
        clinic_id=slot.clinic_id,
        slot_id=slot.id,
        start=slot.start,
        end=slot.end,
        visit=request.visit,
        modality=_serving(request, slot, uow).modality,
        booked_at=now,
    )
    uow.appointments.add(appointment)
    request.status = RequestStatus.BOOKED
    uow.requests.save(request)
    reanchor_follow_ups(request, appointment, uow, policy)
    standard = policy.rules.standard(request.standard)
    return Decision(
        request_id=request.id,
        action=Action.BOOKED,
        standard=standard.name,
        citation=standard.citation,
        deadline=request.effective_deadline,
        explanation=Explanation(
            rule=standard.name,
            limit=standard.limit_text,
            considered=acceptance.considered,
            clock_start=request.clock_start,
        ),
        timely=slot.start <= request.effective_deadline,
        slot_id=slot.id,
        appointment_id=appointment.id,
        starts_at=slot.start,
    )


FALLBACK_LANGUAGE = "english"


def refusal_cause(request: CareRequest, uow: UnitOfWork, policy: Policy, now: datetime) -> Cause:
    """Name the binding constraint: would a timely slot exist in another language, in any
    modality, or with the member's clinician back from leave? Did the member's clinician,
    or the clinician whose visit the clinic cancelled, leave the plan? Otherwise: no capacity."""
    query = _query(request, policy, now, None)
    if request.language != FALLBACK_LANGUAGE and uow.slots.earliest(
        replace(query, language=FALLBACK_LANGUAGE)
    ):
        return Cause.LANGUAGE
    if set(request.modalities) != set(Modality) and uow.slots.earliest(
        replace(query, modalities=tuple(Modality))
    ):
        return Cause.MODALITY
    return _clinician_cause(request, uow, query) or Cause.NO_CAPACITY


def _clinician_cause(request: CareRequest, uow: UnitOfWork, query: SlotQuery) -> Cause | None:
    preferred = request.preferred_clinician_id
    if preferred and uow.clinicians.get(preferred).has_left_by(query.not_after):
        return Cause.CLINICIAN_LEFT  # continuity of care ended with the departure
    if preferred and _on_leave(request, uow, query):
        return Cause.CLINICIAN_PTO
    cancelled = [
        a
        for a in uow.appointments.where(request_id=request.id)
        if a.cancelled_by is CancelledBy.CLINIC
    ]
    if any(uow.clinicians.get(a.clinician_id).has_left_by(a.start) for a in cancelled):
        return Cause.CLINICIAN_LEFT  # the visit's capacity left with its clinician
    return Cause.CLINIC_CANCELLATION if cancelled else None


def _on_leave(request: CareRequest, uow: UnitOfWork, query: SlotQuery) -> bool:
    leave = uow.availability_exceptions.where(clinician_id=request.preferred_clinician_id)
    return any(
        e.kind is ExceptionKind.PTO and e.start < query.not_after and query.not_before < e.end
        for e in leave
        if e.stands
    )


def _refer(
    request: CareRequest, considered: Considered, uow: UnitOfWork, clock: Clock, policy: Policy
) -> Decision:
    standard = policy.rules.standard(request.standard)
    cause = refusal_cause(request, uow, policy, clock.now())
    explanation = Explanation(
        rule=standard.name,
        limit=standard.limit_text,
        considered=considered,
        cause=cause,
        why="no in-network slot matching provider class, language and modality before the deadline",
        out_of_network_rule=policy.rules.citations.get("out_of_network", "SB 855"),
    )
    referral = create_referral(request, cause, explanation.as_dict(), uow, clock)
    return Decision(
        request_id=request.id,
        action=Action.REFERRED,
        standard=standard.name,
        citation=standard.citation,
        deadline=request.effective_deadline,
        explanation=explanation,
        referral_id=referral.id,
    )


def timely_candidates(
    request: CareRequest, uow: UnitOfWork, policy: Policy, now: datetime, limit: int
) -> list[Slot]:
    """Free slots that would meet the request's deadline, earliest first."""
    return uow.slots.candidates(_query(request, policy, now, None), limit)
