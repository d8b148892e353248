"""Law cases, round nineteen: one request's story told through the real services, on any
unit of work (the in-memory one here, the SQL one in tests/integration), and read back
from the report's rows (docs/adr/0013-evidence-a-regulator-accepts.md, 2026-12-08).

A `Story` opens a request with `open_request` (the packaged California rules), records
what happened as the events the system stores (offers with their answers, visits, clinic
and member cancellations, a clinician's determination through `record_clinical_exception`,
a referral through `refer_out_of_network`, the member's later date or withdrawal through
their services) and reads the outcome from `evidence_rows`, the rows every figure is
built from. Each expected outcome is written in the test beside the rule it comes from,
never read from the code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from law_oracle import at, business_day_deadline

from parity.adapters.clock import SimulatedClock
from parity.domain.care import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    CareRequest,
    Channel,
    Offer,
    OfferResponse,
)
from parity.domain.compliance import Outcome
from parity.domain.messages import ChannelKind, Message, MessageKind, MessageStatus
from parity.domain.metrics import EvidenceRow
from parity.domain.ports import UnitOfWork
from parity.domain.standards import VisitType
from parity.domain.users import Principal, Role
from parity.domain.workforce import Modality, ProviderClass
from parity.services.policy import Policy
from parity.services.reporting import Period, evidence_rows
from parity.services.requests import (
    PreferLater,
    RecordClinicalException,
    RecordReferralAppointment,
    ReferOutOfNetwork,
    RequestCare,
    WithdrawRequest,
    open_request,
    prefer_later_date,
    record_clinical_exception,
    record_referral_appointment,
    refer_out_of_network,
    withdraw_request,
)

# Monday 2026-06-01 09:00 PDT; 10 business days end Monday 2026-06-15 23:59:59 PDT.
ASKED = at("2026-06-01 09:00")
DEADLINE = business_day_deadline(ASKED, 10)
LONG_AFTER = at("2026-09-01 12:00")  # when the figures are read: everything decided
TREATING = Principal("dr-ana", Role.THERAPIST, clinician_id="ana")
OTHER_CLINICIAN = Principal("dr-ben", Role.THERAPIST, clinician_id="ben")
SCHEDULER = Principal("sam", Role.SCHEDULER, clinic_ids=("north",))
NOTE = "member phoned: asked for a later date"


@dataclass
class Story:
    """One request and what was recorded about it, through the services where they exist."""

    uow: UnitOfWork
    policy: Policy
    slot_ids: Iterator[int]
    request: CareRequest | None = None
    member: str = "m1"
    clinic: str = "north"
    window: Period = field(default_factory=lambda: Period(date(2019, 1, 1), date(2030, 12, 1)))

    def open(
        self,
        asked: datetime = ASKED,
        visit: VisitType = VisitType.INITIAL,
        provider_class: ProviderClass = ProviderClass.THERAPIST,
        prior: Appointment | None = None,
        authorized_by: Principal | None = None,
    ) -> CareRequest:
        cmd = RequestCare(
            self.member,
            visit,
            provider_class,
            "english",
            (Modality.IN_PERSON,),
            self.clinic,
            requested_at=asked,
            preferred_clinician_id="ana",
            prior_appointment_start=None if prior is None else prior.start,
            prior_appointment_id=None if prior is None else prior.id,
            prior_authorization=authorized_by is not None,
            prior_authorized_by=authorized_by,
        )
        self.request = open_request(cmd, self.uow, SimulatedClock(asked), self.policy)
        return self.request

    @property
    def req(self) -> CareRequest:
        assert self.request is not None
        return self.request

    def offer(
        self,
        slot_start: datetime,
        response: OfferResponse = OfferResponse.ACCEPTED,
        offered_at: datetime | None = None,
        *,
        delivered: bool = False,
    ) -> Offer:
        """An offer made by a scheduler on the phone, answered an hour later (or not)."""
        made_at = offered_at or self.req.requested_at + timedelta(hours=1)
        answered = made_at + timedelta(hours=1)
        open_ = response in (OfferResponse.PENDING, OfferResponse.EXPIRED)
        with self.uow:
            offer = self.uow.offers.add(
                Offer(
                    self.req.id,
                    next(self.slot_ids),
                    "ana",
                    slot_start,
                    made_at,
                    slot_start <= self.req.deadline,
                    response,
                    None if open_ else "sam",
                    None if open_ else answered,
                    Channel.PHONE,
                    "sam",
                    None if open_ else Channel.PHONE,
                    "member said no on the phone" if response is OfferResponse.DECLINED else "",
                )
            )
            if delivered:
                self.uow.messages.add(
                    Message(
                        f"offer:{offer.id}",
                        self.member,
                        MessageKind.OFFER,
                        ChannelKind.SMS,
                        "+15555550100",
                        {},
                        made_at,
                        made_at,
                        MessageStatus.SENT,
                        sent_at=made_at,
                    )
                )
            self.uow.commit()
        return offer

    def visit(
        self,
        offer: Offer,
        status: AppointmentStatus = AppointmentStatus.BOOKED,
    ) -> Appointment:
        """The visit the accepted `offer` booked, in the same interaction."""
        booked_at = offer.offered_at + timedelta(hours=1)
        with self.uow:
            made = self.uow.appointments.add(
                Appointment(
                    self.req.id,
                    self.member,
                    "ana",
                    self.clinic,
                    offer.slot_id,
                    offer.slot_start,
                    offer.slot_start + timedelta(minutes=50),
                    self.req.visit,
                    Modality.IN_PERSON,
                    booked_at,
                    status,
                )
            )
            self.uow.commit()
        return made

    def cancel(self, visit: Appointment, by: CancelledBy, when: datetime) -> None:
        with self.uow:
            kept = self.uow.appointments.get(visit.id)
            kept.cancel(by, when, "clinician ill" if by is CancelledBy.CLINIC else "member asked")
            self.uow.appointments.save(kept)
            self.uow.commit()

    def exception(self, when: datetime, until: datetime, by: Principal = TREATING) -> None:
        cmd = RecordClinicalException(self.req.id, by, "monthly cadence is safe", until)
        record_clinical_exception(cmd, self.uow, SimulatedClock(when))

    def prefer_later(self, when: datetime, from_: datetime) -> None:
        cmd = PreferLater(self.req.id, from_, SCHEDULER, Channel.PHONE, NOTE)
        prefer_later_date(cmd, self.uow, SimulatedClock(when))

    def withdraw(self, when: datetime, by: Principal | None = None) -> None:
        who = by or Principal(f"{self.member}-login", Role.MEMBER, self.member)
        withdraw_request(WithdrawRequest(self.req.id, who), self.uow, SimulatedClock(when))

    def refer(self, when: datetime, outside_at: datetime | None) -> None:
        cmd = ReferOutOfNetwork(self.req.id, "no-capacity", "sam", "Outside Counselling")
        referral = refer_out_of_network(cmd, self.uow, SimulatedClock(when))
        if outside_at is not None:
            done = RecordReferralAppointment(referral.id, "Outside Counselling", outside_at)
            record_referral_appointment(done, self.uow)

    def row(self, now: datetime = LONG_AFTER) -> EvidenceRow:
        rows = evidence_rows(self.uow, self.policy, self.window, now)
        (mine,) = [r for r in rows if r.request_id == self.req.id]
        return mine


# -- the stories both stores tell: (name, what happened, the outcome derived by hand) ---------

IN_TIME = at("2026-06-10 10:00")
AFTER = at("2026-06-22 10:00")
EXTENDED = at("2026-06-26 23:00")


def _declined(s: Story) -> None:
    s.open()
    s.offer(IN_TIME, OfferResponse.DECLINED)


def _refused_after_the_time(s: Story) -> None:
    s.open()
    made = at("2026-06-03 08:30")
    s.offer(made + timedelta(minutes=30), OfferResponse.DECLINED, made)


def _exception(recorded: str) -> Callable[[Story], None]:
    def told(s: Story) -> None:
        s.open()
        s.offer(AFTER, offered_at=at("2026-06-05 10:00"))
        s.exception(at(recorded), EXTENDED)

    return told


def _later_date(recorded: str, timely_offer: bool) -> Callable[[Story], None]:
    def told(s: Story) -> None:
        s.open()
        if timely_offer:
            s.offer(
                IN_TIME, OfferResponse.EXPIRED, offered_at=at("2026-06-02 09:00"), delivered=True
            )
        s.prefer_later(at(recorded), at("2026-07-06 09:00"))
        s.offer(at("2026-07-06 10:00"), offered_at=at(recorded) + timedelta(hours=1))

    return told


def _withdrawn(when: str) -> Callable[[Story], None]:
    def told(s: Story) -> None:
        s.open()
        s.withdraw(at(when))

    return told


def _clinic_cancelled(reoffered: str | None) -> Callable[[Story], None]:
    def told(s: Story) -> None:
        s.open()
        visit = s.visit(s.offer(at("2026-06-09 10:00")))
        s.cancel(visit, CancelledBy.CLINIC, at("2026-06-08 09:00"))
        if reoffered is not None:
            s.offer(at("2026-06-12 10:00"), offered_at=at(reoffered))

    return told


def _cancelled_twice(first_reoffered: str) -> Callable[[Story], None]:
    """The clinic cancels twice: Fri 06-05's visit on Wed 06-03 (prompt until Thu 06-04),
    then the new Wed 06-10 visit on Tue 06-09, re-offered at once for Fri 06-12."""

    def told(s: Story) -> None:
        s.open()
        first = s.visit(s.offer(at("2026-06-05 10:00")))
        s.cancel(first, CancelledBy.CLINIC, at("2026-06-03 09:00"))
        second = s.visit(s.offer(at("2026-06-10 10:00"), offered_at=at(first_reoffered)))
        s.cancel(second, CancelledBy.CLINIC, at("2026-06-09 09:00"))
        s.visit(s.offer(at("2026-06-12 10:00"), offered_at=at("2026-06-09 10:00")))

    return told


def _referred(outside: str, exception_after: bool = False) -> Callable[[Story], None]:
    def told(s: Story) -> None:
        s.open()
        s.refer(at("2026-06-03 09:00"), at(outside))
        if exception_after:
            s.exception(at("2026-06-12 09:00"), EXTENDED)

    return told


def _no_show_then_follow_up(s: Story) -> None:
    """Prior visit Wed 06-03 10:00 missed; SB 221 from it: 4 5(2) 8-12(7) 15 16 17(10); the
    follow-up offered Thu 06-18 is late."""
    s.open(at("2026-06-01 09:00"))
    missed = s.visit(s.offer(at("2026-06-03 10:00")), AppointmentStatus.NOSHOW)
    s.open(at("2026-06-03 12:00"), VisitType.FOLLOW_UP, prior=missed)
    s.offer(at("2026-06-18 10:00"), offered_at=at("2026-06-03 12:30"))


def _fall_back_night(s: Story) -> None:
    """Asked 23:30 PST on Sunday 2026-11-01 (07:30 UTC Monday): day 0 is Sunday, the 10th
    business day Mon 11-16 (Veterans Day 11-11 closed); an offer on 11-16 is timely."""
    s.open(at("2026-11-01 23:30"))
    s.offer(at("2026-11-16 16:00"), offered_at=at("2026-11-02 09:00"))


def _urgent_with_authorisation(s: Story) -> None:
    """96 hours from Fri 06-05 17:00 is Tue 06-09 17:00: an offer at 16:00 that day is timely."""
    s.open(at("2026-06-05 17:00"), VisitType.URGENT, authorized_by=SCHEDULER)
    s.offer(at("2026-06-09 16:00"), offered_at=at("2026-06-05 17:30"))


# An exception recorded in the last second of the deadline day (Mon 06-15) is in time: the
# day's deadline is written 23:59:59 and all of that second is still the day.
STORIES_EXCEPTION_AT = [
    ("2026-06-15 23:59:59.400000", Outcome.EXCEPTION_DOCUMENTED),
    ("2026-06-16 00:00:00", Outcome.LATE),
]


def exception_at(recorded: str) -> Callable[[Story], None]:
    return _exception(recorded)


STORIES: list[tuple[str, Callable[[Story], None], Outcome]] = [
    ("a timely offer declined", _declined, Outcome.MEMBER_DECLINED),
    ("a refusal recorded after the time began", _refused_after_the_time, Outcome.LATE),
    ("an exception in time", _exception("2026-06-12 09:00"), Outcome.EXCEPTION_DOCUMENTED),
    ("an exception after the deadline", _exception("2026-06-16 09:00"), Outcome.LATE),
    (
        "a later date after a timely offer, past the deadline",
        _later_date("2026-06-17 09:00", True),
        Outcome.MEMBER_PREFERENCE,
    ),
    (
        "a later date with no timely offer",
        _later_date("2026-06-03 09:00", False),
        Outcome.LATE,
    ),
    ("withdrawn before the deadline", _withdrawn("2026-06-05 09:00"), Outcome.WITHDRAWN),
    ("withdrawn after the deadline", _withdrawn("2026-06-17 09:00"), Outcome.LATE),
    (
        "clinic cancellation re-offered promptly",
        _clinic_cancelled("2026-06-08 10:00"),
        Outcome.WITHIN_STANDARD,
    ),
    ("clinic cancellation never re-offered", _clinic_cancelled(None), Outcome.CLINIC_CANCELLED),
    (
        "cancelled twice by the clinic, both re-offered promptly",
        _cancelled_twice("2026-06-03 10:00"),
        Outcome.WITHIN_STANDARD,
    ),
    (
        "cancelled twice by the clinic, the first re-offered days later",
        _cancelled_twice("2026-06-08 10:00"),
        Outcome.CLINIC_CANCELLED,
    ),
    ("referred, seen in time", _referred("2026-06-12 10:00"), Outcome.REFERRED_IN_TIME),
    ("referred, seen late", _referred("2026-06-18 10:00"), Outcome.REFERRED_LATE),
    (
        "referred, then an in-time exception covers the outside visit",
        _referred("2026-06-22 10:00", exception_after=True),
        Outcome.REFERRED_IN_TIME,
    ),
    ("a follow-up after a no-show, late", _no_show_then_follow_up, Outcome.LATE),
    ("asked on the fall-back night", _fall_back_night, Outcome.WITHIN_STANDARD),
    ("urgent with prior authorisation", _urgent_with_authorisation, Outcome.WITHIN_STANDARD),
]
