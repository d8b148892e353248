"""One rule for a member's repeated ask on every list of waiting requests.

A member who asks again for the same care while the first request waits has made one
request, timed from the first ask (`compliance.repeats`; docs/adr/0013, 2026-12-07). Every
list that plans, offers or books from the waiting requests (the work queue, the
optimizer's open queue, a clinician's waiting follow-ups, a free slot's candidates) lists
the pair once: the first ask stands for it while it is open, and the repeat is not planned,
offered or booked apart (docs/adr/0013, "2026-12-07 (late evening)"). A repeat whose first
ask is no longer open stands on its own. The FHIR search lists every match.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from parity.domain.care import CareRequest, RequestStatus
from parity.domain.compliance import repeats, same_care
from parity.domain.ports import UnitOfWork
from parity.services.reporting import settled_at


def repeat_map(uow: UnitOfWork, theirs: Iterable[CareRequest]) -> dict[int, int]:
    """Every repeat among `theirs` (all of one or more members' requests) -> the request it
    repeats. Only asks for the same care as another are read further (visits, referrals)."""
    theirs = list(theirs)
    counts = Counter(same_care(r) for r in theirs)
    alike = [r for r in theirs if counts[same_care(r)] > 1]
    if not alike:
        return {}
    visits = defaultdict(list)
    referrals = {}
    for request in alike:
        visits[request.id] = list(uow.appointments.where(request_id=request.id))
        for referral in uow.referrals.where(request_id=request.id):
            referrals[request.id] = referral
    return repeats(alike, settled_at(visits, referrals))


def waiting_repeats(uow: UnitOfWork, waiting: Sequence[CareRequest]) -> set[int]:
    """The open requests that repeat an ask still open: the first ask stands for both.

    `waiting` must hold every open request of each member it names (all open requests, or
    all of these members'); only members with two open asks for the same care are read
    further, so a list without repeats costs nothing more. Runs in the caller's transaction.
    """
    counts = Counter(same_care(r) for r in waiting if r.status is RequestStatus.OPEN)
    members = {r.member_id for r in waiting if counts[same_care(r)] > 1}
    hidden: set[int] = set()
    for member_id in sorted(members):
        theirs = list(uow.requests.where(member_id=member_id))
        still_open = {r.id for r in theirs if r.status is RequestStatus.OPEN}
        hidden |= {
            later
            for later, first in repeat_map(uow, theirs).items()
            if first in still_open and later in still_open
        }
    return hidden


def first_asks(uow: UnitOfWork, waiting: Sequence[CareRequest]) -> list[CareRequest]:
    """`waiting` without the repeats its first asks stand for (`waiting_repeats`)."""
    hidden = waiting_repeats(uow, waiting)
    return [r for r in waiting if r.id not in hidden] if hidden else list(waiting)
