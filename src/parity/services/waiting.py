"""With the waitlist on, a request with no timely slot waits for a freed one before it is
referred out of network (the booking engine calls this instead of referring at once)."""

from __future__ import annotations

from datetime import datetime

from parity.domain.care import Action, CareRequest, Considered, Decision, Explanation
from parity.domain.ports import UnitOfWork
from parity.domain.waitlist import WaitReason, entry_for
from parity.services.policy import Policy
from parity.services.refusals import decision_under
from parity.services.slot_search import booking_deadline


def may_wait(request: CareRequest, policy: Policy, now: datetime) -> bool:
    """Wait for a freed slot only while there is time left to refer out afterwards."""
    rules = policy.waitlist
    return (
        rules.enabled
        and rules.wait_before_referral
        and booking_deadline(request, policy) - rules.refer_before > now
    )


def wait_for_slot(
    request: CareRequest,
    considered: Considered,
    uow: UnitOfWork,
    now: datetime,
    policy: Policy,
) -> Decision:
    """Put the request on the waitlist (unless it already waits, e.g. at the head of the
    line after a clinic cancellation); `parity waitlist sweep` refers it out of network if
    no freed slot reaches it `refer_before` its deadline."""
    if not any(e.is_open for e in uow.waitlist.where(request_id=request.id)):
        uow.waitlist.add(entry_for(request, WaitReason.NO_TIMELY_SLOT, now))
    standard = policy.rules.standard(request.standard)
    why = Explanation(
        rule=standard.name,
        considered=considered,
        why="no timely in-network slot yet: waiting for a freed slot before referral",
        refer_by=booking_deadline(request, policy) - policy.waitlist.refer_before,
    )
    return decision_under(standard, request, Action.WAITLISTED, why)
