"""The ports services depend on; adapters implement them (in memory, SQL, ...)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from parity.domain.audit import AuditEvent, AuditSearch
from parity.domain.audit_query import AuditPage, AuditQuery
from parity.domain.availability import SlotQuery
from parity.domain.care import (
    Appointment,
    CareRequest,
    ClinicalException,
    Course,
    LaterDate,
    Offer,
    Referral,
)
from parity.domain.corrective import Action, Finding
from parity.domain.holds import Hold
from parity.domain.member_lookup import MemberPage, MemberQuery
from parity.domain.members import Member
from parity.domain.messages import Message
from parity.domain.schedule import (
    AvailabilityException,
    IpcWeek,
    ProtectedTime,
    Slot,
    SlotStatus,
    WeeklyTemplate,
)
from parity.domain.scope import MemberScope
from parity.domain.users import User
from parity.domain.waitlist import WaitlistEntry
from parity.domain.workforce import Clinic, Clinician

T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class Repository(Protocol[T]):
    def add(self, item: T) -> T:
        """Store `item`, giving it an id if it has none, and return it."""
        ...

    def get(self, key: Any) -> T:
        """Return the item or raise `NotFound`."""
        ...

    def list(self) -> Sequence[T]: ...

    def many(self, keys: Iterable[Any]) -> dict[Any, T]:
        """The items of these keys that exist, by key (one query, not one per key)."""
        ...

    def where(self, **criteria: Any) -> Sequence[T]:
        """Items whose attributes equal every criterion."""
        ...

    def due(self, field: str, moment: Any, **criteria: Any) -> Sequence[T]:
        """Items whose `field` is at or before `moment` and whose attributes equal every
        criterion (one indexed query: the active holds that ran out)."""
        ...

    def save(self, item: T) -> None:
        """Persist changes to an item already added (a no-op where objects are live)."""
        ...


class SlotRepository(Protocol):
    def add_many(self, slots: Iterable[Slot], clinician: Clinician) -> None: ...

    def get(self, slot_id: int) -> Slot: ...

    def earliest(self, query: SlotQuery) -> Slot | None: ...

    def candidates(self, query: SlotQuery, limit: int) -> list[Slot]: ...

    def take(self, slot_id: int, status: SlotStatus = SlotStatus.BUSY) -> Slot:
        """Atomically move a free slot to `status` (busy or held), or raise `SlotUnavailable`."""
        ...

    def confirm(self, slot_id: int) -> Slot:
        """Turn a held slot busy (a hold becoming a booking), or raise `SlotUnavailable`."""
        ...

    def release(self, slot_id: int) -> None:
        """Make a busy or held slot free again."""
        ...

    def for_clinician(self, clinician_id: str, start: datetime, end: datetime) -> list[Slot]: ...

    def free_between(self, start: datetime, end: datetime) -> list[Slot]:
        """Every free slot starting in [start, end), by start then id."""
        ...

    def count(self) -> int: ...


class ProtectedTimeRepository(Protocol):
    def add_many(self, blocks: Iterable[ProtectedTime]) -> None: ...

    def overlapping(
        self, clinician_id: str, start: datetime, end: datetime
    ) -> list[ProtectedTime]: ...


class IpcLedger(Protocol):
    def record(self, week: IpcWeek) -> None: ...

    def weeks(self, start: date | None = None, end: date | None = None) -> list[IpcWeek]: ...

    def has(self, clinician_id: str, week_start: date) -> bool: ...


class LaterDates(Protocol):
    """Every later date a member gave, as recorded: append-only, never changed or removed
    (docs/adr/0013, 2026-12-08)."""

    def append(self, given: LaterDate) -> LaterDate:
        """Keep `given`; the record kept, with the id the store gave it."""
        ...

    def of(self, request_ids: Collection[int]) -> dict[int, list[LaterDate]]:
        """The later dates of these requests, each request's in the order recorded (when
        recorded, then id); a request with none is absent."""
        ...


# -- users and the audit trail (ADR 0008) ----------------------------------------------------


class UserRepository(Protocol):
    def add(self, user: User) -> User:
        """Store a new user (its id given by the store), or refuse a taken user name."""
        ...

    def by_username(self, username: str) -> User | None: ...

    def list(self) -> Sequence[User]: ...


class AuditTrail(Protocol):
    """Append-only: there is no way to change or remove an event once written."""

    def append(self, event: AuditEvent) -> AuditEvent: ...

    def search(self, search: AuditSearch, limit: int) -> list[AuditEvent]:
        """Matching events, newest first, at most `limit`."""
        ...


class MemberScopes(Protocol):
    def admitted(self, scope: MemberScope, member_ids: Collection[str]) -> frozenset[str]:
        """The members among `member_ids` that `scope` admits, decided by the store itself
        (a query in SQL) from the same facts `MemberScope.admits` reads (ADR 0012)."""
        ...


class RevokedTokens(Protocol):
    """Tokens signed out before their expiry, remembered until they would have expired."""

    def revoke(self, jti: str, expires_at: datetime) -> None: ...

    def is_revoked(self, jti: str) -> bool: ...


class LoginAttempts(Protocol):
    """Login attempts per key and fixed window, counted atomically before the password is
    checked, so concurrent guesses and worker processes share one count."""

    def reserve(self, key: str, window_start: datetime) -> int:
        """Count one more attempt; the count including it."""
        ...

    def clear(self, key: str, window_start: datetime) -> None: ...


class MemberFinder(Protocol):
    def find(self, query: MemberQuery, scope: MemberScope, offset: int, count: int) -> MemberPage:
        """One page (`offset`, `count`) of the members in `scope` that `query` matches, in
        id order, and how many there are in all."""
        ...


class AuditReader(Protocol):
    def get(self, event_id: int) -> AuditEvent:
        """One event, or `NotFound`."""
        ...

    def page(self, query: AuditQuery, offset: int, count: int) -> AuditPage:
        """One page of the events `query` matches, newest first, and their number."""
        ...


@dataclass(frozen=True, slots=True)
class RecordStamp:
    """How many times a stored record has been written (1 when added) and when it last was:
    FHIR's `meta.versionId` and `meta.lastUpdated` (docs/adr/0015)."""

    version: int
    last_updated: datetime | None


class RecordStamps(Protocol):
    def of(self, kind: str, keys: Collection[Any], lock: bool = False) -> dict[Any, RecordStamp]:
        """The stamps of the records of `kind` (a repository's name: `appointments`,
        `requests`, `slots`, ...) with these keys; `lock` keeps them from changing until
        the transaction ends (a version-aware update checks and writes in one transaction)."""
        ...


class UnitOfWork(Protocol):
    @property
    def clinics(self) -> Repository[Clinic]: ...

    @property
    def clinicians(self) -> Repository[Clinician]: ...

    @property
    def members(self) -> Repository[Member]: ...

    @property
    def holds(self) -> Repository[Hold]: ...

    @property
    def templates(self) -> Repository[WeeklyTemplate]: ...

    @property
    def availability_exceptions(self) -> Repository[AvailabilityException]: ...

    @property
    def slots(self) -> SlotRepository: ...

    @property
    def protected(self) -> ProtectedTimeRepository: ...

    @property
    def ipc_ledger(self) -> IpcLedger: ...

    @property
    def requests(self) -> Repository[CareRequest]: ...

    @property
    def offers(self) -> Repository[Offer]: ...

    @property
    def appointments(self) -> Repository[Appointment]: ...

    @property
    def referrals(self) -> Repository[Referral]: ...

    @property
    def later_dates(self) -> LaterDates: ...

    @property
    def clinical_exceptions(self) -> Repository[ClinicalException]: ...

    @property
    def courses(self) -> Repository[Course]: ...

    @property
    def findings(self) -> Repository[Finding]: ...

    @property
    def actions(self) -> Repository[Action]: ...

    # -- users and the audit trail --
    @property
    def users(self) -> UserRepository: ...

    @property
    def audit_events(self) -> AuditTrail: ...

    # -- member look-up (docs/adr/0015) --
    @property
    def member_search(self) -> MemberFinder: ...

    @property
    def audit_reader(self) -> AuditReader: ...

    # -- the waitlist and the messages outbox --
    @property
    def waitlist(self) -> Repository[WaitlistEntry]: ...

    @property
    def messages(self) -> Repository[Message]: ...

    @property
    def member_scopes(self) -> MemberScopes: ...

    @property
    def revoked_tokens(self) -> RevokedTokens: ...

    @property
    def login_attempts(self) -> LoginAttempts: ...

    @property
    def stamps(self) -> RecordStamps: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


# -- password hashing (ADR 0008) ---------------------------------------------------------------


class Passwords(Protocol):
    def hash(self, password: str) -> str: ...

    def matches(self, stored_hash: str | None, password: str) -> bool:
        """Whether `password` is the one hashed; with no hash, as slow as a real check."""
        ...
