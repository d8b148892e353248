"""The SQL unit of work: one connection and one transaction per `with uow:` block.

As with the in-memory one, nothing is committed until `commit()`, and leaving the block
without committing rolls back. A unit of work belongs to one thread at a time; concurrent
callers each use their own (they are cheap: the engine pools connections).
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from parity.adapters.sql import mapping
from parity.adapters.sql.audit_search import SqlAuditReader
from parity.adapters.sql.member_search import SqlMemberSearch
from parity.adapters.sql.repositories import (
    SqlClinicians,
    SqlIpcLedger,
    SqlProtectedTime,
    SqlRepository,
)
from parity.adapters.sql.scope import SqlMemberScopes
from parity.adapters.sql.security import (
    USERS,
    SqlAuditTrail,
    SqlLoginAttempts,
    SqlRevokedTokens,
    SqlUsers,
)
from parity.adapters.sql.slots import SqlSlots
from parity.domain.audit import write_pending
from parity.domain.care import Appointment, CareRequest, ClinicalException, Course, Offer, Referral
from parity.domain.corrective import Action, Finding
from parity.domain.holds import Hold
from parity.domain.members import Member
from parity.domain.messages import Message
from parity.domain.ports import UnitOfWork
from parity.domain.schedule import AvailabilityException, WeeklyTemplate
from parity.domain.waitlist import WaitlistEntry
from parity.domain.workforce import Clinic


class SqlUnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        link = self._current
        self.clinics = SqlRepository[Clinic](link, mapping.CLINICS)
        self.clinicians = SqlClinicians(link, mapping.CLINICIANS)
        self.members = SqlRepository[Member](link, mapping.MEMBERS)
        self.holds = SqlRepository[Hold](link, mapping.HOLDS)
        self.templates = SqlRepository[WeeklyTemplate](link, mapping.TEMPLATES)
        self.availability_exceptions = SqlRepository[AvailabilityException](
            link, mapping.AVAILABILITY_EXCEPTIONS
        )
        self.slots = SqlSlots(link)
        self.protected = SqlProtectedTime(link)
        self.ipc_ledger = SqlIpcLedger(link)
        self.requests = SqlRepository[CareRequest](link, mapping.REQUESTS)
        self.offers = SqlRepository[Offer](link, mapping.OFFERS)
        self.appointments = SqlRepository[Appointment](link, mapping.APPOINTMENTS)
        self.referrals = SqlRepository[Referral](link, mapping.REFERRALS)
        self.clinical_exceptions = SqlRepository[ClinicalException](
            link, mapping.CLINICAL_EXCEPTIONS
        )
        self.courses = SqlRepository[Course](link, mapping.COURSES)
        self.findings = SqlRepository[Finding](link, mapping.FINDINGS)
        self.actions = SqlRepository[Action](link, mapping.ACTIONS)
        # users and the audit trail (ADR 0008)
        self.users = SqlUsers(link, USERS)
        self.audit_events = SqlAuditTrail(link)
        self.member_search = SqlMemberSearch(link)  # ADR 0015
        self.audit_reader = SqlAuditReader(link)
        # the waitlist and the messages outbox (ADR 0009)
        self.waitlist = SqlRepository[WaitlistEntry](link, mapping.WAITLIST)
        self.messages = SqlRepository[Message](link, mapping.MESSAGES)
        self.member_scopes = SqlMemberScopes(link)  # ADR 0012: scopes decided in SQL
        self.revoked_tokens = SqlRevokedTokens(link)
        self.login_attempts = SqlLoginAttempts(link)

    def _current(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("use the unit of work inside `with uow:`")
        return self._connection

    def _repositories(self) -> list[SqlRepository[object]]:
        return [r for r in vars(self).values() if isinstance(r, SqlRepository)]

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already open")
        for repository in self._repositories():
            repository.forget()
        # The transaction begins with the first statement (SQLAlchemy's autobegin).
        self._connection = self.engine.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.rollback()
            finally:
                connection.close()

    def commit(self) -> None:
        write_pending(self.audit_events)  # a change and its audit event: one transaction
        self._current().commit()

    def rollback(self) -> None:
        self._current().rollback()


def unit_of_work(engine: Engine) -> UnitOfWork:
    """A SQL unit of work, typed as the port it implements."""
    return SqlUnitOfWork(engine)
