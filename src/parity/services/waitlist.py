"""The waitlist: join, leave, see it ranked, and offer a freed slot to the request that
needs it most.

A freed slot goes to the best-ranked waiting request it suits (domain/waitlist.py), as an
offer that holds the slot for `policy.waitlist.offer_hold`. Concurrency: the slot is taken
HELD by the repository's conditional update, so one slot is never held by two offers, and
the entry moves waiting -> offered with a versioned save, so two freed slots offered at
once cannot both go to one member; the loser retries with the next candidate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from parity.domain.care import AppointmentStatus, CareRequest, Channel, Offer, RequestStatus
from parity.domain.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    ParityError,
    SlotUnavailable,
)
from parity.domain.messages import MessageKind
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import Slot, SlotStatus
from parity.domain.waitlist import (
    Preferences,
    WaitlistEntry,
    WaitReason,
    WaitStatus,
    entry_for,
    matches,
    ranked,
)
from parity.services.booking import check_slot_fits
from parity.services.outbox import local_when, queue_about_slot
from parity.services.policy import Policy
from parity.services.proposals import timely_candidates
from parity.services.slot_search import booking_deadline

# Two freed slots offered at once may both pick the same member; the loser tries again.
OFFER_ATTEMPTS = 12
# Who offers a freed slot: the waitlist process, not a person.
WAITLIST = "waitlist"


@dataclass(frozen=True, slots=True)
class JoinWaitlist:
    request_id: int
    preferences: Preferences = field(default_factory=Preferences)


def join_waitlist(cmd: JoinWaitlist, uow: UnitOfWork, clock: Clock) -> WaitlistEntry:
    """Put a request on the waitlist: an open request waits for a timely slot; a booked
    one waits for a time earlier than its visit (the member asked for one)."""
    with uow:
        request = uow.requests.get(cmd.request_id)
        _refuse_unknown_places(cmd.preferences, uow)
        if request.status is RequestStatus.OPEN:
            entry = join_in(request, WaitReason.NO_TIMELY_SLOT, uow, clock.now(), cmd.preferences)
        elif request.status is RequestStatus.BOOKED:
            booked = _booked_start(request, uow)
            entry = join_in(
                request, WaitReason.WANTS_EARLIER, uow, clock.now(), cmd.preferences, booked
            )
        else:
            raise InvalidTransition(
                f"request {request.id} is {request.status}; only open or booked requests wait"
            )
        uow.commit()
    return entry


def _refuse_unknown_places(wanted: Preferences | None, uow: UnitOfWork) -> None:
    """A preference naming a clinician or clinic that does not exist would wait for a slot
    that can never come, until the sweep refers the request: refuse it when it is given."""
    if wanted is None:
        return
    for kind, named, repository in (
        ("clinician", wanted.clinician_id, uow.clinicians),
        ("clinic", wanted.clinic_id, uow.clinics),
    ):
        if named is None:
            continue
        try:
            repository.get(named)
        except NotFound:
            raise InvalidInput(f"there is no {kind} {named[:64]!r} to wait for") from None


def _booked_start(request: CareRequest, uow: UnitOfWork) -> datetime:
    for visit in uow.appointments.where(request_id=request.id):
        if visit.status is AppointmentStatus.BOOKED:
            return visit.start
    raise InvalidTransition(f"request {request.id} has no booked visit to move earlier")


def join_in(
    request: CareRequest,
    reason: WaitReason,
    uow: UnitOfWork,
    now: datetime,
    preferences: Preferences | None = None,
    earlier_than: datetime | None = None,
) -> WaitlistEntry:
    """Add the entry inside the caller's transaction (one open entry per request)."""
    if open_entry(uow, request.id) is not None:
        raise InvalidTransition(f"request {request.id} is already on the waitlist")
    if request.effective_deadline <= now and reason is WaitReason.NO_TIMELY_SLOT:
        raise InvalidInput(f"request {request.id}'s deadline has passed; refer it out instead")
    entry = entry_for(request, reason, now, preferences, earlier_than)
    return uow.waitlist.add(entry)


def open_entry(uow: UnitOfWork, request_id: int) -> WaitlistEntry | None:
    found = [e for e in uow.waitlist.where(request_id=request_id) if e.is_open]
    return found[0] if found else None


def close_entries(uow: UnitOfWork, request_id: int, now: datetime) -> None:
    """The request was booked or referred some other way: it no longer waits."""
    for entry in uow.waitlist.where(request_id=request_id):
        if entry.status is WaitStatus.WAITING:
            entry.close(WaitStatus.DONE, now)
            uow.waitlist.save(entry)


def leave_waitlist(request_id: int, uow: UnitOfWork, clock: Clock) -> WaitlistEntry:
    """Take a request off the waitlist (kept as a `removed` entry)."""
    with uow:
        entry = open_entry(uow, request_id)
        if entry is None:
            raise NotFound(f"request {request_id} is not on the waitlist", resource="Waitlist")
        if entry.status is WaitStatus.OFFERED:
            raise InvalidTransition(
                f"request {request_id} has an offer pending: accept or decline it first"
            )
        entry.close(WaitStatus.REMOVED, clock.now())
        uow.waitlist.save(entry)
        uow.commit()
    return entry


def waiting(uow: UnitOfWork, now: datetime) -> list[WaitlistEntry]:
    """Open entries (waiting or holding an offer), best first."""
    found = [e for e in uow.waitlist.list() if e.is_open]
    return ranked(found, now)


def ranked_waitlist(uow: UnitOfWork, clock: Clock) -> list[WaitlistEntry]:
    with uow:
        return waiting(uow, clock.now())


def offer_freed_slot(
    slot_id: int, uow: UnitOfWork, clock: Clock, policy: Policy, exclude_request: int = 0
) -> Offer | None:
    """Offer a freed slot to the best-matching waiting request; None when nobody waiting
    suits it or the slot is no longer free."""
    for _ in range(OFFER_ATTEMPTS):
        try:
            with uow:
                offer = _offer_in(slot_id, uow, clock.now(), policy, exclude_request)
                uow.commit()
            return offer
        except InvalidTransition:
            continue  # another offer claimed our candidate first: rank again
        except SlotUnavailable:
            return None  # the slot was taken meanwhile: nothing to offer
    return None


def waiting_besides(uow: UnitOfWork, request_id: int) -> list[WaitlistEntry]:
    """The waitlist's waiting entries other than `request_id`'s."""
    return [e for e in uow.waitlist.where(status=WaitStatus.WAITING) if e.request_id != request_id]


def _offer_in(
    slot_id: int, uow: UnitOfWork, now: datetime, policy: Policy, exclude_request: int
) -> Offer | None:
    # Who waits first: when nobody does (the common case) the slot is not read at all.
    entries = waiting_besides(uow, exclude_request)
    if not entries:
        return None
    slot = uow.slots.get(slot_id)
    if slot.status is not SlotStatus.FREE:
        return None
    for entry in ranked(entries, now):
        request = _still_waiting(entry, uow, now)
        if request is not None and _suits(entry, request, slot, uow, policy, now):
            return offer_to(entry, request, slot, uow, now, policy)
    return None


def _still_waiting(entry: WaitlistEntry, uow: UnitOfWork, now: datetime) -> CareRequest | None:
    """The entry's request, or None (closing the entry) when it was settled elsewhere."""
    request = uow.requests.get(entry.request_id)
    expected = RequestStatus.BOOKED if entry.earlier_than else RequestStatus.OPEN
    if request.status is expected:
        return request
    entry.close(WaitStatus.DONE, now)
    uow.waitlist.save(entry)
    return None


def _suits(
    entry: WaitlistEntry,
    request: CareRequest,
    slot: Slot,
    uow: UnitOfWork,
    policy: Policy,
    now: datetime,
) -> bool:
    modalities = uow.clinicians.get(slot.clinician_id).modalities
    if not matches(entry, slot, modalities, policy.rules.timezone):
        return False
    try:
        check_slot_fits(request, slot, uow, policy, now, allow_late=entry.head_of_line)
    except ParityError:
        return False
    return True


def offer_to(
    entry: WaitlistEntry,
    request: CareRequest,
    slot: Slot,
    uow: UnitOfWork,
    now: datetime,
    policy: Policy,
) -> Offer:
    """Claim the entry, hold the slot, record the offer and queue the member's message."""
    entry.offered(now)
    uow.waitlist.save(entry)  # refused if another transaction claimed this member first
    return hold_and_offer(request, slot, WAITLIST, uow, now, policy)


def hold_and_offer(
    request: CareRequest,
    slot: Slot,
    offered_by: str,
    uow: UnitOfWork,
    now: datetime,
    policy: Policy,
) -> Offer:
    """Hold the slot for the member, record the offer as made by `offered_by` (the process
    or person who made it), and queue the member's message, whose channel is the offer's.
    The offer waits for the member's answer; nobody answers for them."""
    uow.slots.take(slot.id, SlotStatus.HELD)  # refused if another offer holds the slot
    timely = slot.start <= booking_deadline(request, policy)
    offer = uow.offers.add(
        Offer(
            request.id, slot.id, slot.clinician_id, slot.start, now, timely, offered_by=offered_by
        )
    )
    tz = policy.rules.timezone
    hold_until = {"hold_until": local_when(now + policy.waitlist.offer_hold, tz)}
    key = f"offer:{offer.id}"
    extra = {"offer_id": str(offer.id), **hold_until}
    sent = queue_about_slot(uow, key, request.member_id, MessageKind.OFFER, slot, tz, now, extra)
    # The offer went out as the member's message: its channel is the message's.
    offer.channel = Channel(sent.channel.value) if sent is not None else Channel.PORTAL
    uow.offers.save(offer)
    return offer


def offer_best_slot(request_id: int, uow: UnitOfWork, clock: Clock, policy: Policy) -> Offer | None:
    """Offer a waiting request (e.g. clinic-cancelled, at the head of the line) the
    earliest timely slot free now that suits it."""
    now = clock.now()
    try:
        with uow:
            entry = open_entry(uow, request_id)
            if entry is None or entry.status is not WaitStatus.WAITING:
                return None
            request = uow.requests.get(request_id)
            for slot in timely_candidates(request, uow, policy, now, policy.offer_limit):
                if _suits(entry, request, slot, uow, policy, now):
                    offer = offer_to(entry, request, slot, uow, now, policy)
                    uow.commit()
                    return offer
        return None
    except (InvalidTransition, SlotUnavailable):
        return None  # someone else moved first; the freed-slot offers will reach it


def offer_new_hours(
    clinician_id: str, start: datetime, end: datetime, uow: UnitOfWork, clock: Clock, policy: Policy
) -> list[Offer]:
    """Extra hours (or a withdrawn leave) opened slots: offer each to the waitlist."""
    with uow:
        free = [s.id for s in uow.slots.for_clinician(clinician_id, start, end)]
    made = [offer_freed_slot(slot_id, uow, clock, policy) for slot_id in free]
    return [offer for offer in made if offer is not None]


def requeue_clinic_cancelled(
    request: CareRequest, uow: UnitOfWork, now: datetime, policy: Policy, slot_id: int = 0
) -> None:
    """A clinic cancellation puts the request at the head of the waitlist, original
    deadline kept (inside the caller's transaction; only with the waitlist on). The slot
    the clinic cancelled is never offered back to it."""
    if policy.waitlist.enabled and open_entry(uow, request.id) is None:
        entry = join_in(request, WaitReason.CLINIC_CANCELLED, uow, now)
        if slot_id:
            entry.passed_slot_ids = (slot_id,)
            uow.waitlist.save(entry)
