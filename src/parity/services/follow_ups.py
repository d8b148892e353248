"""The follow-up chain: a follow-up's clock follows the visit before it
(docs/adr/0013-evidence-a-regulator-accepts.md)."""

from __future__ import annotations

from parity.domain.care import Appointment, CareRequest, RequestStatus
from parity.domain.ports import UnitOfWork
from parity.domain.standards import VisitType
from parity.services.policy import Policy


def reanchor_follow_ups(
    request: CareRequest, visit: Appointment, uow: UnitOfWork, policy: Policy
) -> None:
    """A rescheduled visit moves the clock of the open follow-ups that follow it: their
    clock starts at the new visit (SB 221), and none may come before it."""
    earlier = {a.id for a in uow.appointments.where(request_id=request.id) if a.id != visit.id}
    if not earlier:
        return  # a first booking: nothing can follow a visit that did not exist
    # A visit's follow-ups are the same member's requests: ask the member's own (indexed).
    for follow_up in uow.requests.where(
        member_id=request.member_id, visit=VisitType.FOLLOW_UP, status=RequestStatus.OPEN
    ):
        if follow_up.prior_appointment_id not in earlier:
            continue
        standard = policy.rules.standard(follow_up.standard)
        follow_up.prior_appointment_id = visit.id
        follow_up.clock_start = visit.start
        follow_up.deadline = policy.rules.deadline(standard, visit.start)
        follow_up.start_no_earlier_than(visit.end)
        uow.requests.save(follow_up)
