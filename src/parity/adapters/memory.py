"""The in-memory unit of work: what the simulator and the unit tests run on.

It keeps the same contract as the SQL one: nothing is visible as committed until
`commit()`, and leaving the `with` block without committing undoes every addition and
every slot taken or released inside it (an undo log, newest first). Services validate
before they mutate live objects, so undoing additions and slot moves is enough.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from parity.adapters.memory_later_dates import MemoryLaterDates
from parity.adapters.memory_member_search import MemoryAuditReader, MemoryMemberSearch
from parity.adapters.memory_repository import MemoryRepository
from parity.adapters.memory_schedule import MemoryIpcLedger, MemoryProtectedTime, MemorySlots
from parity.adapters.memory_scope import (
    MemoryLoginAttempts,
    MemoryMemberScopes,
    MemoryRevokedTokens,
)
from parity.adapters.memory_stamps import MemoryStamps
from parity.adapters.memory_undo import UndoLog
from parity.adapters.memory_users import MemoryAuditTrail, MemoryUsers
from parity.domain.audit import write_pending
from parity.domain.care import Appointment, CareRequest, ClinicalException, Course, Offer, Referral
from parity.domain.corrective import Action, Finding
from parity.domain.holds import Hold
from parity.domain.members import Member
from parity.domain.messages import Message
from parity.domain.ports import Clock
from parity.domain.revocation import check_token
from parity.domain.schedule import (
    AvailabilityException,
    WeeklyTemplate,
)
from parity.domain.waitlist import WaitlistEntry
from parity.domain.workforce import Clinic, Clinician


class MemoryUnitOfWork:
    """Holds the whole store in memory; each `with` block is one transaction."""

    def __init__(self, clock: Clock | None = None, stamps: bool = True) -> None:
        # `stamps=False`: a store whose record stamps nobody reads (a simulation's own,
        # docs/adr/0014, sixth pass) writes none; `stamps.of` refuses it.
        self._log = UndoLog(clock, stamps)
        log = self._log
        self.clinics = MemoryRepository[Clinic](log, "Clinic")
        self.clinicians = MemoryRepository[Clinician](log, "Clinician")
        self.members = MemoryRepository[Member](log, "Patient")
        self.holds = MemoryRepository[Hold](log, "Hold", indexed=("request_id", "slot_id"))
        self.templates = MemoryRepository[WeeklyTemplate](log, "Template", key="clinician_id")
        self.availability_exceptions = MemoryRepository[AvailabilityException](
            log, "AvailabilityException", indexed=("clinician_id",)
        )
        self.slots = MemorySlots(log)
        self.protected = MemoryProtectedTime(log)
        self.ipc_ledger = MemoryIpcLedger(log)
        self.requests = MemoryRepository[CareRequest](log, "ServiceRequest", indexed=("member_id",))
        self.offers = MemoryRepository[Offer](log, "Offer", indexed=("request_id",))
        self.appointments = MemoryRepository[Appointment](
            log, "Appointment", indexed=("request_id", "member_id", "slot_id")
        )
        self.referrals = MemoryRepository[Referral](log, "Referral", indexed=("request_id",))
        self.later_dates = MemoryLaterDates(log)  # docs/adr/0013, 2026-12-08
        self.clinical_exceptions = MemoryRepository[ClinicalException](
            log, "ClinicalException", indexed=("request_id",)
        )
        self.courses = MemoryRepository[Course](log, "Course", indexed=("member_id",))
        self.findings = MemoryRepository[Finding](log, "Finding")
        self.actions = MemoryRepository[Action](log, "Action", indexed=("finding_id",))
        # users and the audit trail (ADR 0008)
        self.users = MemoryUsers(log)
        self.audit_events = MemoryAuditTrail(log)
        self.member_search = MemoryMemberSearch(self.members, self.appointments, self.courses)
        self.audit_reader = MemoryAuditReader(self.audit_events)
        self.commits = 0
        # What a long simulation counted from the records it then forgot (its own type:
        # simulation/folding.py); the run's end-of-run figures add it to what is still here.
        self.folded: object | None = None
        self._add_waitlist_and_messages(log)

    # -- the waitlist and the messages outbox (ADR 0009) --
    def _add_waitlist_and_messages(self, log: UndoLog) -> None:
        self.waitlist = MemoryRepository[WaitlistEntry](
            log, "WaitlistEntry", indexed=("request_id",)
        )
        self.messages = MemoryRepository[Message](log, "Message", indexed=("key",))
        self.member_scopes = MemoryMemberScopes(self)  # ADR 0012
        self.revoked_tokens = MemoryRevokedTokens()
        self.login_attempts = MemoryLoginAttempts()
        self.stamps = MemoryStamps(self)  # ADR 0015: versionId and lastUpdated

    def __enter__(self) -> Self:
        self._log.begin()
        try:
            check_token(self.revoked_tokens)  # a signed-out token reads and writes nothing
        except BaseException:
            self.rollback()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        write_pending(self.audit_events)  # a change and its audit event: one transaction
        self._log.clear()
        self.commits += 1

    def rollback(self) -> None:
        self._log.unwind()
