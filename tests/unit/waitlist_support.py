"""A full region for the waitlist tests: ana's six timely intake slots booked, so the next
members who ask must wait for a freed one. The waitlist is switched on."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from unit_support import Region

from parity.domain.care import CareRequest, Decision
from parity.domain.members import Member
from parity.domain.standards import VisitType
from parity.domain.waitlist import WaitlistRules
from parity.domain.workforce import Modality, ProviderClass
from parity.services.booking import BookRequest, book_request
from parity.services.members import register_member
from parity.services.requests import RequestCare, open_request

HOLD = timedelta(hours=4)
RULES_ON = WaitlistRules(
    enabled=True, wait_before_referral=True, offer_hold=HOLD, refer_before=timedelta(hours=24)
)
TIMELY_SLOTS = 6  # ana's Wednesday intakes on June 3 and June 10 (09:00, 10:00, 11:00)


def switch_on(region: Region) -> Region:
    return Region(region.uow, region.clock, replace(region.policy, waitlist=RULES_ON))


def ask(region: Region, member: str) -> CareRequest:
    """An initial therapy visit, in person at north: only ana's intakes can serve it."""
    if not region.uow.members.where(id=member):
        register_member(
            Member(member, f"Pat {member.upper()} Example", "north", email=f"{member}@example.org"),
            region.uow,
        )
    cmd = RequestCare(
        member,
        VisitType.INITIAL,
        ProviderClass.THERAPIST,
        "english",
        (Modality.IN_PERSON,),
        "north",
    )
    return open_request(cmd, region.uow, region.clock, region.policy)


def book(region: Region, member: str) -> Decision:
    request = ask(region, member)
    return book_request(BookRequest(request.id), region.uow, region.clock, region.policy)


def full_region(region: Region) -> tuple[Region, list[Decision]]:
    """The waitlist switched on and every timely slot taken by members b1..b6."""
    on = switch_on(region)
    booked = [book(on, f"b{n}") for n in range(1, TIMELY_SLOTS + 1)]
    assert all(d.action == "booked" for d in booked)
    return on, booked
