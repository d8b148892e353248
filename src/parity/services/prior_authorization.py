"""Prior authorisation as the plan's recorded determination (docs/adr/0013, 2026-12-07
evening): urgent care needing it is due in 96 hours instead of 48 (H&S §1367.03(a)(5)(A)-(B)),
but only on the record of who determined it (a staff or clinical user, never the member for
themselves), in which role and when, made while the 48 hours still ran."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parity.domain.care import CareRequest, RequestStatus
from parity.domain.errors import InvalidInput, InvalidTransition
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.standards import VisitType
from parity.domain.users import Forbidden, Principal, Role
from parity.services.policy import Policy


@dataclass(frozen=True, slots=True)
class RecordPriorAuthorization:
    """The plan's prior-authorisation determination for an urgent request, recorded under
    the signed-in principal (`by`) at the server's time."""

    request_id: int
    by: Principal


def record_prior_authorization(
    cmd: RecordPriorAuthorization, uow: UnitOfWork, clock: Clock, policy: Policy
) -> CareRequest:
    """Record that an urgent request needs prior authorisation (H&S §1367.03(a)(5)(A)-(B):
    96 hours instead of 48). Applied only while the 48 hours still run; recorded after they
    ran out it is kept, and the deadline stays (docs/adr/0013, 2026-12-07 evening)."""
    with uow:
        request = uow.requests.get(cmd.request_id)
        if request.status is not RequestStatus.OPEN:
            raise InvalidTransition(f"request {request.id} is {request.status}, not open")
        if request.prior_authorization_at is not None:
            raise InvalidTransition(f"request {request.id} already has a prior authorisation")
        authorize(request, cmd.by, clock.now(), policy)
        uow.requests.save(request)
        uow.commit()
    return request


def authorize(request: CareRequest, by: Principal, now: datetime, policy: Policy) -> None:
    """Keep who determined the prior authorisation, in which role and when; move the
    deadline to the prior-authorisation standard's only if made by the urgent deadline."""
    if by.role is Role.MEMBER:
        raise Forbidden("a member may not determine prior authorisation for their own care")
    if request.visit is not VisitType.URGENT:
        raise InvalidInput("prior authorisation changes only an urgent request's standard")
    request.prior_authorization_by = by.subject
    request.prior_authorization_role = by.role.value
    request.prior_authorization_at = now
    if now > request.deadline:
        return  # the 48 hours had run out: kept as recorded, applied to nothing
    standard, request.deadline = policy.rules.governing(
        request.visit, request.provider_class, request.clock_start, prior_authorization=True
    )
    request.standard = standard.name
    request.prior_authorization = True
