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

from collections.abc import Iterator
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
            "north",
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
                    "north",
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
