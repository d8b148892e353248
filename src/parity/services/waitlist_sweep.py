"""The waitlist's periodic sweep: expire unanswered offers (their slots go to the next
request), and refer out of network any request still waiting when its deadline is near.

The law never lets a request wait silently past its deadline: when the network cannot
offer timely care the plan must arrange it out of network (SB 855, H&S §1374.72). A
request waits for a freed slot only until `policy.waitlist.refer_before` its deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parity.domain.care import RequestStatus
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.waitlist import WaitlistEntry, WaitReason, WaitStatus
from parity.services.offers import expire_and_reoffer
from parity.services.policy import Policy
from parity.services.refusals import refusal_cause
from parity.services.requests import create_referral


@dataclass(frozen=True, slots=True)
class SweepResult:
    expired: int
    offered_again: int
    referred: int


def sweep_waitlist(uow: UnitOfWork, clock: Clock, policy: Policy) -> SweepResult:
    """Expire old offers and pass their slots on; refer requests out of time to wait."""
    expired, again = expire_and_reoffer(uow, clock, policy)
    return SweepResult(expired, again, refer_overdue(uow, clock, policy))


def refer_overdue(uow: UnitOfWork, clock: Clock, policy: Policy) -> int:
    now = clock.now()
    referred = 0
    with uow:
        for entry in uow.waitlist.where(status=WaitStatus.WAITING):
            if _out_of_time(entry, now, policy):
                referred += _refer(entry, uow, clock, policy, now)
        uow.commit()
    return referred


def _out_of_time(entry: WaitlistEntry, now: datetime, policy: Policy) -> bool:
    # A member waiting for an earlier time keeps the visit they have: nothing to refer.
    if entry.reason is WaitReason.WANTS_EARLIER:
        return entry.earlier_than is not None and entry.earlier_than <= now
    return entry.deadline - policy.waitlist.refer_before <= now


def _refer(
    entry: WaitlistEntry, uow: UnitOfWork, clock: Clock, policy: Policy, now: datetime
) -> int:
    entry.close(WaitStatus.DONE, now)
    uow.waitlist.save(entry)
    request = uow.requests.get(entry.request_id)
    if entry.reason is WaitReason.WANTS_EARLIER or request.status is not RequestStatus.OPEN:
        return 0
    cause = refusal_cause(request, uow, policy, now)
    explanation: dict[str, object] = {
        "why": "no freed slot reached the request on the waitlist before the referral cut-off",
        "waited_since": entry.joined_at.isoformat(),
        "out_of_network_rule": policy.rules.citations.get("out_of_network", "SB 855"),
    }
    create_referral(request, cause, explanation, uow, clock)
    return 1
