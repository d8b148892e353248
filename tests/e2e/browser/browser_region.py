"""The region the browser tests work in: the demo region (four clinics, 20 clinicians) laid
for eight weeks from Monday 2026-05-04, with a month of history made through the real
services on a clock that is then fixed at Wednesday 2026-06-03 10:00 in Los Angeles.

The history gives every page something true to show: timely bookings, a clinic (Fontana)
that left most of May's requests without an offer (violations, and a corrective-action
finding opened from its dashboard row, while the network's survey rate stays above the
line), a clinic cancellation, a declined timely offer, a referral out of network, urgent
requests due within hours, a pending offer, a therapist's PTO, and Ada's SB 221 follow-up
with Clinician 1 waiting in the work queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.adapters.rules_files import load_region
from parity.domain.care import CancelledBy, Channel, Course
from parity.domain.members import Member
from parity.domain.schedule import AvailabilityException, BlockKind, ExceptionKind, SlotStatus
from parity.domain.standards import VisitType
from parity.domain.users import Principal, Role
from parity.domain.workforce import Modality, ProviderClass
from parity.services.booking import BookRequest, book_request
from parity.services.compliance_report import build_report
from parity.services.corrective import AddAction, add_action, detect_findings
from parity.services.courses import start_course
from parity.services.investigations import open_finding
from parity.services.offers import AnswerOffer, MakeOffer, answer_offer, make_offer
from parity.services.policy import Policy
from parity.services.reporting import Period, evidence_rows
from parity.services.requests import RequestCare, open_request
from parity.services.schedules import (
    AddException,
    add_availability_exception,
    materialise,
    register_clinician,
    register_clinics,
)
from parity.services.visits import CancelAppointment, cancel_appointment, close_visit
from parity.simulation.region import build_region

LA = ZoneInfo("America/Los_Angeles")
FIRST_WEEK = date(2026, 5, 4)
WEEKS = 8
# The scheduler who records a member's refusal by phone (any clinic's: the store is the
# services' own, scoped by nothing).
SAM = Principal("sam", Role.SCHEDULER)
NOW = datetime(2026, 6, 3, 10, 0, tzinfo=LA)
THIS_WEEK = date(2026, 6, 1)
THERAPIST = "c00001"  # Clinician 1, a therapist at San Diego

REMOTE = (Modality.VIDEO, Modality.PHONE)
IN_PERSON = (Modality.IN_PERSON,)
NAMED = (
    Member("ada", "Ada Lovelace", "san-diego", "english", REMOTE),
    Member("bo", "Bo Diddley", "fontana", "english", IN_PERSON),
    Member("cruz", "Celia Cruz", "downey", "spanish", REMOTE),
    Member("dee", "Dee Dee Bridgewater", "san-diego", "english", REMOTE),
    Member("eve", "Eve Arden", "lancaster", "vietnamese", IN_PERSON),
)
NAMES = (
    "Alma Reyes", "Ben Okafor", "Carla Nguyen", "Dev Patel", "Elena Ruiz", "Farid Haddad",
    "Grace Kim", "Hugo Silva", "Iris Chen", "Jamal Brooks", "Kira Ito", "Luis Ortega",
    "Maya Singh", "Noah Park", "Olga Petrova", "Paul Mensah", "Quinn Avila", "Rosa Lima",
    "Sam Whitaker", "Tara Bose", "Uma Rao", "Victor Moreno", "Wen Li", "Ximena Cruz",
    "Yusuf Ali", "Zoe Martin", "Aaron Cole", "Bianca Ferri", "Caleb Stone", "Dana Wolfe",
)  # fmt: skip
CLINICS = ("san-diego", "downey", "lancaster", "fontana")


@dataclass
class Region:
    store: MemoryUnitOfWork
    clock: SimulatedClock
    policy: Policy
    follow_up_request: int = 0
    violation_request: int = 0
    finding: int = 0


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LA)


class History:
    """Makes the region's past through the services, moving the clock as it goes."""

    def __init__(self, region: Region) -> None:
        self.region = region
        self.store, self.clock, self.policy = region.store, region.clock, region.policy
        self.members = iter(self._members())

    def _members(self) -> Iterator[Member]:
        for n, name in enumerate(NAMES):
            clinic = CLINICS[n % len(CLINICS)]
            modalities = IN_PERSON if clinic == "fontana" else REMOTE
            yield Member(f"m{n + 1:02d}", name, clinic, "english", modalities)

    def remote_member(self) -> Member:
        """The next synthetic member who takes video or phone visits (not Fontana's)."""
        member = next(self.members)
        return member if member.clinic_id != "fontana" else next(self.members)

    def register_members(self) -> None:
        with self.store:
            for member in (*NAMED, *self._members()):
                self.store.members.add(member)
            self.store.commit()

    def request(self, member: Member, when: datetime, **extra: Any) -> int:
        self.clock.set(when)
        cmd = RequestCare(
            member_id=member.id,
            visit=extra.pop("visit", VisitType.INITIAL),
            provider_class=extra.pop("provider_class", ProviderClass.THERAPIST),
            language=member.language,
            modalities=member.modalities,
            clinic_id=member.clinic_id,
            **extra,
        )
        return open_request(cmd, self.store, self.clock, self.policy).id

    def book(self, request_id: int, slot_id: int | None = None) -> int:
        decision = book_request(
            BookRequest(request_id, slot_id, "member"), self.store, self.clock, self.policy
        )
        assert decision.appointment_id is not None, decision.explanation
        return decision.appointment_id

    def free_slot(self, clinician: str, start: datetime, kind: BlockKind) -> int:
        with self.store:
            slots = self.store.slots.for_clinician(clinician, start, start + timedelta(hours=1))
            found = [s for s in slots if s.start == start and s.kind is kind]
            assert found, (clinician, start, kind)
            assert found[0].status is SlotStatus.FREE, (clinician, start, kind)
            return found[0].id

    def timely_month(self) -> None:
        """May's requests at San Diego, Downey and Lancaster, booked at once; the visits
        already past are recorded as kept."""
        for n, day in enumerate(date(2026, 5, d) for d in (5, 6, 7, 8, 11, 12, 13, 14, 18, 19)):
            appointment = self.book(self.request(self.remote_member(), at(day, 9 + n % 6)))
            self.close_if_past(appointment)
        for day in (date(2026, 5, 12), date(2026, 5, 21)):
            urgent = self.request(self.remote_member(), at(day, 14), visit=VisitType.URGENT)
            self.close_if_past(self.book(urgent))

    def close_if_past(self, appointment_id: int) -> None:
        with self.store:
            start = self.store.appointments.get(appointment_id).start
        if start < NOW:
            self.clock.set(start + timedelta(hours=1))
            close_visit(appointment_id, True, self.store)

    def fontana_without_offers(self) -> None:
        """Fontana: eight requests in May nobody offered anything to before their deadline
        (two got a late offer at the end of the month), and three booked in time. The three
        booked in time are therapy; the same members' unanswered first requests were for a
        psychiatrist, so each is a request of its own (asking again for the same care while
        the first request waits would be one request, ADR 0013, 2026-12-07)."""
        fontana = [m for m in self._members() if m.clinic_id == "fontana"] + [NAMED[1]]
        late: list[int] = []
        for n, member in enumerate(fontana[:10]):
            # A psychiatrist's 15 business days from May 4-6 run out before June.
            psychiatry = n in (3, 4, 5)
            kind = ProviderClass.PSYCHIATRIST if psychiatry else ProviderClass.THERAPIST
            day = date(2026, 5, 1 + n) if psychiatry else date(2026, 5, 11 + n % 4)
            late.append(self.request(member, at(day, 8 + n), provider_class=kind))
        for member in fontana[3:6]:
            self.book(self.request(member, at(date(2026, 5, 19), 11)))
        self.region.violation_request = late[0]
        self.clock.set(at(date(2026, 5, 28), 15))
        for request_id in late[-2:]:
            offer = make_offer(
                MakeOffer(
                    request_id, self.slot_at("fontana", BlockKind.INTAKE), "sam", Channel.SMS
                ),
                self.store,
                self.clock,
                self.policy,
            )
            answer_offer(
                AnswerOffer(offer.id, True, self.member_of(offer.request_id)),
                self.store,
                self.clock,
                self.policy,
            )

    def member_of(self, request_id: int) -> Principal:
        """The member a request is for, answering their own offer in the portal."""
        with self.store:
            member = self.store.requests.get(request_id).member_id
        return Principal("member", Role.MEMBER, member)

    def slot_at(self, clinic: str, kind: BlockKind) -> int:
        with self.store:
            for clinician in self.store.clinicians.list():
                if clinic not in clinician.clinic_ids:
                    continue
                for slot in self.store.slots.for_clinician(
                    clinician.id, NOW, NOW + timedelta(days=14)
                ):
                    if slot.kind is kind and slot.status is SlotStatus.FREE:
                        return slot.id
        raise AssertionError(f"no free {kind} slot at {clinic}")

    def ada_in_treatment(self) -> None:
        """Ada's intake with Clinician 1 on Wednesday 27 May, her course of weekly therapy,
        and the follow-up request whose SB 221 clock started at that visit."""
        ada = NAMED[0]
        request = self.request(ada, at(date(2026, 5, 19), 10))
        intake = self.book(
            request, self.free_slot(THERAPIST, at(date(2026, 5, 27), 9), BlockKind.INTAKE)
        )
        self.close_if_past(intake)
        course = Course(
            ada.id, THERAPIST, ProviderClass.THERAPIST, "english", REMOTE, "san-diego", 7, 10, 1
        )
        start_course(course, self.store)
        with self.store:
            prior = self.store.appointments.get(intake)
        self.region.follow_up_request = self.request(
            ada,
            at(date(2026, 5, 28), 10),
            visit=VisitType.FOLLOW_UP,
            preferred_clinician_id=THERAPIST,
            prior_appointment_start=prior.start,
            prior_appointment_id=prior.id,
            course_id=course.id,
        )

    def therapist_week(self) -> None:
        """Two intakes in Clinician 1's week of 1 June and an afternoon of PTO on Friday."""
        for day in (date(2026, 6, 1), date(2026, 6, 2)):
            request = self.request(self.remote_member(), at(date(2026, 5, 29), 9))
            self.book(request, self.free_slot(THERAPIST, at(day, 9), BlockKind.INTAKE))
        self.clock.set(at(date(2026, 6, 1), 8))
        pto = AvailabilityException(
            THERAPIST,
            ExceptionKind.PTO,
            at(date(2026, 6, 5), 13),
            at(date(2026, 6, 5), 17),
            "family",
        )
        add_availability_exception(AddException(pto), self.store, self.policy, self.clock)

    def other_outcomes(self) -> None:
        """A clinic cancellation at Downey, a declined timely offer, a referral out of
        network for Eve (no Vietnamese-speaking clinician), urgent requests, Dee's offer."""
        cruz, dee, eve = NAMED[2], NAMED[3], NAMED[4]
        cancelled = self.book(self.request(cruz, at(date(2026, 5, 20), 9)))
        # The clinic cancels an hour before the visit: a visit that has begun is kept or
        # missed, never cancelled afterwards (docs/adr/0011, twelfth round).
        with self.store:
            visit_start = self.store.appointments.get(cancelled).start
        self.clock.set(visit_start - timedelta(hours=1))
        cancel_appointment(
            CancelAppointment(cancelled, CancelledBy.CLINIC, "clinician ill"),
            self.store,
            self.clock,
        )
        self.clock.set(at(date(2026, 5, 26), 9))
        declined = self.request(self.remote_member(), at(date(2026, 6, 1), 9))
        offer = make_offer(
            MakeOffer(declined, self.slot_at("san-diego", BlockKind.INTAKE), "sam", Channel.PHONE),
            self.store,
            self.clock,
            self.policy,
        )
        answer_offer(
            AnswerOffer(offer.id, False, SAM, Channel.PHONE, "called; member said no"),
            self.store,
            self.clock,
            self.policy,
        )
        referred = book_request(
            BookRequest(self.request(eve, at(date(2026, 6, 1), 11))),
            self.store,
            self.clock,
            self.policy,
        )
        assert referred.action == "referred"
        for hour in (15, 16):
            self.request(self.remote_member(), at(date(2026, 6, 2), hour), visit=VisitType.URGENT)
        pending = self.request(dee, at(date(2026, 6, 2), 12))
        make_offer(
            MakeOffer(pending, self.slot_at("san-diego", BlockKind.INTAKE), "sam", Channel.PHONE),
            self.store,
            self.clock,
            self.policy,
        )

    def plan(self) -> None:
        """The survey finds no breach: on the June survey date every network provider had a
        timely slot free (Fontana had slots; nobody offered them), so the 70 % line the
        regulator judges holds (28 CCR §1300.67.2.2(d), ADR 0013 rule 8). Fontana's May is an
        operational shortfall of the request rate, opened as a finding from its dashboard row
        (ADR 0016): 3 of its 11 decided non-urgent requests were offered in time."""
        self.clock.set(NOW - timedelta(hours=1))
        window = Period(FIRST_WEEK, date(2026, 6, 4))  # survey dates while a schedule exists
        rates = build_report(self.store, self.policy, window, self.clock.now()).survey
        assert not detect_findings(rates, self.store, self.policy, self.clock), rates
        may = Period(date(2026, 5, 1), date(2026, 6, 1))
        rows = evidence_rows(self.store, self.policy, may, self.clock.now())
        # Opened on the Monday after May, its first action due the next day: overdue now.
        self.clock.set(at(date(2026, 6, 1), 9))
        found = open_finding(
            "fontana", "non-urgent", may, rows, self.store, self.policy, self.clock
        )
        self.region.finding = found.id
        add_action(
            AddAction(
                found.id,
                "Add two intake blocks a week at Fontana",
                "Fontana clinic manager",
                date(2026, 6, 2),
            ),
            self.store,
            self.clock,
        )
        self.clock.set(NOW - timedelta(hours=1))


def build(policy: Policy) -> Region:
    store = MemoryUnitOfWork()
    synthetic = build_region(load_region("demo"), policy.contract, scale=1.0, seed=7)
    register_clinics(synthetic.clinics, store)
    for clinician, template in zip(synthetic.clinicians, synthetic.templates, strict=True):
        register_clinician(clinician, template, store, policy)
    materialise(store, policy, FIRST_WEEK, WEEKS)
    region = Region(store, SimulatedClock(at(FIRST_WEEK, 0)), policy)
    history = History(region)
    history.register_members()
    history.timely_month()
    history.fontana_without_offers()
    history.ada_in_treatment()
    history.therapist_week()
    history.other_outcomes()
    history.plan()
    region.clock.set(NOW)
    return region
