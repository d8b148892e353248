"""What the guard learnt about one request, handed to the audit trail's middleware (kept
apart from both so neither imports the other)."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

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


def speaks_for(scope: MutableMapping[str, Any], who: Principal, entity_id: str) -> None:
    """A route whose credential is not a token (a signed link) names, once it has checked
    it, who the request speaks for and the record it is about: the audit event says so
    (docs/adr/0012, "2026-12-08 (round nineteen probes)")."""
    passages = scope.get(PASSAGE_KEY)
    if isinstance(passages, list) and passages:
        passages[-1].principal = who
        passages[-1].entity_id = entity_id
