"""The two booking policies a simulation runs under (ADR 0014).

`status-quo` is what the plan did before Parity: the earliest in-network slot even when it
is late (the late offer is recorded, so it is a violation), the next visit of a course at
the first free time of the member's own clinician (so cadence stretches when calendars are
full), a limited number of places with outside therapists a week (with their own wait),
and members who give up when the wait is long. `parity` is Parity's own engine: never
late, refer out of network, and clinical exceptions only when a simulated clinician
documents one (at the region's estimated rate), through the service, as that clinician.

Every behavioural figure comes from the region file's `[status_quo]` and `[parity]`
tables, each with its source or marked ESTIMATE / FITTED.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, TypeVar, get_type_hints

from parity.adapters.rules_files import RegionSpec
from parity.domain.calendar import end_of_local_day, local_date
from parity.domain.care import Appointment, CareRequest, Course, Decision
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.schedule import BlockKind
from parity.domain.standards import AccessStandard, VisitType
from parity.domain.users import Principal, Role
from parity.domain.workforce import ProviderClass
from parity.services.booking import BookRequest, book_in, book_request
from parity.services.courses import follow_up_request
from parity.services.policy import Policy
from parity.services.requests import (
    RecordClinicalException,
    ReferOutOfNetwork,
    RequestCare,
    document_exception,
    new_request,
    refer_out_of_network,
)
from parity.services.status_quo import (
    BookEarliest,
    book_earliest,
    book_earliest_in,
    earliest_in_network,
)
from parity.simulation.keyed_draws import Purpose

HORIZON_WEEKS_AHEAD = 26


class BookingPolicy(StrEnum):
    STATUS_QUO = "status-quo"
    PARITY = "parity"


@dataclass(frozen=True)
class StatusQuoBehaviour:
    outside_episodes_per_week_per_fte: float
    outside_wait_business_days: int
    give_up_business_days: float
    intakes_in_follow_up_slots: bool
    # A course whose first follow-up would be late goes to an outside therapist after the
    # plan's own intake, while the week's outside places last.
    outside_courses_after_intake: bool


@dataclass(frozen=True)
class ParityBehaviour:
    exception_rate: float
    exception_slack_business_days: int
    window_cap_days: int


Behaviour = TypeVar("Behaviour", StatusQuoBehaviour, ParityBehaviour)


def _behaviour(kind: type[Behaviour], table: Mapping[str, Any]) -> Behaviour:
    """A behaviour read from its region table: each field by its name, as its type."""
    types = get_type_hints(kind)
    return kind(**{f.name: types[f.name](table[f.name]) for f in fields(kind)})


def status_quo_behaviour(spec: RegionSpec) -> StatusQuoBehaviour:
    return _behaviour(StatusQuoBehaviour, spec.status_quo)


def parity_behaviour(spec: RegionSpec) -> ParityBehaviour:
    return _behaviour(ParityBehaviour, spec.parity)


class Host(Protocol):
    """What a booker needs from the running simulation."""

    @property
    def uow(self) -> UnitOfWork: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def policy(self) -> Policy: ...

    def give_up_later(self, appointment_id: int, starts_at: datetime) -> None: ...

    def draw(self, purpose: Purpose, request_id: int) -> float:
        """The next uniform of `purpose` for the episode of the request (keyed_draws.py)."""
        ...

    def count_outside(self, request_id: int, gave_up: bool = False) -> None: ...

    def track(self, request_id: int) -> None: ...


def next_visit(
    course: Course, prior: Appointment, rescheduled_at: datetime | None
) -> tuple[datetime, datetime]:
    """The next visit's clock start and the time it is wanted: after a member's
    reschedule, now for both; else the prior visit, and a cadence after it."""
    if rescheduled_at is not None:
        return rescheduled_at, rescheduled_at
    return prior.start, prior.start + timedelta(days=course.cadence_days)


def asked_next(course: Course, prior: Appointment, when: tuple[datetime, datetime]) -> RequestCare:
    """The course's next request (clock start, wanted from). A booker opens and books a
    request in one unit of work: the same records, stamps and ids as two, without a second
    transaction and its snapshot of the request (ADR 0014, speed, third pass); it tracks
    the request to its episode once committed."""
    clock_start, wanted = when
    return follow_up_request(course, prior, wanted, clock_start)


Booked = TypeVar("Booked")


def open_and_book(
    host: Host, asked: RequestCare, book: Callable[[CareRequest], Booked]
) -> tuple[CareRequest, Booked]:
    """Open the request and `book` it in the same unit of work, commit, and track the
    request to its episode: each booker's frame around its own way of booking."""
    uow = host.uow
    with uow:
        request = new_request(asked, uow, host.clock, host.policy)
        booked = book(request)
        uow.commit()
    host.track(request.id)
    return request, booked


class ParityBooker:
    """Parity's own rules: a timely slot or an out-of-network referral, never a late booking."""

    def __init__(self, host: Host, behaviour: ParityBehaviour) -> None:
        self.host = host
        self.behaviour = behaviour
        self.documents: dict[int, bool] = {}  # course id -> its clinician documents exceptions
        self._standards: dict[ProviderClass, AccessStandard] = {}
        self.exceptions = 0

    def new_week(self) -> None:
        """Nothing to reset: the law's outside capacity is not limited."""

    def open_first(self, asked: RequestCare) -> Decision | None:
        """Open an episode's first request and book it, in one unit of work."""
        return self._open_and_book(asked, None)

    def _open_and_book(
        self, asked: RequestCare, documented: tuple[Course, datetime] | None
    ) -> Decision | None:
        """Open the request, record the clinician's exception when `documented` (its
        course and the time wanted), and book it: one unit of work."""
        host = self.host

        def book(request: CareRequest) -> Decision | None:
            if documented is not None:
                self._document(*documented, request)
            return book_in(BookRequest(request.id), host.uow, host.clock, host.policy)

        decision = open_and_book(host, asked, book)[1]
        self.exceptions += documented is not None
        return decision

    def rebook(self, request_id: int) -> Decision | None:
        host = self.host
        return book_request(BookRequest(request_id), host.uow, host.clock, host.policy)

    def follow_up(
        self, course: Course, prior: Appointment, rescheduled_at: datetime | None
    ) -> Decision | None:
        clock_start, wanted = next_visit(course, prior, rescheduled_at)
        deadline = self._deadline(course, clock_start)
        document = wanted > deadline and self._documents(course, prior.request_id)
        if wanted > deadline and not document:
            # Offered inside the window until a clinician documents an exception.
            wanted = max(clock_start, min(wanted, prior.start + self._cap))
        asked = asked_next(course, prior, (clock_start, wanted))
        return self._open_and_book(asked, (course, wanted) if document else None)

    @property
    def _cap(self) -> timedelta:
        return timedelta(days=self.behaviour.window_cap_days)

    def _deadline(self, course: Course, clock_start: datetime) -> datetime:
        rules = self.host.policy.rules
        standard = self._standards.get(course.provider_class)
        if standard is None:  # looked up once per class: the rule file does not change
            standard = rules.standard_for(VisitType.FOLLOW_UP, course.provider_class)
            self._standards[course.provider_class] = standard
        return rules.deadline(standard, clock_start)

    def _documents(self, course: Course, request_id: int) -> bool:
        """Whether the course's clinician documents exceptions: drawn once, for its episode."""
        if course.id not in self.documents:
            drawn = self.host.draw(Purpose.EXCEPTION, request_id)
            self.documents[course.id] = drawn < self.behaviour.exception_rate
        return self.documents[course.id]

    def _document(self, course: Course, wanted: datetime, request: CareRequest) -> None:
        """The treating clinician records, under their own name, that the longer wait of the
        course's cadence will not harm the member (28 CCR §1300.67.2.2(c)(5)(G)), inside the
        follow-up's transaction."""
        host = self.host
        tz = host.policy.rules.timezone
        due = host.policy.rules.calendar.add_business_days(
            local_date(wanted, tz), self.behaviour.exception_slack_business_days
        )
        reason = f"clinically appropriate cadence of {course.cadence_days} days"
        # The simulated clinician signs in as themselves: the service checks they treat
        # the member, exactly as it does for a real therapist's session.
        clinician = Principal(course.clinician_id, Role.THERAPIST, clinician_id=course.clinician_id)
        document_exception(
            RecordClinicalException(request.id, clinician, reason, end_of_local_day(due, tz)),
            host.uow,
            host.clock,
        )


class StatusQuoBooker:
    """The plan's practice before Parity (see the module docstring)."""

    def __init__(self, host: Host, behaviour: StatusQuoBehaviour, fte: float) -> None:
        self.host = host
        self.behaviour = behaviour
        self.per_week = behaviour.outside_episodes_per_week_per_fte * fte
        self.outside_places = self.per_week
        self.horizon = timedelta(weeks=HORIZON_WEEKS_AHEAD)

    def new_week(self) -> None:
        """Outside places are a weekly flow: unused places do not carry over."""
        self.outside_places = self.per_week

    def open_first(self, asked: RequestCare) -> Decision | None:
        """Open an episode's first request and book it; sent to an outside therapist when
        it would be late and the week has an outside place left."""
        reason = "no timely in-network slot: placed with an outside therapist"
        return self._open_and_book(asked, self.outside_places >= 1, reason)

    def rebook(self, request_id: int) -> Decision | None:
        host = self.host
        with host.uow:
            deadline = host.uow.requests.get(request_id).effective_deadline
        return self._book_late(request_id, deadline)

    def follow_up(
        self, course: Course, prior: Appointment, rescheduled_at: datetime | None
    ) -> Decision | None:
        asked = asked_next(course, prior, next_visit(course, prior, rescheduled_at))
        reason = "course placed with an outside therapist after intake"
        return self._open_and_book(asked, self._after_intake(course, rescheduled_at), reason)

    def _open_and_book(
        self, asked: RequestCare, may_go_outside: bool, reason: str
    ) -> Decision | None:
        """Open the request and book the earliest slot, late or not, in one unit of work;
        or, when it `may_go_outside` and would be late, send it out once it is opened."""
        host = self.host

        def book(request: CareRequest) -> tuple[bool, Decision | None]:
            if may_go_outside and self._late(request):
                return True, None
            earliest = BookEarliest(request.id, self.horizon)
            return False, book_earliest_in(earliest, host.uow, host.clock, host.policy)

        request, (outside, decision) = open_and_book(host, asked, book)
        if outside:
            self.outside_places -= 1
            return self._refer(request.id, reason)
        return self._booked_late(request.id, request.effective_deadline, decision)

    def _after_intake(self, course: Course, rescheduled_at: datetime | None) -> bool:
        """The course's first follow-up, asked for after the intake visit, with an outside
        place left this week (the plan's practice of assessing in network and sending the
        therapy out when its own calendars were full; ADR 0014)."""
        return (
            self.behaviour.outside_courses_after_intake
            and course.sessions_done == 1
            and rescheduled_at is None
            and self.outside_places >= 1
        )

    def _late(self, request: CareRequest) -> bool:
        """The earliest in-network slot is past the deadline, or there is none (a read
        inside the caller's transaction)."""
        host = self.host
        now = host.clock.now()
        slot = earliest_in_network(request, host.uow, host.policy, now, self.horizon)
        return slot is None or slot.start > request.effective_deadline

    def _book_late(self, request_id: int, deadline: datetime) -> Decision | None:
        host = self.host
        decision = book_earliest(
            BookEarliest(request_id, self.horizon), host.uow, host.clock, host.policy
        )
        return self._booked_late(request_id, deadline, decision)

    def _booked_late(
        self, request_id: int, deadline: datetime, decision: Decision | None
    ) -> Decision | None:
        """After the earliest booking: referred when the horizon held nothing; a member
        offered a late visit may give up while waiting."""
        host = self.host
        if decision is None:  # nothing at all within the horizon
            return self._refer(request_id, "no in-network slot within the booking horizon")
        starts, appointment_id = decision.starts_at, decision.appointment_id
        if starts is None or appointment_id is None or starts <= deadline:
            return decision
        if host.draw(Purpose.GIVE_UP, request_id) < self.give_up_probability(deadline, starts):
            host.give_up_later(appointment_id, starts)
        return decision

    def give_up_probability(self, deadline: datetime, starts: datetime) -> float:
        """A member offered a visit d business days past the standard gives up with
        probability 1 - exp(-d / give_up_business_days)."""
        rules = self.host.policy.rules
        tz = rules.timezone
        late = rules.calendar.business_days_between(
            local_date(deadline, tz), local_date(starts, tz)
        )
        return 1 - math.exp(-max(0, late) / self.behaviour.give_up_business_days)

    def _refer(self, request_id: int, reason: str) -> Decision | None:
        """Refer out; the outside therapist has its own wait, which some members give up on."""
        host = self.host
        referral = refer_out_of_network(
            ReferOutOfNetwork(request_id, reason, "scheduler"), host.uow, host.clock
        )
        rules = host.policy.rules
        tz = rules.timezone
        first_visit = rules.calendar.add_business_days(
            local_date(referral.created_at, tz), self.behaviour.outside_wait_business_days
        )
        with host.uow:
            deadline = host.uow.requests.get(request_id).effective_deadline
        gave_up = host.draw(Purpose.GIVE_UP, request_id) < self.give_up_probability(
            deadline, end_of_local_day(first_visit, tz)
        )
        host.count_outside(request_id, gave_up)
        return None


Booker = ParityBooker | StatusQuoBooker


def policy_for(name: BookingPolicy, spec: RegionSpec, policy: Policy) -> Policy:
    """Under the status quo an initial visit may take a follow-up slot when the region's
    behaviour says the plan put intakes first; Parity keeps follow-up slots for follow-ups."""
    if (
        name is not BookingPolicy.STATUS_QUO
        or not status_quo_behaviour(spec).intakes_in_follow_up_slots
    ):
        return policy
    kinds = tuple(
        (visit, (*blocks, BlockKind.FOLLOW_UP) if visit is VisitType.INITIAL else blocks)
        for visit, blocks in policy.slot_kinds
    )
    return replace(policy, slot_kinds=kinds)


def booker_for(name: BookingPolicy, host: Host, spec: RegionSpec, fte: float) -> Booker:
    if name is BookingPolicy.STATUS_QUO:
        return StatusQuoBooker(host, status_quo_behaviour(spec), fte)
    return ParityBooker(host, parity_behaviour(spec))


def describe(booker: Booker) -> dict[str, Any]:
    return {"exceptions_documented": getattr(booker, "exceptions", 0)}
