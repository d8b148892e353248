"""Finding members the way a call centre or an EHR does: by name, birth date, member number,
gender or phone (US Core's Patient search; docs/adr/0015-fhir-conformance.md).

A `MemberQuery` is parsed once at the edge and applied alike in SQL and in memory. FHIR's
search rules: repeated parameters are ANDed, comma-separated values within one are ORed; a
string matches case-insensitively at the start of a name part; a date value covers the
period its precision says (1980 is the whole year) and a prefix compares against that period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from parity.domain.members import Member

GENDERS = frozenset({"male", "female", "other", "unknown"})
# Any of these groups, ANDed; the strings of one group are alternatives (ORed).
Groups = tuple[frozenset[str], ...]


@dataclass(frozen=True, slots=True)
class BirthDateBound:
    """Birth dates in [low, high) (None: unbounded), or outside it when `outside`."""

    low: date | None
    high: date | None
    outside: bool = False

    def admits(self, born: date | None) -> bool:
        if born is None:
            return False
        inside = (self.low is None or born >= self.low) and (self.high is None or born < self.high)
        return inside != self.outside


def starts(text: str, prefixes: Iterable[str]) -> bool:
    lowered = text.lower()
    return any(lowered.startswith(prefix.lower()) for prefix in prefixes)


@dataclass(frozen=True, slots=True)
class MemberQuery:
    """What a member search asks; empty fields do not filter; names match in any case."""

    ids: Groups = ()
    names: Groups = ()  # family or given name
    family: Groups = ()
    given: Groups = ()
    birth: tuple[BirthDateBound, ...] = ()
    genders: Groups = ()
    phones: Groups = ()

    @property
    def identifying(self) -> bool:
        """Whether the query names identity a de-identified caller may not search by."""
        return bool(self.names or self.family or self.given or self.birth or self.phones)

    def matches(self, member: Member) -> bool:
        return (
            all(member.id in group for group in self.ids)
            and all(starts(member.family, g) or starts(member.given, g) for g in self.names)
            and all(starts(member.family, group) for group in self.family)
            and all(starts(member.given, group) for group in self.given)
            and all(bound.admits(member.birth_date) for bound in self.birth)
            and all(member.gender in group for group in self.genders)
            and all(member.phone in group for group in self.phones)
        )


@dataclass(frozen=True, slots=True)
class MemberPage:
    """One page of the members a search found, in member-id order, and how many it found."""

    members: list[Member]
    total: int
