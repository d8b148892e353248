"""FHIR search parameters in Parity's terms: date prefixes, token lists, references.

R4 has no `end` search parameter on Slot or Appointment, so a window is asked for with two
prefixed values of one parameter: `start=ge2026-06-01&start=lt2026-06-08`. A date or a
time without an offset is clinic-local (docs/adr/0003-fhir-scheduling-api.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Request

from parity.adapters.fhir import Json, parse_search_date
from parity.domain import ids
from parity.domain.errors import InvalidInput, NotFound
from parity.services.time_window import Window

E = TypeVar("E", bound=Enum)
# `sa` and `eb` on an instant (a start, a recorded time) are `gt` and `lt`: an instant
# starts after, or ends before, a range exactly when it lies after, or before, all of it.
PREFIXES = ("eq", "ge", "gt", "le", "lt", "sa", "eb")


class UnsupportedModifier(InvalidInput):
    """A declared search parameter with a modifier (`name:exact`, `gender:not`): Parity
    supports none, and ignoring one would answer another question (R4 search.html#modifiers)."""

    rule = "unsupported-modifier"
    http_status = 400


def declared_parameters(request: Request) -> frozenset[str]:
    """The query parameters the matched route declares (its own and its dependencies')."""
    return _declared(getattr(request.scope.get("route"), "dependant", None))


def _declared(dependant: Any) -> frozenset[str]:
    if dependant is None:
        return frozenset()
    own = {str(p.alias) for p in getattr(dependant, "query_params", ())}
    return frozenset(own).union(*(_declared(d) for d in getattr(dependant, "dependencies", ())))


def refuse_modifiers(request: Request) -> None:
    """400 for a declared parameter asked with a modifier, whatever `Prefer: handling` says:
    lenient handling ignores what the server does not know, but a modifier changes what a
    known parameter means (`gender:not=female`), so answering without it is a wrong answer
    (R4 search.html#modifiers; docs/adr/0015-fhir-conformance.md, 2026-12-08)."""
    asked = {k for k in request.query_params if ":" in k}
    if not asked:  # the usual search: no walk of the route's parameters
        return
    declared = declared_parameters(request)
    modified = sorted(k for k in asked if k.partition(":")[0] in declared)
    if modified:
        raise UnsupportedModifier(
            f"search parameter modifier(s) not supported: {', '.join(modified)}; "
            "ask the parameter without a modifier"
        )


def _later(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b > a else a


def _earlier(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b < a else a


def window(values: Sequence[str], tz: ZoneInfo) -> Window:
    """The window all the prefixed date values allow together (they are ANDed)."""
    start: datetime | None = None
    end: datetime | None = None
    for value in values:
        prefix, text = (value[:2], value[2:]) if value[:2].isalpha() else ("eq", value)
        if prefix not in PREFIXES:
            raise InvalidInput(
                f"date prefix {prefix!r} is not supported; use {', '.join(PREFIXES)}"
            )
        low, high = parse_search_date(text, tz)
        if prefix in ("eq", "ge"):
            start = _later(start, low)
        if prefix in ("gt", "sa"):
            start = _later(start, high)
        if prefix in ("eq", "le"):
            end = _earlier(end, high)
        if prefix in ("lt", "eb"):
            end = _earlier(end, low)
    return Window(start, end)


def tokens(values: Iterable[str]) -> list[str]:
    """Token values, repeated or comma-separated (a comma is OR in FHIR search)."""
    return [t.strip() for value in values for t in value.split(",") if t.strip()]


def token_group(value: str, system: str) -> frozenset[str]:
    """The codes one token parameter value asks for, in FHIR's three forms: `code` (any
    system), `system|code` (only in `system`) and `|code` (a code without a system, which
    Parity never emits). A code asked for in another system matches nothing."""
    found = set()
    for token in tokens([value]):
        asked_system, bar, code = token.rpartition("|")
        if not bar or asked_system == system:
            found.add(code.strip())
    return frozenset(c for c in found if c)


def statuses(
    values: Iterable[str], mapping: Mapping[str, frozenset[E]], name: str, system: str = ""
) -> frozenset[E] | None:
    """Domain statuses for FHIR status tokens (`code`, `system|code`, `|code`); None when
    the search does not filter on them. A code of another system matches nothing."""
    listed = list(values)
    if not tokens(listed):
        return None
    asked = set().union(*(token_group(v, system) for v in listed))
    unknown = sorted(asked - set(mapping))
    if unknown:
        raise InvalidInput(f"{name} {', '.join(unknown)} unknown; use {', '.join(mapping)}")
    return frozenset().union(*(mapping[t] for t in asked))


def name_matches(name: str, asked: str) -> bool:
    """FHIR string search: `asked` matches the start of the name or of any of its words
    (its parts), in any case."""
    lowered, prefix = name.lower(), asked.lower()
    return lowered.startswith(prefix) or any(w.startswith(prefix) for w in lowered.split())


def read_each(keys: Iterable[str], read: Callable[[str], Json]) -> list[Json]:
    """The resources of `keys` that exist (a search by `_id` skips unknown ids)."""
    found = []
    for key in keys:
        try:
            found.append(read(key))
        except NotFound:
            continue
    return found


def ref(value: str | None, resource_type: str) -> str | None:
    """A text id from a relative reference (`Patient/m1`) or a bare id, parsed once."""
    return None if value is None else ids.text_reference(value, resource_type)


def int_ref(value: str | None, resource_type: str) -> int | None:
    """A numeric id from a relative reference (`ServiceRequest/7`) or a bare id."""
    return None if value is None else ids.number_reference(value, resource_type)
