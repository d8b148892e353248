"""The slot query the booking engine asks: the request's kinds, provider class, language,
modalities and clinic, from the policy's notice to the (effective) deadline."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from parity.domain.availability import SlotQuery
from parity.domain.care import CareRequest
from parity.services.policy import Policy


def on_record(request: CareRequest, policy: Policy) -> CareRequest:
    """The request under the standard its record supports: a prior authorisation nobody is
    on record as having determined (who, in which role, when; a row written before
    migration r0014, or by hand) does not allow the longer urgent wait, so the request is
    taken under the standard without it (docs/adr/0013, 2026-12-07 evening). A copy: the
    stored row is never rewritten."""
    if not request.authorization_unsupported:
        return request
    standard, deadline = policy.rules.governing(
        request.visit, request.provider_class, request.clock_start
    )
    return replace(request, standard=standard.name, deadline=deadline, prior_authorization=False)


def booking_deadline(request: CareRequest, policy: Policy) -> datetime:
    """The one deadline the booking engine books by and every figure judges by: the
    effective deadline of the request as its record supports it (`on_record`; docs/adr/0013,
    "2026-12-07 (late evening)")."""
    if not request.authorization_unsupported:
        return request.effective_deadline
    return on_record(request, policy).effective_deadline


def search_until(request: CareRequest, policy: Policy) -> datetime:
    """The last start the engine looks at: the (effective) deadline, or, when the member
    asked for a later date themselves, the rule file's window from that date."""
    if request.member_preferred_from is not None:
        window = timedelta(days=policy.rules.preference_search_days)
        return max(booking_deadline(request, policy), request.member_preferred_from + window)
    return booking_deadline(request, policy)


def after_declining_until(request: CareRequest, policy: Policy) -> datetime:
    """The last start proposed or held once the member declined a timely offer: the rule
    file's member-preference window after the (effective) deadline (docs/adr/0013,
    "2026-12-07 (late evening)")."""
    return booking_deadline(request, policy) + timedelta(days=policy.rules.preference_search_days)


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
