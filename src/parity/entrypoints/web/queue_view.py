"""How the work queue is looked through: a search by member name, id or phone, a sort by
any column (the legal deadline first unless asked otherwise, ties broken by the earlier
request), and pages of a readable length (docs/adr/0016-pages-for-each-role.md)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from parity.domain.care import CareRequest
from parity.domain.errors import InvalidInput
from parity.domain.members import Member

PAGE_SIZE = 25
SHORTEST_PHONE_SEARCH = 3  # digits: fewer would match almost everyone

# Column -> what it sorts by; every sort ends with the request number, the visible tie-break.
SORTS: dict[str, Callable[[CareRequest, Mapping[str, Any]], Any]] = {
    "deadline": lambda r, _: r.effective_deadline,
    "requested": lambda r, _: r.requested_at,
    "member": lambda r, names: names["members"].get(r.member_id, r.member_id).lower(),
    "standard": lambda r, _: r.standard,
    "clinic": lambda r, names: names["clinics"].get(r.clinic_id, r.clinic_id).lower(),
}


@dataclass(frozen=True)
class QueueView:
    """A search text, a sort column and direction, and a page (1 is the first)."""

    q: str = ""
    sort: str = "deadline"
    descending: bool = False
    page: int = 1

    @classmethod
    def parse(cls, q: str, sort: str, direction: str, page: str) -> QueueView:
        if sort and sort not in SORTS:
            raise InvalidInput(f"sort must be one of {', '.join(SORTS)}, got {sort!r}")
        if direction not in ("", "asc", "desc"):
            raise InvalidInput(f"dir must be asc or desc, got {direction!r}")
        number = page.strip() or "1"
        if not number.isascii() or not number.isdigit() or not 1 <= int(number) <= 10_000:
            raise InvalidInput(f"page must be a whole number from 1, got {page!r}")
        return cls(q.strip(), sort or "deadline", direction == "desc", int(number))

    def params(self, **changed: Any) -> dict[str, str]:
        """The view's address parameters, with some changed (defaults left out)."""
        q, sort = changed.get("q", self.q), changed.get("sort", self.sort)
        descending = changed.get("descending", self.descending)
        page = changed.get("page", self.page)
        found = {"q": q, "sort": "" if sort == "deadline" else sort}
        found |= {"dir": "desc" if descending else "", "page": "" if page == 1 else str(page)}
        return {key: value for key, value in found.items() if value}

    def toggled(self, column: str) -> dict[str, str]:
        """Sort by `column`; the same column again turns the order round."""
        flip = column == self.sort and not self.descending
        return self.params(sort=column, descending=flip, page=1)


def matches(text: str, care: CareRequest, member: Member | None) -> bool:
    """A member's name (any part), id or phone number (its digits) contains the search."""
    if not text:
        return True
    wanted = text.lower()
    if wanted in care.member_id.lower() or wanted == str(care.id):
        return True
    if member is None:
        return False
    digits = re.sub(r"\D", "", text)
    if len(digits) >= SHORTEST_PHONE_SEARCH and digits in re.sub(r"\D", "", member.phone):
        return True
    return wanted in member.name.lower()


@dataclass(frozen=True)
class QueuePage:
    rows: list[CareRequest]
    total: int
    pages: int
    page: int
    ties: frozenset[int]  # requests whose deadline equals the row before: ordered by number


def arrange(
    found: list[CareRequest],
    members: Mapping[str, Member],
    clinic_names: Mapping[str, str],
    view: QueueView,
) -> QueuePage:
    """Search, sort (then by request number), and cut the page the view asks for."""
    kept = [r for r in found if matches(view.q, r, members.get(r.member_id))]
    names = {"members": {k: m.name for k, m in members.items()}, "clinics": clinic_names}
    key = SORTS[view.sort]
    kept.sort(key=lambda r: r.id)
    kept.sort(key=lambda r: key(r, names), reverse=view.descending)
    pages = max(1, -(-len(kept) // PAGE_SIZE))
    page = min(view.page, pages)
    rows = kept[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    ties = frozenset(b.id for a, b in pairwise(rows) if key(a, names) == key(b, names))
    return QueuePage(rows, len(kept), pages, page, ties)
