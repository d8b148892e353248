"""When nothing in network meets the deadline: name the binding constraint (the refusal's
cause) and refer the request out of network, never a silent late booking."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from parity.domain.availability import SlotQuery
from parity.domain.care import (
    Action,
    CancelledBy,
    CareRequest,
    Cause,
    Considered,
    Decision,
    Explanation,
)
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import ExceptionKind
from parity.domain.standards import AccessStandard
from parity.domain.workforce import Modality
from parity.services.policy import Policy
from parity.services.requests import create_referral
from parity.services.slot_search import slot_query

FALLBACK_LANGUAGE = "english"


def refusal_cause(request: CareRequest, uow: UnitOfWork, policy: Policy, now: datetime) -> Cause:
    """Name the binding constraint: would a timely slot exist in another language, in any
    modality, or with the member's clinician back from leave? Did the member's clinician,
    or the clinician whose visit the clinic cancelled, leave the plan? Otherwise: no capacity."""
    query = slot_query(request, policy, now, None)
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


def refer(
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
    return decision_under(standard, request, Action.REFERRED, explanation, referral.id)


def decision_under(
    standard: AccessStandard,
    request: CareRequest,
    action: Action,
    explanation: Explanation,
    referral_id: int | None = None,
) -> Decision:
    """What was done with a request that got no booking, under its access standard (named
    and cited) and against its effective deadline."""
    return Decision(
        request_id=request.id,
        action=action,
        standard=standard.name,
        citation=standard.citation,
        deadline=request.effective_deadline,
        explanation=explanation,
        referral_id=referral_id,
    )
