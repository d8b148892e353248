"""The optimizer's snapshot and its answer: frozen data, no behaviour beyond derived figures.

A `Problem` is everything `solve` may look at: the open requests, the free slots, the
bookings that are pinned (never moved), the clinicians' protected IPC time and PTO, the
business calendar and the weights. Nothing here reads a clock or a database; the caller
(a service, the simulator, a benchmark) builds the snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from parity.domain.availability import SlotQuery
from parity.domain.calendar import BusinessCalendar
from parity.domain.errors import InvalidInput
from parity.domain.schedule import BlockKind, ProtectedTime
from parity.domain.standards import VisitType
from parity.domain.workforce import Clinic, Clinician, Modality
from parity.optimizer.weights import Limits, Weights


class DayPart(StrEnum):
    """A member's preferred time of day, on the clinic's local clock."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


@dataclass(frozen=True, slots=True)
class OptimizerRequest:
    """An open care request as the optimizer sees it.

    `wants` is what the request can accept, as the booking engine asks the availability
    index for it: the slot kinds the visit may use (the policy's `kinds_for(visit)`), the
    provider class, language, modalities and clinic, from `not_before` (the minimum notice
    included) to the last start the engine books the request at: the effective deadline (a
    documented clinical exception moves it), or the window a member's own later date or a
    declined timely offer opens after it (docs/adr/0013, "2026-12-07 (night)"); its
    `clinician_id` stays None: the member's own clinician is a preference here, not a
    filter. `offered_slot_id` is an appointment already offered but not yet pinned: moving
    it is allowed, at a soft cost.
    """

    id: int
    member_id: str
    visit: VisitType
    wants: SlotQuery
    preferred_clinician_id: str | None = None
    preferred_parts: frozenset[DayPart] = frozenset()
    offered_slot_id: int | None = None
    course_id: int | None = None
    course_sequence: int = 0

    @property
    def deadline(self) -> datetime:
        """The end of the request's window: the last start the engine would book."""
        return self.wants.not_after


@dataclass(frozen=True, slots=True)
class OptimizerSlot:
    """A free bookable slot of one clinician at one clinic."""

    id: int
    clinician_id: str
    clinic_id: str
    start: datetime
    end: datetime
    kind: BlockKind


@dataclass(frozen=True, slots=True)
class PinnedBooking:
    """An existing booking the optimizer must leave where it is; it still counts against the
    member's same-day limit and course spacing, and its slot is not free."""

    slot_id: int
    member_id: str
    clinician_id: str
    start: datetime
    end: datetime
    course_id: int | None = None


@dataclass(frozen=True, slots=True)
class Absence:
    """Paid time off: no slot of the clinician that overlaps it may be booked."""

    clinician_id: str
    start: datetime
    end: datetime
    reason: str = "pto"


@dataclass(frozen=True)
class Problem:
    """The snapshot `solve` works on. All instants are aware; rules use `timezone` dates.

    Ids are unique; every slot's clinician and clinic, and every request's clinic, are in
    the snapshot; one clinician's free slots never overlap (templates never do).
    """

    now: datetime
    timezone: ZoneInfo
    calendar: BusinessCalendar
    clinics: tuple[Clinic, ...]
    clinicians: tuple[Clinician, ...]
    slots: tuple[OptimizerSlot, ...]
    requests: tuple[OptimizerRequest, ...]
    weights: Weights
    limits: Limits
    pinned: tuple[PinnedBooking, ...] = ()
    protected: tuple[ProtectedTime, ...] = ()
    absences: tuple[Absence, ...] = ()

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise InvalidInput("the optimizer's `now` must carry a time zone")
        for name, ids in (
            ("request", [r.id for r in self.requests]),
            ("slot", [s.id for s in self.slots]),
        ):
            if len(set(ids)) != len(ids):
                raise InvalidInput(f"optimizer problem: {name} ids must be unique")
        clinicians = {c.id for c in self.clinicians}
        clinics = {c.id for c in self.clinics}
        unknown = sorted(
            {s.clinician_id for s in self.slots} - clinicians
            | ({s.clinic_id for s in self.slots} | {r.wants.clinic_id for r in self.requests})
            - clinics
        )
        if unknown:
            raise InvalidInput(f"optimizer problem: unknown clinician or clinic {unknown[0]!r}")


@dataclass(frozen=True, slots=True)
class Assignment:
    """A request placed in a slot; `timely` is False only for a late proposal."""

    request_id: int
    slot_id: int
    clinician_id: str
    clinic_id: str
    start: datetime
    modality: Modality
    timely: bool = True
    business_days_late: int = 0


class UnplacedReason(StrEnum):
    """Why a request has no timely slot, from the most to the least structural cause."""

    NO_MATCHING_CLINICIAN = "no-matching-clinician"
    NO_FREE_SLOT_BEFORE_DEADLINE = "no-free-slot-before-deadline"
    EXCLUDED_BY_MEMBER_VISITS = "excluded-by-member-visits"
    TAKEN_BY_EARLIER_DEADLINES = "taken-by-earlier-deadlines"
    NEEDED_BY_OTHER_REQUESTS = "needed-by-other-requests"
    SEARCH_LIMIT = "search-limit"


@dataclass(frozen=True, slots=True)
class Unplaced:
    """A request left without a timely slot, and the evidence for why."""

    request_id: int
    reason: UnplacedReason
    message: str
    feasible_slots: int = 0
    taken_by_earlier_deadlines: int = 0
    taken_by_later_deadlines: int = 0
    late_proposal_slot_id: int | None = None


@dataclass(frozen=True)
class SolveStats:
    """Where the time went and how big the models were."""

    seconds: dict[str, float] = field(default_factory=dict)
    flow_nodes: int = 0
    flow_arcs: int = 0
    request_classes: int = 0
    repaired_requests: int = 0
    cp_sat_status: str = "not-needed"


@dataclass(frozen=True)
class Solution:
    """Timely assignments, late proposals, the unplaced with reasons, and the exact bound."""

    assignments: tuple[Assignment, ...]
    unplaced: tuple[Unplaced, ...]
    bound: int
    penalties: dict[str, int]
    stats: SolveStats

    @property
    def placed(self) -> int:
        """Requests placed before their deadline: the figure the law measures."""
        return sum(1 for a in self.assignments if a.timely)

    @property
    def gap(self) -> float:
        """How far `placed` is below the bound, as a share of the bound (0.0 = optimal)."""
        return (self.bound - self.placed) / self.bound if self.bound else 0.0
