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


def after_declining_until(request: CareRequest, policy: Policy) -> datetime:
    """The last start proposed or held once the member declined a timely offer: the rule
    file's member-preference window after the (effective) deadline (docs/adr/0013,
    "2026-12-07 (late evening)")."""
    return request.effective_deadline + timedelta(days=policy.rules.preference_search_days)


def slot_query(
    request: CareRequest, policy: Policy, now: datetime, clinician_id: str | None
) -> SlotQuery:
    # Positional, in field order: asked once or twice per booking (ADR 0014, speed).
    return SlotQuery(
        policy.kinds_for(request.visit),  # kinds
        request.provider_class,  # provider_class
        request.language,  # language
        request.modalities,  # modalities
        request.clinic_id,  # clinic_id
        max(now + policy.min_notice, request.not_before),  # not_before
        search_until(request, policy),  # not_after
        clinician_id,  # clinician_id
    )
