"""How each request counts against the timely-access standard: one definition of a
violation, from the law (docs/adr/0013-evidence-a-regulator-accepts.md).

What is measured is the offer: the wait runs from the clock start to the earliest
appointment offered (28 CCR §1300.67.2.2(c)(5)). A request is late when no timely offer was
made. Timely: an offer accepted, declined or still open; one that expired unanswered only
if its message was delivered; an in-time documented clinical exception. The member's own
later date is their choice only against a timely offer made before it; without one the
request is judged like any other. A withdrawal before the deadline is not counted at all. A clinic cancellation
is a violation only when no new timely appointment was offered promptly (promptness judged
by when the new offer was made), or the rebooked care is late.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from parity.domain.calendar import by_deadline
from parity.domain.care import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    CareRequest,
    ClinicalException,
    Offer,
    OfferResponse,
    Referral,
)
from parity.domain.records import quick_init
from parity.domain.users import Role


class Outcome(StrEnum):
    WITHIN_STANDARD = "within-standard"
    EXCEPTION_DOCUMENTED = "exception-documented"
    MEMBER_DECLINED = "member-declined-timely-offer"
    MEMBER_CANCELLED = "member-cancelled"
    MEMBER_PREFERENCE = "member-chose-later-date"
    WITHDRAWN = "withdrawn-by-member"
    CLINIC_CANCELLED = "clinic-cancelled-not-reoffered-promptly"
    LATE = "late"
    # Out of network (SB 855): the outside appointment unknown, within the standard, or late.
    REFERRED = "referred-out-of-network"
    REFERRED_IN_TIME = "referred-out-of-network-in-time"
    REFERRED_LATE = "referred-out-of-network-late"
    PENDING = "pending"
    # Asked again while the same request was still waiting: counted once, as the first ask.
    REPEAT = "repeat-of-a-waiting-request"


COMPLIANT = frozenset(
    {
        Outcome.WITHIN_STANDARD,
        Outcome.EXCEPTION_DOCUMENTED,
        Outcome.MEMBER_DECLINED,
        Outcome.MEMBER_CANCELLED,
        Outcome.MEMBER_PREFERENCE,
        Outcome.REFERRED_IN_TIME,
    }
)
# Not decided: still running, or the member withdrew before anything was due.
UNDECIDED = frozenset({Outcome.PENDING, Outcome.WITHDRAWN, Outcome.REPEAT})
VIOLATIONS = frozenset({Outcome.LATE, Outcome.CLINIC_CANCELLED, Outcome.REFERRED_LATE})
REFERRALS = frozenset({Outcome.REFERRED, Outcome.REFERRED_IN_TIME, Outcome.REFERRED_LATE})

# The signed-in role whose determinations are clinical (docs/adr/0013, rule 1).
CLINICIAN_ROLE = Role.THERAPIST.value

# Given a clinic cancellation's instant, the last instant a new offer is still "prompt".
Promptness = Callable[[datetime], datetime]


@quick_init  # one per request a long run folds (ADR 0014, sixth pass)
@dataclass(frozen=True, slots=True)
class RequestEvidence:
    """Everything recorded about one request, enough to classify it. `delivered_offers`
    are the offers whose message the outbox delivered."""

    request: CareRequest
    offers: Sequence[Offer]
    appointments: Sequence[Appointment]
    referral: Referral | None
    exception: ClinicalException | None
    delivered_offers: Collection[int] = field(default_factory=frozenset)
    # The waiting request this one repeats (see `repeats`): it is counted there, not here.
    repeat_of: int | None = None


def counts_as_offered(
    offer: Offer, delivered: Collection[int], now: datetime | None = None
) -> bool:
    """An offer counts as made when it was answered or is still open; one left unanswered
    (expired, or still open once its time has begun as of `now`) counts only if its message
    reached the member. An offer recorded once its time had begun is a note after the fact,
    never an offer: nobody could have taken it (docs/adr/0013, 2026-12-07). A refusal first
    recorded once the time had begun is no refusal either: the offer is judged as left
    unanswered (`answered_in_time`; docs/adr/0013, 2026-12-08)."""
    if offer.offered_at > offer.slot_start:
        return False
    unanswered = not answered_in_time(offer) or (
        offer.response is OfferResponse.PENDING and now is not None and now >= offer.slot_start
    )
    return offer.id in delivered if unanswered else True


def answered_in_time(offer: Offer) -> bool:
    """Whether the offer is open or was answered while its time could still be taken. A
    timely offer declined is compliant because the member turned down a time they could have
    had (28 CCR §1300.67.2.2(c)(5)); a refusal first recorded after the time began shows no
    such choice, only that the offer went unanswered while it mattered."""
    if offer.response is OfferResponse.EXPIRED:
        return False
    answered = offer.responded_at
    return not (
        offer.response is OfferResponse.DECLINED
        and answered is not None
        and answered > offer.slot_start
    )


def first_offer(offers: Sequence[Offer]) -> Offer | None:
    """The offer that measures the wait: the earliest appointment time offered.

    The law times the wait to the earliest appointment *offered*, so a timely offer made
    after a late one still counts; between equal times the earlier offer is the evidence.
    """
    return min(offers, key=lambda o: (o.slot_start, o.offered_at, o.id)) if offers else None


def counted_offers(evidence: RequestEvidence, now: datetime | None = None) -> list[Offer]:
    """The offers that count as made (as of `now`), never one for a time before the clock
    started."""
    start = evidence.request.clock_start
    return [
        o
        for o in evidence.offers
        if counts_as_offered(o, evidence.delivered_offers, now) and o.slot_start >= start
    ]


def allowed_deadline(evidence: RequestEvidence) -> datetime:
    """The deadline the record supports: the legal one, or the later one of a clinical
    exception on record, documented by a clinician before the legal deadline ran out (H&S
    §1367.03(a)(5)(H); 28 CCR §1300.67.2.2(c)(5)(G)). A deadline moved without such a
    determination on record is not evidence (docs/adr/0013, 2026-12-07)."""
    request, found = evidence.request, evidence.exception
    if found is None or not supports_extension(found, request):
        return request.deadline
    return max(request.deadline, found.extended_deadline)


def supports_extension(exception: ClinicalException, request: CareRequest) -> bool:
    """A determination that may extend the request's wait: a clinician's, made in time."""
    return (
        exception.author_role == CLINICIAN_ROLE
        and bool(exception.clinician_id)
        and not exception.late
        and by_deadline(exception.recorded_at, request.deadline)
    )


def classify(evidence: RequestEvidence, now: datetime, prompt: Promptness | None = None) -> Outcome:
    """Classify one request as of `now`. `prompt` gives, for a clinic cancellation, the
    last instant a new offer is prompt (the rule file's plan policy); without it only the
    new offer's timeliness is judged."""
    if evidence.repeat_of is not None:
        return Outcome.REPEAT
    cancelled = _clinic_cancelled(evidence.appointments)
    if cancelled:
        return _after_clinic_cancellation(evidence, cancelled, now, prompt)
    return _by_offers(evidence, counted_offers(evidence, now), now)


def _clinic_cancelled(appointments: Sequence[Appointment]) -> list[Appointment]:
    return sorted(
        (
            a
            for a in appointments
            if a.status is AppointmentStatus.CANCELLED
            and a.cancelled_by is CancelledBy.CLINIC
            and a.cancelled_at is not None
        ),
        key=lambda a: (a.cancelled_at, a.id),
    )


def _after_clinic_cancellation(
    evidence: RequestEvidence,
    cancelled: Sequence[Appointment],
    now: datetime,
    prompt: Promptness | None,
) -> Outcome:
    """Judge the request by what was offered after the clinic last cancelled: a new timely
    offer made promptly keeps it compliant; otherwise it is a violation once the prompt
    window (or the deadline) has passed, unless it was referred out of network. Every
    earlier clinic cancellation must have been rescheduled promptly too: one that was not is
    a violation already, whatever was offered after a later one (docs/adr/0013, 2026-12-08)."""
    deadline = allowed_deadline(evidence)
    if any(_not_reoffered(evidence, v, deadline, now, prompt) for v in cancelled[:-1]):
        return referred(evidence) if evidence.referral is not None else Outcome.CLINIC_CANCELLED
    cancelled_at = cancelled[-1].cancelled_at or cancelled[-1].booked_at
    by = prompt(cancelled_at) if prompt is not None else deadline
    later = [
        o
        for o in counted_offers(evidence, now)
        if cancelled_at <= o.offered_at <= by and not _booked_into(o, cancelled)
    ]
    if any(o.slot_start <= deadline for o in later):
        return _by_offers(evidence, later, now)
    if evidence.referral is not None:
        return referred(evidence)
    if now <= min(by, deadline):
        return Outcome.PENDING
    return Outcome.CLINIC_CANCELLED


def _not_reoffered(
    evidence: RequestEvidence,
    visit: Appointment,
    deadline: datetime,
    now: datetime,
    prompt: Promptness | None,
) -> bool:
    """Whether the window to reschedule the clinic-cancelled `visit` promptly has closed with
    no new timely offer made in it (an offer that booked a later visit counts: it was the
    new offer, whatever became of that visit)."""
    cancelled_at = visit.cancelled_at or visit.booked_at
    by = prompt(cancelled_at) if prompt is not None else deadline
    if now <= min(by, deadline):
        return False
    return not any(
        cancelled_at <= o.offered_at <= by
        and o.slot_start <= deadline
        and not _booked_into(o, (visit,))
        for o in counted_offers(evidence, now)
    )


def _booked_into(offer: Offer, cancelled: Sequence[Appointment]) -> bool:
    """The offer that made a visit the clinic later cancelled (made no later than that
    visit was booked): not a new offer, even for the same slot at the same instant."""
    return any(offer.slot_id == a.slot_id and offer.offered_at <= a.booked_at for a in cancelled)


def _by_offers(evidence: RequestEvidence, offers: Sequence[Offer], now: datetime) -> Outcome:
    deadline = allowed_deadline(evidence)
    timely = [o for o in offers if o.slot_start <= deadline]
    if chose_later_than_offered(evidence.request, timely):
        return Outcome.MEMBER_PREFERENCE
    answered = [o for o in timely if answered_in_time(o)]
    if answered:
        return _timely_outcome(evidence, first_offer(answered) or answered[0])
    if evidence.referral is not None:
        # a later referral on the same request counts as a referral
        return referred(evidence)
    if timely:
        return Outcome.WITHIN_STANDARD  # offered, message delivered, not answered
    return _without_timely_offer(evidence.request, deadline, offers, now)


def referred(evidence: RequestEvidence) -> Outcome:
    """A referral out of network is timely care only when its outside appointment met the
    standard (SB 855, H&S §1374.72(d); 28 CCR §1300.67.2.2(c)(7)); a late one is a
    violation; an unknown one is neither, until it is recorded."""
    in_time = referral_in_time(evidence)
    if in_time is None:
        return Outcome.REFERRED
    return Outcome.REFERRED_IN_TIME if in_time else Outcome.REFERRED_LATE


def referral_in_time(evidence: RequestEvidence) -> bool | None:
    """Whether the outside appointment met the deadline the record supports
    (`allowed_deadline`), not the one copied onto the referral when it was made: a
    clinician's in-time determination recorded after the referral lengthens the wait the
    outside visit is judged by, and an extension the record does not support (a legacy
    prior-authorisation claim, an exception without its determination) does not
    (docs/adr/0013, 2026-12-08). None while the outside appointment is not on record."""
    referral = evidence.referral
    if referral is None or referral.appointment_at is None:
        return None
    return referral.appointment_at <= allowed_deadline(evidence)


def chose_later_than_offered(request: CareRequest, timely: Iterable[Offer]) -> bool:
    """Whether the member's own later date was a choice against a timely appointment: one
    offered (and counted as offered) at or before the preference was recorded. A delay of
    the member's own choosing is compliant only where a timely appointment was offered
    (28 CCR §1300.67.2.2(c)(5); docs/adr/0013, 2026-12-07 evening): a preference never
    stands in for an offer the plan did not make."""
    chosen = request.preference_recorded_at
    if request.member_preferred_from is None or chosen is None:
        return False
    return any(o.offered_at <= chosen for o in timely)


def _without_timely_offer(
    request: CareRequest, deadline: datetime, offers: Sequence[Offer], now: datetime
) -> Outcome:
    # Withdrawn before the deadline, a request is not counted, unless a late time was all
    # the plan had offered by then: the wait the law measures had already failed
    # (docs/adr/0013, 2026-12-07).
    withdrawn = request.withdrawn_at
    if (
        withdrawn is not None
        and withdrawn <= deadline
        and not any(o.offered_at <= withdrawn for o in offers)
    ):
        return Outcome.WITHDRAWN
    if not offers and now <= deadline:
        return Outcome.PENDING
    return Outcome.LATE


def _timely_outcome(evidence: RequestEvidence, offer: Offer) -> Outcome:
    if offer.slot_start > evidence.request.deadline:  # timely only by the exception
        return Outcome.EXCEPTION_DOCUMENTED
    if offer.response is OfferResponse.DECLINED:
        return Outcome.MEMBER_DECLINED
    if any(a.cancelled_by is CancelledBy.MEMBER for a in evidence.appointments):
        return Outcome.MEMBER_CANCELLED
    return Outcome.WITHIN_STANDARD


def repeats(requests: Iterable[CareRequest], settled: Mapping[int, datetime]) -> dict[int, int]:
    """The requests that repeat an earlier one, each mapped to the request it repeats.

    One request for care is counted once (28 CCR §1300.67.2.2(c)(5): the wait runs from the
    request). A member who asks again for the same care (same standard, same prior visit,
    same course) while their first request is still waiting (not yet booked, referred or
    withdrawn: `settled` gives when each was) has made one request, whose clock started at
    the first ask; what was offered on the repeat was offered for it
    (docs/adr/0013, 2026-12-07).
    """
    found: dict[int, int] = {}
    waiting: dict[tuple[object, ...], CareRequest] = {}
    for request in sorted(requests, key=lambda r: (r.requested_at, r.id)):
        key = same_care(request)
        first = waiting.get(key)
        if first is not None and request.requested_at < _settled(first, settled):
            found[request.id] = first.id
        else:
            waiting[key] = request
    return found


def same_care(request: CareRequest) -> tuple[object, ...]:
    """What two asks share when they are for the same care: the member, the standard, the
    prior visit and the course (`repeats`)."""
    return (request.member_id, request.standard, request.prior_appointment_id, request.course_id)


_NEVER = datetime.max.replace(tzinfo=UTC)


def _settled(request: CareRequest, settled: Mapping[int, datetime]) -> datetime:
    withdrawn = request.withdrawn_at or _NEVER
    return min(settled.get(request.id, _NEVER), withdrawn)
