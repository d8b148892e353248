"""Claims on the work queue: a scheduler marks an open request as theirs while they work it,
so two schedulers do not call the same member. A claim is a versioned change of the request
itself, so of two schedulers claiming at once exactly one wins; a claim left for
`CLAIM_LAPSES` lapses (its holder went home). See docs/adr/0016-pages-for-each-role.md."""

from __future__ import annotations

from datetime import datetime, timedelta

from parity.domain.care import CareRequest, RequestStatus
from parity.domain.errors import Conflict, InvalidTransition
from parity.domain.ports import Clock, UnitOfWork

CLAIM_LAPSES = timedelta(minutes=30)


class ClaimedElsewhere(Conflict):
    """Another scheduler is working on this request."""

    rule = "claimed-by-someone-else"


def holder(request: CareRequest, now: datetime) -> str:
    """Who holds the request now ("" when nobody, or their claim has lapsed)."""
    if not request.claimed_by or request.claimed_at is None:
        return ""
    return request.claimed_by if now - request.claimed_at < CLAIM_LAPSES else ""


def claim_request(request_id: int, who: str, uow: UnitOfWork, clock: Clock) -> CareRequest:
    """Mark an open request as `who`'s; refused while someone else holds it."""
    now = clock.now()
    try:
        with uow:
            request = uow.requests.get(request_id)
            if request.status is not RequestStatus.OPEN:
                raise InvalidTransition(
                    f"request {request_id} is {request.status}: nothing to work"
                )
            _refuse_held(request, who, now)
            request.claimed_by, request.claimed_at = who, now
            uow.requests.save(request)
            uow.commit()
    except InvalidTransition as error:
        if "changed by another transaction" in error.message:
            raise ClaimedElsewhere(f"someone claimed request {request_id} a moment ago") from error
        raise
    return request


def release_request(request_id: int, who: str, uow: UnitOfWork, clock: Clock) -> CareRequest:
    """Give the request back to the queue (only its holder can, or anyone once it lapsed)."""
    now = clock.now()
    with uow:
        request = uow.requests.get(request_id)
        _refuse_held(request, who, now)
        request.claimed_by, request.claimed_at = "", None
        uow.requests.save(request)
        uow.commit()
    return request


def _refuse_held(request: CareRequest, who: str, now: datetime) -> None:
    held = holder(request, now)
    if held and held != who:
        assert request.claimed_at is not None
        minutes = int((now - request.claimed_at).total_seconds() // 60)
        raise ClaimedElsewhere(
            f"{held} has been working on request {request.id} for {minutes} min; "
            "choose another request, or ask them"
        )
