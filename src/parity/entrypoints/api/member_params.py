"""US Core Patient search parameters, parsed once into a `MemberQuery`
(docs/adr/0015-fhir-conformance.md).

`name`, `family`, `given`: case-insensitive prefix of a name part. `birthdate`: a date of
year, month or day precision with a prefix (eq ne lt le gt ge sa eb). `identifier`: the
member number, `[system|]value`. `gender`: administrative gender, `[system|]code`.
`telecom`/`phone`: the phone number as stored. `_id`: member ids. Repeats AND, commas OR.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from parity.adapters.fhir import MEMBER_NUMBER
from parity.domain.errors import InvalidInput
from parity.domain.member_lookup import GENDERS, BirthDateBound, Groups, MemberQuery
from parity.entrypoints.api.search import token_group, tokens

GENDER_SYSTEM = "http://hl7.org/fhir/administrative-gender"
PHONE = "phone"
DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
DATE_PREFIXES = ("eq", "ne", "lt", "le", "gt", "ge", "sa", "eb")


def _period(text: str) -> tuple[date, date]:
    """The [first day, day after the last) a FHIR date of any precision covers."""
    found = DATE.match(text)
    if found is None:
        raise InvalidInput(f"birthdate {text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = (int(part) if part else None for part in found.groups())
    try:
        if month is None:
            return date(year or 1, 1, 1), date((year or 1) + 1, 1, 1)
        first = date(year or 1, month, day or 1)
        if day is not None:
            return first, date.fromordinal(first.toordinal() + 1)
        return first, date(first.year + first.month // 12, first.month % 12 + 1, 1)
    except ValueError:
        raise InvalidInput(f"birthdate {text!r} is not a calendar date") from None


def birth_bound(value: str) -> BirthDateBound:
    prefix, text = (value[:2], value[2:]) if value[:2].isalpha() else ("eq", value)
    if prefix not in DATE_PREFIXES:
        raise InvalidInput(f"date prefix {prefix!r} unknown; use {', '.join(DATE_PREFIXES)}")
    low, high = _period(text)
    bounds = {
        "eq": BirthDateBound(low, high),
        "ne": BirthDateBound(low, high, outside=True),
        "lt": BirthDateBound(None, low),
        "eb": BirthDateBound(None, low),
        "le": BirthDateBound(None, high),
        "gt": BirthDateBound(high, None),
        "sa": BirthDateBound(high, None),
        "ge": BirthDateBound(low, None),
    }
    return bounds[prefix]


def _strings(values: Sequence[str]) -> Groups:
    return tuple(frozenset(t.lower() for t in tokens([v])) for v in values)


def _genders(values: Sequence[str]) -> Groups:
    groups = tuple(token_group(v, GENDER_SYSTEM) for v in values)
    unknown = sorted(set().union(*groups) - GENDERS)
    if unknown:
        raise InvalidInput(f"gender {', '.join(unknown)} unknown; use {', '.join(sorted(GENDERS))}")
    return groups


def member_query(params: dict[str, list[str]]) -> MemberQuery:
    """The query of a Patient search's parameters (unknown ones are not looked at here).
    A member number is the member's id, so `identifier` and `_id` filter the same column."""
    ids = tuple(frozenset(tokens([v])) for v in params.get("_id", []))
    return MemberQuery(
        ids=ids + tuple(token_group(v, MEMBER_NUMBER) for v in params.get("identifier", [])),
        names=_strings(params.get("name", [])),
        family=_strings(params.get("family", [])),
        given=_strings(params.get("given", [])),
        birth=tuple(birth_bound(v) for v in params.get("birthdate", [])),
        genders=_genders(params.get("gender", [])),
        phones=tuple(
            token_group(v, PHONE) for v in params.get("telecom", []) + params.get("phone", [])
        ),
    )
