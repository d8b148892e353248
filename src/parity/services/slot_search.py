"""The slot query the booking engine asks: the request's kinds, provider class, language,
modalities and clinic, from the policy's notice to the (effective) deadline."""

from __future__ import annotations

from datetime import datetime, timedelta

from parity.domain.availability import SlotQuery
from parity.domain.care import CareRequest
from parity.services.policy import Policy


def search_until(request: CareRequest, policy: Policy) -> datetime:
    """The last start the engine looks at: the (effective) deadline, or, when the member
    asked for a later date themselves, the rule file's window from that date."""
    if request.member_preferred_from is not None:
        window = timedelta(days=policy.rules.preference_search_days)
        return max(request.effective_deadline, request.member_preferred_from + window)
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
        not_after=search_until(request, policy),
        clinician_id=clinician_id,
    )
