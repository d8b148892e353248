"""Care requests, the offers made for them, appointments, referrals and clinical exceptions.

These are the evidence the law asks for: when care was requested, which clock and deadline
applied, what was offered when, who accepted, declined or cancelled, and, where the network
could not offer timely care, the out-of-network referral.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from parity.domain.errors import InvalidInput, InvalidTransition
from parity.domain.records import quick_init
from parity.domain.standards import VisitType
from parity.domain.users import Forbidden, Role
from parity.domain.workforce import Modality, ProviderClass


class RequestStatus(StrEnum):
    OPEN = "open"
    BOOKED = "booked"
    REFERRED = "referred"
    WITHDRAWN = "withdrawn"


class OfferResponse(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    # The member did not answer in time ("no answer"): see `Offer.counts_as_offered`.
    EXPIRED = "expired"


class Channel(StrEnum):
    """How an offer reached the member, or how their answer reached the plan."""

    PHONE = "phone"
    PORTAL = "portal"
    SMS = "sms"
    EMAIL = "email"
    IN_PERSON = "in-person"
    LETTER = "letter"


# The member's own role name: a determination recorded under it is the member's, never
# the plan's.
MEMBER_ROLE = Role.MEMBER.value


# The longest contact note kept with a member's act: a note says when, how and what the
# member said; a body of up to the API's 1 MiB limit is a file, not a note (docs/adr/0012,
# "2026-12-07 (night)"). As long as a corrective action's description.
NOTE_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class MembersWord:
    """How the member said something the record keeps as their act (a refusal, a later date,
    a withdrawal): the channel it came by and, when staff wrote it down, the contact note
    saying when and how the member said it (docs/adr/0013, 2026-12-07 evening)."""

    channel: Channel
    note: str = ""

    @classmethod
    def recorded(
        cls, act: str, *, by_staff: bool, channel: Channel | None, note: str = ""
    ) -> MembersWord:
        """The member's word as the record may keep it. A member acting for themselves
        records the channel it came by (the portal unless said otherwise); staff recording
        the member's act say how (`channel`) and when and what the member said (`note`):
        without both it is a scheduler's click, not the member's act, and is refused."""
        if len(note.strip()) > NOTE_LENGTH:
            raise InvalidInput(
                f"the contact note of {act} holds at most {NOTE_LENGTH:,} characters: when, "
                "how and what the member said, not a transcript"
            )
        if not by_staff:
            return cls(cls.members_own(channel), note.strip())
        if channel is None:
            raise InvalidInput(
                f"{act} recorded by staff needs the channel the member used: "
                + ", ".join(c.value for c in Channel)
            )
        if not note.strip():
            raise InvalidInput(
                f"{act} recorded by staff needs a contact note: when and how the member said it"
            )
        return cls(channel, note.strip())

    @staticmethod
    def members_own(channel: Channel | None) -> Channel:
        """The channel of an act the signed-in member records for themselves: the portal
        (the API is the portal's). A phone call, a text, an email, a letter or a visit in
        person reaches a person, who records it with the contact note; the member's own
        call recorded under one of those would keep a channel nobody used (docs/adr/0012,
        "2026-12-07 (night)")."""
        if channel not in (None, Channel.PORTAL):
            raise Forbidden(
                f"a member records their own answer through the portal, not by {channel}: "
                "what the member said by phone, text, email, letter or in person is recorded "
                "by the staff member who took it, with a contact note"
            )
        return Channel.PORTAL


# The longest a request is put off, by a clinician's documented exception or by a member's
# own later date: a year after its deadline. A wait longer than that is a withdrawal and a
# new request, not a date (a date near the end of the calendar left no room for the search
# window after it: docs/adr/0012, "2026-12-07 (night)"). A plan policy, not a figure of the
# law; one for both.
LONGEST_DEFERRAL = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class LaterDate:
    """One later date the member gave, kept as it was recorded and never changed: the date
    asked for, when and by whom it was written down, and how the member said it (the
    channel and, recorded by staff, the contact note: `MembersWord`). A request keeps every
    one, in the order recorded; the latest is the one in force, which the request's row
    also holds (docs/adr/0013, 2026-12-08). `channel` is None only on a record migrated from
    a row written before the channel was kept (migration r0014)."""

    request_id: int
    preferred_from: datetime
    recorded_at: datetime
    recorded_by: str
    channel: Channel | None = None
    note: str = ""
    id: int = 0


def later_dates_on_record(request: CareRequest, kept: Sequence[LaterDate]) -> list[LaterDate]:
    """The member's later dates on `request` in the order recorded, the last in force:
    those kept apart (`kept`), or, where none is, the one the request's row holds (a row
    written by hand, or one with no recording time before migration r0015), as recorded."""
    if kept:
        return list(kept)
    start, at = request.member_preferred_from, request.preference_recorded_at
    if start is None or at is None:
        return []
    by = request.preference_recorded_by or ""
    return [
        LaterDate(request.id, start, at, by, request.preference_channel, request.preference_note)
    ]


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    FULFILLED = "fulfilled"
    NOSHOW = "noshow"
    CANCELLED = "cancelled"


class CancelledBy(StrEnum):
    MEMBER = "member"
    CLINIC = "clinic"


@dataclass(slots=True)
class CareRequest:
    """A member's request for care; its clock start and deadline are fixed when it is made."""

    member_id: str
    visit: VisitType
    provider_class: ProviderClass
    language: str
    modalities: tuple[Modality, ...]
    clinic_id: str
    requested_at: datetime
    standard: str
    clock_start: datetime
    deadline: datetime
    not_before: datetime
    preferred_clinician_id: str | None = None
    prior_authorization: bool = False
    course_id: int | None = None
    prior_appointment_id: int | None = None
    extended_deadline: datetime | None = None
    status: RequestStatus = RequestStatus.OPEN
    # The member's own choice of a later date than offered: kept as evidence (who recorded
    # it, when), and compliant (docs/adr/0013-evidence-a-regulator-accepts.md).
    member_preferred_from: datetime | None = None
    preference_recorded_at: datetime | None = None
    preference_recorded_by: str | None = None
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    id: int = 0
    # Who is working on it in the queue, and since when (a claim; "" when nobody).
    claimed_by: str = ""
    claimed_at: datetime | None = None
    # How the member said it: the channel their later date or withdrawal came by and, when
    # staff recorded it, the contact note (docs/adr/0013, 2026-12-07 evening).
    preference_channel: Channel | None = None
    preference_note: str = ""
    withdrawal_channel: Channel | None = None
    withdrawal_note: str = ""
    # The prior-authorisation determination (the rule file's urgent standard with prior
    # authorisation instead of the one without): who made it, in which role, when.
    # `prior_authorization` says whether it applies to the deadline.
    prior_authorization_by: str | None = None
    prior_authorization_role: str | None = None
    prior_authorization_at: datetime | None = None
    # The earliest start (`not_before`) the request had before the member's first later
    # date: what it is booked from again should the member move their date earlier. None
    # until the member gives one, and on rows whose date was recorded before migration
    # r0015, which did not keep it (docs/adr/0013, 2026-12-08).
    planned_not_before: datetime | None = None

    @property
    def effective_deadline(self) -> datetime:
        """The legal deadline, or a later one a documented clinical exception allows."""
        if self.extended_deadline is not None and self.extended_deadline > self.deadline:
            return self.extended_deadline
        return self.deadline

    def prefer_later(
        self, start: datetime, by: str, at: datetime, said: MembersWord | None = None
    ) -> LaterDate:
        """Record the member's own request for a date after the one the plan could offer,
        and return the record of it the request's history keeps (`LaterDate`).

        A "later" date is one still to come: a past one (0001-01-01) would mark the request
        compliant and let it be booked late, while asking for nothing (ADR 0012, 2026-12-07).
        The row's preference columns hold the latest date, the one in force. The request is
        booked from it: from the later of the date and the earliest start the request had
        before the member's first later date (`planned_not_before`), so a member who moves
        their date earlier is booked from the new one (docs/adr/0013, 2026-12-08)."""
        self.check_later_date(start, at)
        if self.member_preferred_from is None:
            self.planned_not_before = self.not_before
        channel, note = (None, "") if said is None else (said.channel, said.note)
        self.member_preferred_from = start
        self.preference_recorded_at = at
        self.preference_recorded_by = by
        self.preference_channel, self.preference_note = channel, note
        planned = self.planned_not_before
        self.not_before = max(self.not_before if planned is None else planned, start)
        return LaterDate(self.id, start, at, by, channel, note)

    def check_later_date(self, start: datetime, at: datetime) -> None:
        """Refuse a later date the request cannot take at `at`: not open, past, or more
        than `LONGEST_DEFERRAL` after the deadline. A date earlier than the one in force is
        taken (the member changed their mind), except on a request whose earliest start
        before the member's first date is not on record (`planned_not_before`)."""
        if self.status is not RequestStatus.OPEN:
            raise InvalidTransition(f"request {self.id} is {self.status}, not open")
        if start <= at:
            raise InvalidInput(
                f"the member's later date {start.isoformat()} has passed: give one to come"
            )
        latest = self.effective_deadline + LONGEST_DEFERRAL
        if start > latest:
            raise InvalidInput(
                f"the member's later date {start.isoformat()} is more than "
                f"{LONGEST_DEFERRAL.days} days after the deadline ({latest.isoformat()} at "
                "the latest): a wait that long is a withdrawal and a new request later"
            )
        earlier = self.member_preferred_from
        if earlier is not None and start < earlier and self.planned_not_before is None:
            # A date recorded before migration r0015 moved `not_before` with no memory of
            # what it was: moving it back would guess the earliest start (a course's
            # cadence, a prior visit's end), and the engine could book before it.
            raise InvalidTransition(
                f"request {self.id} is to be booked from the member's date "
                f"{earlier.isoformat()}, recorded before its earliest start was kept: an "
                "earlier one cannot be recorded over it; book one of the times offered, or "
                "withdraw and ask again"
            )

    def start_no_earlier_than(self, moment: datetime) -> None:
        """No booking before `moment` (a rescheduled prior visit's end): raises the earliest
        start, and the one the request returns to when the member moves their later date
        earlier, so that move never books before it either."""
        self.not_before = max(self.not_before, moment)
        if self.planned_not_before is not None:
            self.planned_not_before = max(self.planned_not_before, moment)

    def withdraw(self, by: str, at: datetime, said: MembersWord | None = None) -> None:
        """The member no longer wants this care: an open request closes, with who and when."""
        if self.status is not RequestStatus.OPEN:
            raise InvalidTransition(
                f"request {self.id} is {self.status}; only open requests are withdrawn"
            )
        self.status = RequestStatus.WITHDRAWN
        self.withdrawn_at = at
        self.withdrawn_by = by
        if said is not None:
            self.withdrawal_channel, self.withdrawal_note = said.channel, said.note

    @property
    def authorization_on_record(self) -> bool:
        """Whether a prior authorisation this request carries rests on a recorded
        determination (who, in which role, when), made by someone other than the member."""
        return (
            bool(self.prior_authorization_by)
            and self.prior_authorization_at is not None
            and self.prior_authorization_role not in (None, "", MEMBER_ROLE)
        )

    @property
    def authorization_applies(self) -> bool:
        """Whether the request is under prior authorisation's longer standard and a recorded
        determination supports it."""
        return self.prior_authorization and self.authorization_on_record

    @property
    def authorization_unsupported(self) -> bool:
        """Whether the request claims prior authorisation with no determination on record
        (a row from before migration r0014, or written by hand)."""
        return self.prior_authorization and not self.authorization_on_record


@dataclass(slots=True)
class Offer:
    """An appointment time offered to a member: the evidence the law measures.

    Recorded when it happened, by whoever made it: the channel it went through, who offered
    it (a user, or the process that sent it), and the member's answer with its time, its
    channel, who recorded it and, for a refusal taken by staff, the contact note.
    """

    request_id: int
    slot_id: int
    clinician_id: str
    slot_start: datetime
    offered_at: datetime
    timely: bool
    response: OfferResponse = OfferResponse.PENDING
    responded_by: str | None = None
    responded_at: datetime | None = None
    channel: Channel = Channel.PORTAL
    offered_by: str = ""
    response_channel: Channel | None = None
    response_note: str = ""
    id: int = 0

    def respond(
        self,
        response: OfferResponse,
        by: str,
        at: datetime,
        channel: Channel | None = None,
        note: str = "",
    ) -> None:
        if self.response is not OfferResponse.PENDING:
            raise InvalidTransition(f"offer {self.id} was already {self.response}")
        self.response = response
        self.responded_by = by
        self.responded_at = at
        self.response_channel = channel
        self.response_note = note


@dataclass(slots=True)
class Appointment:
    request_id: int
    member_id: str
    clinician_id: str
    clinic_id: str
    slot_id: int
    start: datetime
    end: datetime
    visit: VisitType
    modality: Modality
    booked_at: datetime
    status: AppointmentStatus = AppointmentStatus.BOOKED
    cancelled_by: CancelledBy | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    id: int = 0

    def cancel(self, by: CancelledBy, at: datetime, reason: str) -> None:
        """Cancel a visit that has not begun. One that has begun happened or was missed: it is
        closed as kept or a no-show, never cancelled afterwards, which would rewrite the
        record (a missed visit turned into a member's cancellation, or a visit already given
        into a clinic cancellation). See docs/adr/0011, twelfth round."""
        if self.status is not AppointmentStatus.BOOKED:
            raise InvalidTransition(f"appointment {self.id} is {self.status}, not booked")
        if at > self.start:
            raise InvalidTransition(
                f"appointment {self.id} began at {self.start.isoformat()}: a visit that has "
                "begun is recorded as kept or missed, not cancelled"
            )
        self.status = AppointmentStatus.CANCELLED
        self.cancelled_by = by
        self.cancelled_at = at
        self.cancel_reason = reason

    def close(self, status: AppointmentStatus) -> None:
        """Record that the visit happened (fulfilled) or the member did not come (no-show)."""
        if self.status is not AppointmentStatus.BOOKED:
            raise InvalidTransition(f"appointment {self.id} is {self.status}, not booked")
        self.status = status


def follow_up_clock_start(prior: Appointment) -> datetime:
    """When the SB 221 clock of the follow-up after `prior` starts, read from the record of
    that visit, never from a time a caller typed: the visit's start (kept or missed); after
    the member's own cancellation, when it was recorded (the rule file's [follow_up_clock]).
    A visit the clinic cancelled is rebooked on its own request, never followed up
    (H&S §1367.03(a)(5)(F); docs/adr/0013, 2026-12-07)."""
    if prior.status is AppointmentStatus.CANCELLED:
        if prior.cancelled_by is not CancelledBy.MEMBER or prior.cancelled_at is None:
            raise InvalidInput(
                f"appointment {prior.id} was cancelled by the clinic: it is rebooked on its "
                "own request, not followed up"
            )
        return prior.cancelled_at
    return prior.start


@dataclass(slots=True)
class Referral:
    """An out-of-network referral at in-network cost sharing (SB 855, H&S §1374.72)."""

    request_id: int
    member_id: str
    created_at: datetime
    deadline: datetime
    reason: str
    explanation: dict[str, Any] = field(default_factory=dict)
    made_by: str = ""
    outside_provider: str = ""
    appointment_at: datetime | None = None
    in_network_cost_sharing: bool = True
    id: int = 0

    @property
    def cause(self) -> str:
        """The binding constraint the engine named (kept in the stored explanation), else
        the reason the referral was made for."""
        return str(self.explanation.get("cause") or self.reason)

    @property
    def arranged_in_time(self) -> bool | None:
        """Whether the outside appointment fell within the standard (None: not yet known)."""
        return None if self.appointment_at is None else self.appointment_at <= self.deadline


@dataclass(slots=True)
class ClinicalException:
    """A provider's documented finding that a longer wait will not harm the member.

    28 CCR §1300.67.2.2(c)(5)(G): the record says who decided, when, why, and until when.
    The author and role are the signed-in clinician's; the time is the server's. One
    documented after the legal deadline is `late`: kept, but it does not excuse the wait.
    """

    request_id: int
    author: str
    recorded_at: datetime
    reason: str
    extended_deadline: datetime
    author_role: str = ""
    clinician_id: str | None = None
    late: bool = False
    id: int = 0


@dataclass(slots=True)
class Course:
    """An ongoing course of treatment: follow-ups at a cadence with one clinician."""

    member_id: str
    clinician_id: str
    provider_class: ProviderClass
    language: str
    modalities: tuple[Modality, ...]
    clinic_id: str
    cadence_days: int
    sessions_planned: int
    sessions_done: int = 0
    active: bool = True
    id: int = 0


class Action(StrEnum):
    """What the booking engine did with a request."""

    BOOKED = "booked"
    REFERRED = "referred"
    WAITLISTED = "waitlisted"


class Cause(StrEnum):
    """Why a request could not be placed in network in time (for the violation reports)."""

    NO_CAPACITY = "no-capacity"
    LANGUAGE = "language-unmatched"
    MODALITY = "modality-unmatched"
    CLINICIAN_PTO = "clinician-pto"
    CLINICIAN_LEFT = "clinician-left"
    CLINIC_CANCELLATION = "clinic-cancellation"


# What the engine looked at on the way to a decision, by name: the slot ids it found
# ("same_clinician", "pool", "requested_slot", "hold", "offer"...; None: nothing found).
Considered = Mapping[str, object]


@quick_init  # built once or more per booking decision (ADR 0014, sixth pass)
@dataclass(frozen=True, slots=True)
class Explanation:
    """Why the engine decided as it did. Fields a decision does not use stay empty and are
    left out of `as_dict`, the form stored with a referral and shown to callers."""

    rule: str
    considered: Considered
    limit: str = ""
    clock_start: datetime | None = None
    cause: Cause | None = None
    why: str = ""
    out_of_network_rule: str = ""
    refer_by: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"rule": self.rule}
        if self.limit:
            found["limit"] = self.limit
        found["considered"] = dict(self.considered)
        if self.clock_start is not None:
            found["clock_start"] = self.clock_start.isoformat()
        if self.cause is not None:
            found["cause"] = self.cause.value
        if self.why:
            found["why"] = self.why
        if self.out_of_network_rule:
            found["out_of_network_rule"] = self.out_of_network_rule
        if self.refer_by is not None:
            found["refer_by"] = self.refer_by.isoformat()
        return found


@quick_init  # built once or more per booking decision (ADR 0014, sixth pass)
@dataclass(frozen=True, slots=True)
class Decision:
    """What the booking engine did with a request and why, machine-readable. `timely`:
    a booking that starts by the (effective) deadline; False for anything not booked."""

    request_id: int
    action: Action
    standard: str
    citation: str
    deadline: datetime
    explanation: Explanation
    timely: bool = False
    slot_id: int | None = None
    appointment_id: int | None = None
    referral_id: int | None = None
    starts_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        explanation = self.explanation.as_dict()
        if self.action is Action.BOOKED:
            explanation["timely"] = self.timely
        return {
            "request_id": self.request_id,
            "action": self.action.value,
            "standard": self.standard,
            "citation": self.citation,
            "deadline": self.deadline.isoformat(),
            "slot_id": self.slot_id,
            "appointment_id": self.appointment_id,
            "referral_id": self.referral_id,
            "starts_at": self.starts_at.isoformat() if self.starts_at else None,
            "explanation": explanation,
        }
