"""What the booking engine proposes for a request, and up to when: the timely times
(continuity first, then earliest), the later ones a member's own later date or a declined
timely offer opens, and the last start the engine books a request at. `$find`, the request
page, the engine's own choice (`booking.book_in`) and the batch optimizer read them here, so
what is proposed is what is booked (docs/adr/0012 and 0013)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from parity.domain.availability import SlotQuery
from parity.domain.care import CareRequest, Offer, OfferResponse
from parity.domain.compliance import answered_in_time
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import Slot
from parity.domain.standards import VisitType
from parity.services.policy import Policy
from parity.services.slot_search import (
    after_declining_until,
    booking_deadline,
    search_until,
    slot_query,
)
from parity.services.time_window import Window


@dataclass(frozen=True, slots=True)
class Proposal:
    """A time proposed for a request, why, and whether it meets the booking deadline."""

    slot: Slot
    reason: str
    timely: bool


def continuity_wanted(request: CareRequest, uow: UnitOfWork) -> bool:
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
    if continuity_wanted(request, uow):
        slot = uow.slots.earliest(slot_query(request, policy, now, request.preferred_clinician_id))
        considered["same_clinician"] = slot.id if slot else None
        if slot is not None:
            return slot, considered
    slot = uow.slots.earliest(slot_query(request, policy, now, None))
    considered["pool"] = slot.id if slot else None
    return slot, considered


def find_proposals(
    request_id: int,
    uow: UnitOfWork,
    clock: Clock,
    policy: Policy,
    limit: int | None = None,
    *,
    opened_now: bool = False,
    within: Window | None = None,
) -> list[Proposal]:
    """Ranked timely proposals for a request: continuity first, then earliest (for `$find`);
    once the member declined a timely offer, later times after them, marked not timely.
    `opened_now`: the request was opened in this transaction, so nothing was offered yet.
    `within`: the window the caller asked for, searched in (not cut from what was found,
    which could leave it empty while times in it are free)."""
    limit = limit or policy.offer_limit
    now = clock.now()
    with uow:
        request = uow.requests.get(request_id)
        due = booking_deadline(request, policy)
        proposals: list[Proposal] = []
        if continuity_wanted(request, uow):
            query = slot_query(request, policy, now, request.preferred_clinician_id)
            proposals += [
                Proposal(s, _reason(CONTINUITY, s, due), s.start <= due)
                for s in uow.slots.candidates(_narrowed(query, within), 1)
            ]
        seen = {p.slot.id for p in proposals}
        earliest = _narrowed(slot_query(request, policy, now, None), within)
        # The page's worth and the one the continuity search may already have: every row
        # read is mapped, and twice the page cost `$find` 6 % of its CPU (ADR 0017).
        for slot in uow.slots.candidates(earliest, limit + len(seen)):
            if slot.id not in seen and len(proposals) < limit:
                proposals.append(Proposal(slot, _reason(EARLIEST, slot, due), slot.start <= due))
                seen.add(slot.id)
        # Only a short timely list of a request opened before reads the offers: with enough
        # timely times nothing later would be shown, and a request opened in this call has
        # no offer, so `$find` opening one costs what it did (docs/adr/0013, late evening).
        short = len(proposals) < limit and not opened_now
        if short and declined_timely_offer(request, uow):
            wanted = limit - len(proposals)
            proposals += later_proposals(request, uow, policy, now, wanted, seen, within)
    return proposals


CONTINUITY = "same clinician (continuity of care)"
EARLIEST = "earliest matching slot before the deadline"
FROM_PREFERENCE = "from the member's own later date, after the deadline"


def _reason(why: str, slot: Slot, due: datetime) -> str:
    """Why a time is proposed. The search reaches past the deadline only from a member's own
    later date (`slot_search.search_until`): such a time is said to be after the deadline,
    and not timely, as the booking's decision will say of it."""
    if slot.start <= due:
        return why
    return f"{CONTINUITY}, {FROM_PREFERENCE}" if why is CONTINUITY else FROM_PREFERENCE


def _narrowed(query: SlotQuery, within: Window | None) -> SlotQuery:
    """The search kept to the window asked for: it starts no earlier than the window and
    ends before the window's end (a query's `not_after` is the last start it takes)."""
    if within is None:
        return query
    start, end = within.bounds
    return replace(
        query,
        not_before=max(query.not_before, start),
        not_after=min(query.not_after, end - LAST_INSTANT_BEFORE),
    )


LAST_INSTANT_BEFORE = timedelta(microseconds=1)  # [start, end): the end itself is not in it


AFTER_DECLINING = "after the deadline: the member declined a timely offer"


def later_proposals(
    request: CareRequest,
    uow: UnitOfWork,
    policy: Policy,
    now: datetime,
    wanted: int,
    seen: set[int],
    within: Window | None = None,
) -> list[Proposal]:
    """Times after the deadline, once the member declined a timely offer: the plan met the
    standard by offering (ADR 0013), and the member may still be booked later; each is
    marked not timely (docs/adr/0013, "2026-12-07 (late evening)")."""
    base = slot_query(request, policy, now, None)
    query = _narrowed(
        replace(
            base,
            not_before=max(base.not_before, booking_deadline(request, policy)),
            not_after=after_declining_until(request, policy),
        ),
        within,
    )
    later = [s for s in uow.slots.candidates(query, wanted + len(seen)) if s.id not in seen]
    return [Proposal(slot=s, reason=AFTER_DECLINING, timely=False) for s in later[:wanted]]


def later_slot(request: CareRequest, uow: UnitOfWork, policy: Policy, now: datetime) -> Slot | None:
    """The first of the later times `$find` proposes once the member declined a timely
    offer: booked in network rather than referred out, since the plan met the standard by
    offering (docs/adr/0013, "2026-12-07 (night)")."""
    later = later_proposals(request, uow, policy, now, 1, set())
    return later[0].slot if later else None


def declined_timely_offer(request: CareRequest, uow: UnitOfWork) -> bool:
    return any(refused_in_time(o) for o in uow.offers.where(request_id=request.id))


def refused_in_time(offer: Offer) -> bool:
    """A timely offer the member turned down while its time could still be taken: the only
    refusal the figures count as the member's choice (`compliance.answered_in_time`), so the
    only one after which the engine books past the deadline. A refusal first recorded after
    the time began shows no choice; the request is still owed a timely time."""
    return offer.timely and offer.response is OfferResponse.DECLINED and answered_in_time(offer)


def last_start(request: CareRequest, policy: Policy, declined: bool) -> datetime:
    """The last start the engine books the request at, as `$find` proposes and `$hold`
    takes: the (effective) deadline, or from a member's own later date the rule file's
    window after it (`search_until`), or after a declined timely offer the window after the
    deadline (`after_declining_until`; docs/adr/0013, "2026-12-07 (night)")."""
    until = search_until(request, policy)
    if declined:  # `declined_timely_offer(request, uow)`, or read for many at once
        return max(until, after_declining_until(request, policy))
    return until


def timely_candidates(
    request: CareRequest, uow: UnitOfWork, policy: Policy, now: datetime, limit: int
) -> list[Slot]:
    """Free slots that would meet the request's deadline, earliest first."""
    return uow.slots.candidates(slot_query(request, policy, now, None), limit)
