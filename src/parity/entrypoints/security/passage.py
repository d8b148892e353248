"""What the guard learnt about one request, handed to the audit trail's middleware (kept
apart from both so neither imports the other)."""

from __future__ import annotations

from dataclasses import dataclass, field

from parity.domain.users import Principal
from parity.entrypoints.security.matrix import Access, Category

PASSAGE_KEY = "parity.passage"
DENIED = Access(Category.ROLES)


@dataclass
class Passage:
    """What the guard learnt about one request, read by the audit trail afterwards."""

    method: str
    template: str
    access: Access = DENIED
    principal: Principal | None = None
    member_ids: set[str] = field(default_factory=set)
    entity_id: str = ""
