"""The rules a deployment runs under: a jurisdiction's standards and a contract preset."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from parity.adapters.message_files import default_message_rules, default_waitlist_rules
from parity.domain.contract import ContractTerms
from parity.domain.messages import MessageRules
from parity.domain.schedule import BlockKind
from parity.domain.standards import RuleSet, VisitType
from parity.domain.waitlist import WaitlistRules


@dataclass(frozen=True)
class Policy:
    rules: RuleSet
    contract: ContractTerms
    # Which template blocks each kind of visit may use, in order of preference. Urgent
    # visits use the slots templates hold back for them first, then any open slot.
    slot_kinds: tuple[tuple[VisitType, tuple[BlockKind, ...]], ...] = (
        (VisitType.URGENT, (BlockKind.URGENT, BlockKind.FOLLOW_UP, BlockKind.INTAKE)),
        (VisitType.INITIAL, (BlockKind.INTAKE,)),
        (VisitType.FOLLOW_UP, (BlockKind.FOLLOW_UP,)),
    )
    offer_limit: int = 5
    # A visit cannot start the moment it is booked: members need time to get there or log on.
    min_notice: timedelta = timedelta(hours=2)
    # The waitlist and member messages (ADR 0009): off unless bootstrap switches it on.
    waitlist: WaitlistRules = field(default_factory=default_waitlist_rules)
    messages: MessageRules = field(default_factory=default_message_rules)

    def kinds_for(self, visit: VisitType) -> tuple[BlockKind, ...]:
        return self._kinds[visit]

    @cached_property
    def _kinds(self) -> dict[VisitType, tuple[BlockKind, ...]]:
        """`slot_kinds` by visit, built once (the booking engine asks for every request)."""
        return dict(self.slot_kinds)
