"""The SQL unit of work: one connection and one transaction per `with uow:` block.

As with the in-memory one, nothing is committed until `commit()`, and leaving the block
without committing rolls back. A unit of work belongs to one thread at a time; concurrent
callers each use their own (they are cheap: the engine pools connections).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Self

from sqlalchemy import Connection, Engine

from parity.adapters.sql import direct, mapping, read_ahead
from parity.adapters.sql.audit_search import SqlAuditReader
from parity.adapters.sql.held_saves import HeldSaves
from parity.adapters.sql.later_dates import SqlLaterDates
from parity.adapters.sql.member_search import SqlMemberSearch
from parity.adapters.sql.own_repositories import (
    DueHolds,
    SqlClinicians,
    SqlHolds,
    SqlIpcLedger,
    SqlProtectedTime,
)
from parity.adapters.sql.repositories import SqlRepository
from parity.adapters.sql.scope import SqlMemberScopes
from parity.adapters.sql.security import (
    USERS,
    SqlAuditTrail,
    SqlLoginAttempts,
    SqlRevokedTokens,
    SqlUsers,
)
from parity.adapters.sql.slots import SqlSlots
from parity.adapters.sql.stamps import Seen, SqlStamps
from parity.domain.audit import write_pending
from parity.domain.care import Appointment, CareRequest, ClinicalException, Course, Offer, Referral
from parity.domain.corrective import Action, Finding
from parity.domain.members import Member
from parity.domain.messages import Message
from parity.domain.ports import UnitOfWork
from parity.domain.revocation import SIGNED_OUT, TOKEN_CHECK, TokenCheck, check_token
from parity.domain.schedule import AvailabilityException, WeeklyTemplate
from parity.domain.users import NotAuthenticated
from parity.domain.waitlist import WaitlistEntry
from parity.domain.workforce import Clinic


@dataclass(slots=True)
class PendingCheck:
    """The request's token, to be checked against the deny list (docs/adr/0012) before a
    transaction's first statement, or by it (`SqlUnitOfWork.read_ahead`), or as the block
    ends if it ran none (docs/adr/0017-booking-api-speed.md, seventh round). Armed as each
    transaction begins; whichever statement goes first takes it."""

    armed: bool = False

    def take(self) -> TokenCheck | None:
        """The check the next statement must ask, if the request has one left to ask; no
        longer pending either way."""
        if not self.armed:
            return None
        self.armed = False
        check = TOKEN_CHECK.get()
        return check if check is not None and not check.done and check.jti is not None else None

    def give_back(self, check: TokenCheck | None) -> None:
        """A statement that was to ask `check` did not (it failed, or found nothing): the
        next one asks it."""
        if check is not None:
            self.armed = True

    def waiting(self) -> bool:
        """Whether a check is pending that no statement has asked yet."""
        return self.armed and _token_to_check()


class SqlUnitOfWork:
    """Repositories are made on first use: a request opens several units of work and
    touches a few of their two dozen repositories (docs/adr/0017-booking-api-speed.md)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._open = False
        self._connection: Connection | None = None
        self._token = PendingCheck()
        self._saves = HeldSaves()  # a save held for the next save (`HeldSaves`)

    @cached_property
    def clinics(self) -> SqlRepository[Clinic]:
        return SqlRepository[Clinic](self._current, mapping.CLINICS)

    @cached_property
    def clinicians(self) -> SqlClinicians:
        return SqlClinicians(self._current, mapping.CLINICIANS)

    @cached_property
    def members(self) -> SqlRepository[Member]:
        return SqlRepository[Member](self._current, mapping.MEMBERS)

    @cached_property
    def holds(self) -> SqlHolds:
        return SqlHolds(self._current, mapping.HOLDS, self._moving, self._saves)

    @cached_property
    def due_holds(self) -> DueHolds:
        """A `$hold` read-ahead's part for the holds' earliest expiry (`SqlHolds`)."""
        return DueHolds(self.holds)

    @cached_property
    def templates(self) -> SqlRepository[WeeklyTemplate]:
        return SqlRepository[WeeklyTemplate](self._current, mapping.TEMPLATES)

    @cached_property
    def availability_exceptions(self) -> SqlRepository[AvailabilityException]:
        return SqlRepository[AvailabilityException](self._current, mapping.AVAILABILITY_EXCEPTIONS)

    @cached_property
    def slots(self) -> SqlSlots:
        return SqlSlots(self._current, lambda row: self.clinicians.note_read(row))

    @cached_property
    def protected(self) -> SqlProtectedTime:
        return SqlProtectedTime(self._current)

    @cached_property
    def ipc_ledger(self) -> SqlIpcLedger:
        return SqlIpcLedger(self._current)

    @cached_property
    def requests(self) -> SqlRepository[CareRequest]:
        return SqlRepository[CareRequest](
            self._current, mapping.REQUESTS, self._moving, self._saves
        )

    @cached_property
    def offers(self) -> SqlRepository[Offer]:
        return SqlRepository[Offer](self._current, mapping.OFFERS, self._moving)

    @cached_property
    def appointments(self) -> SqlRepository[Appointment]:
        return SqlRepository[Appointment](self._current, mapping.APPOINTMENTS)

    @cached_property
    def referrals(self) -> SqlRepository[Referral]:
        return SqlRepository[Referral](self._current, mapping.REFERRALS)

    @cached_property
    def later_dates(self) -> SqlLaterDates:  # docs/adr/0013, 2026-12-08
        return SqlLaterDates(self._current)

    @cached_property
    def clinical_exceptions(self) -> SqlRepository[ClinicalException]:
        return SqlRepository[ClinicalException](self._current, mapping.CLINICAL_EXCEPTIONS)

    @cached_property
    def courses(self) -> SqlRepository[Course]:
        return SqlRepository[Course](self._current, mapping.COURSES)

    @cached_property
    def findings(self) -> SqlRepository[Finding]:
        return SqlRepository[Finding](self._current, mapping.FINDINGS)

    @cached_property
    def actions(self) -> SqlRepository[Action]:
        return SqlRepository[Action](self._current, mapping.ACTIONS)

    @cached_property
    def users(self) -> SqlUsers:
        return SqlUsers(self._current, USERS)

    @cached_property
    def audit_events(self) -> SqlAuditTrail:
        return SqlAuditTrail(self._current)

    @cached_property
    def waitlist(self) -> SqlRepository[WaitlistEntry]:
        return SqlRepository[WaitlistEntry](self._current, mapping.WAITLIST)

    @cached_property
    def messages(self) -> SqlRepository[Message]:
        return SqlRepository[Message](self._current, mapping.MESSAGES)

    @cached_property
    def member_search(self) -> SqlMemberSearch:  # ADR 0015
        return SqlMemberSearch(self._current)

    @cached_property
    def audit_reader(self) -> SqlAuditReader:
        return SqlAuditReader(self._current)

    @cached_property
    def member_scopes(self) -> SqlMemberScopes:  # ADR 0012: scopes decided in SQL
        return SqlMemberScopes(self._current)

    @cached_property
    def revoked_tokens(self) -> SqlRevokedTokens:
        return SqlRevokedTokens(self._current)

    @cached_property
    def login_attempts(self) -> SqlLoginAttempts:
        return SqlLoginAttempts(self._current)

    @cached_property
    def stamps(self) -> SqlStamps:  # ADR 0015: versionId and lastUpdated
        return SqlStamps(self._current, self._seen)

    def _seen(self, kind: str) -> Seen | None:
        """The repository of `kind` (`stamps.KINDS` names them as the attributes here), if
        this unit of work has made it: it knows the stamps of what it read and wrote."""
        found = vars(self).get(kind)
        return found if isinstance(found, SqlRepository | SqlSlots) else None

    def _current(self) -> Connection:
        """The block's connection, taken from the pool by its first statement: a block
        that runs none (a route's transaction restarted after its commit, with nothing
        left to do) never takes one (docs/adr/0017-booking-api-speed.md)."""
        if self._connection is None:
            if not self._open:
                raise RuntimeError("use the unit of work inside `with uow:`")
            self._connection = self.engine.connect()
        if self._token.take() is not None:
            check_token(self.revoked_tokens)  # a signed-out token reads and writes nothing
        moving = self._moving()
        if moving is not None and moving.pending():
            moving.flush()  # a slot's move held for a write goes before anything else
        if self._saves.pending():
            self._saves.flush()  # and so does a save held for the next save
        return self._connection

    def _moving(self) -> SqlSlots | None:
        """The slots' repository, if this unit of work has made it: it may hold a move for
        the next write (`SqlSlots.defers`; docs/adr/0017-booking-api-speed.md, sixteenth
        round)."""
        found = self.__dict__.get("slots")
        return found if isinstance(found, SqlSlots) else None

    def read_ahead(self, kind: str, key: Any, request: int | None = None) -> None:
        """Read the records a call of `kind` (`read_ahead.PARTS`) is about to read by key,
        in one statement, into their repositories, which keep them for the transaction as
        if they had read them (docs/adr/0017-booking-api-speed.md, seventh round). When it
        is the block's first statement it also asks the deny list. Nothing found: nothing
        kept, and the repositories read as before."""
        check = self._token.take()
        try:
            connection = self._current()
        except BaseException:
            self._token.give_back(check)
            raise
        if not direct.takes_cursor_path(connection):
            kind = read_ahead.PLAIN.get(kind, kind)
        found = read_ahead.shape(kind, check is not None, self.read_columns)
        values = read_ahead.values(kind, key, request, None if check is None else check.jti)
        try:
            row = next(iter(direct.rows(connection, found.statement, values)), None)
        except BaseException:
            self._token.give_back(check)
            raise
        if row is None:
            self._token.give_back(check)  # not asked after all: the next statement asks
            return
        if check is not None:
            check.done = True
            if row[-1]:
                raise NotAuthenticated(SIGNED_OUT)
        for note_read, span in found.readers:
            note_read(self)(row[span])
        if "slots" in read_ahead.PARTS[kind] and direct.takes_cursor_path(connection):
            # A scheduling call: its slot's move goes with its next write (`SqlSlots`), a
            # save with the next save (`HeldSaves`).
            self.slots.defers = True
            self._saves.defers = True

    def read_columns(self, part: str) -> Sequence[Any]:
        """The columns of a row the repository `part` takes (`note_read`)."""
        repository: SqlRepository[Any] | SqlSlots | SqlProtectedTime = getattr(self, part)
        return repository.read_columns()

    def _repositories(self) -> list[SqlRepository[object] | SqlSlots | SqlProtectedTime]:
        """The repositories made so far (cached_property keeps them in the instance) that
        keep what they read until the transaction ends."""
        kept = (SqlRepository, SqlSlots, SqlProtectedTime)
        return [r for r in vars(self).values() if isinstance(r, kept)]

    def __enter__(self) -> Self:
        if self._open:
            raise RuntimeError("this unit of work is already open")
        self._open = True
        self._begin()
        return self

    def _begin(self) -> None:
        """A new transaction: nothing read yet. Its connection, and the transaction on it,
        begin with the first statement, and the deny-list check of the request's token
        comes before it (`_current`)."""
        for repository in self._repositories():
            repository.forget()
        self._saves.forget()
        self._token.armed = True

    def _ask_unasked(self, failing: bool) -> None:
        """A block that ran no statement still asks the deny list as it ends, so a
        signed-out token is refused as before, whatever else went wrong (if the database
        cannot answer while the block is already `failing`, the block's own error stands)."""
        if not (self._open and self._token.waiting()):
            return
        try:
            self._current()  # asks it, then nothing else
        except NotAuthenticated:
            raise
        except Exception:
            if not failing:
                raise

    def __exit__(self, exc_type: type[BaseException] | None = None, *rest: object) -> None:
        """Roll back whatever was not committed, and give the connection back (after
        `_ask_unasked`)."""
        try:
            self._ask_unasked(failing=exc_type is not None)
        finally:
            self._release()

    def restart(self) -> None:
        """End the block's transaction, rolling back what it left uncommitted, and go on in
        a new one on the same connection: what `__exit__` then `__enter__` do, without
        giving the connection back to the pool and taking one again (a route's transaction
        restarted after its commit, e.g. `$cancel`'s waitlist offer after the cancellation;
        docs/adr/0017-booking-api-speed.md, seventh round)."""
        if not self._open:
            raise RuntimeError("use the unit of work inside `with uow:`")
        self._ask_unasked(failing=False)
        connection = self._connection
        if connection is not None:
            if connection.invalidated:  # lost: the next statement takes a fresh one
                self._connection = None
                connection.close()
            else:
                try:
                    connection.rollback()
                except BaseException:
                    self._connection = None
                    connection.close()
                    raise
        self._begin()

    def _release(self) -> None:
        self._token.armed = False
        connection, self._connection, self._open = self._connection, None, False
        if connection is not None:
            try:
                connection.rollback()
            finally:
                connection.close()

    def commit(self) -> None:
        moving = self._moving()
        if moving is not None:
            moving.flush()  # a move held for a write that never came
        self._saves.flush()  # a save held for a save that never came
        write_pending(self.audit_events)  # a change and its audit event: one transaction
        if self._connection is not None:  # none: the block read and wrote nothing
            self._connection.commit()
        elif not self._open:
            raise RuntimeError("use the unit of work inside `with uow:`")

    def rollback(self) -> None:
        moving = self._moving()
        if moving is not None:
            moving.drop()  # a held move is rolled back with the rest: never sent
        self._saves.forget()  # and so is a held save
        if self._connection is not None:
            self._connection.rollback()
        elif not self._open:
            raise RuntimeError("use the unit of work inside `with uow:`")


def _token_to_check() -> bool:
    """Whether the current request names a token no unit of work has checked yet."""
    check = TOKEN_CHECK.get()
    return check is not None and not check.done and check.jti is not None


def unit_of_work(engine: Engine) -> UnitOfWork:
    """A SQL unit of work, typed as the port it implements."""
    return SqlUnitOfWork(engine)
