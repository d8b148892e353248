"""The slot query the booking engine asks: the request's kinds, provider class, language,
modalities and clinic, from the policy's notice to the (effective) deadline."""

from __future__ import annotations

from datetime import datetime, timedelta

from parity.domain.availability import SlotQuery
from parity.domain.care import CareRequest
from parity.services.policy import Policy

# How far past the member's own later date the engine looks for a time for them.
PREFERENCE_HORIZON = timedelta(days=28)


def search_until(request: CareRequest) -> datetime:
    """The last start the engine looks at: the (effective) deadline, or, when the member
    asked for a later date themselves, a window from that date."""
    if request.member_preferred_from is not None:
        return max(request.effective_deadline, request.member_preferred_from + PREFERENCE_HORIZON)
    return request.effective_deadline


def slot_query(
    request: CareRequest, policy: Policy, now: datetime, clinician_id: str | None
) -> SlotQuery:
    return SlotQuery(
        kinds=policy.kinds_for(request.visit),
        provider_class=request.provider_class,
        language=request.language,
        modalities=request.modalities,
        clinic_id=request.clinic_id,
        not_before=max(now + policy.min_notice, request.not_before),
        not_after=search_until(request),
        clinician_id=clinician_id,
    )
