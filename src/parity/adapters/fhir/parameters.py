"""FHIR inputs to Parity's terms: `Parameters` bodies read by name, dates and dateTimes as
the intervals they cover, and the references an Appointment resource carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from parity.adapters.fhir.common import (
    Json,
)
from parity.domain import ids
from parity.domain.calendar import bounded, local_instant
from parity.domain.care import NOTE_LENGTH
from parity.domain.errors import InvalidInput

# -- parsing: FHIR inputs to Parity's terms ----------------------------------------------

# The most results an operation parameter may ask for (`$find`'s `_count`, R4 `positiveInt`).
MAX_COUNT = 100
# The longest text a parameter may carry: a reason, a note or a provider's name is kept as
# evidence and printed in every evidence document, so a file sent as one is refused, as a
# contact note's length is (domain.care.NOTE_LENGTH; docs/adr/0012, "2026-12-08 (round
# nineteen probes)"). Every other parameter (an id, a code, a date) is far shorter.
MAX_TEXT = NOTE_LENGTH


def parse_datetime(text: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A FHIR date or dateTime as the [start, end) it covers; without an offset it is
    clinic-local (the law's dates are the clinic's dates). A local time the clocks skipped
    (spring forward) is refused; one they showed twice (fall back) needs an offset. A valid
    dateTime at the very ends of time (`lt0001-01-01T00:00:00+14:00`) covers what a UTC
    instant can hold of it (`calendar.bounded`), so it finds nothing rather than
    fails."""
    try:
        if len(text) == len("YYYY-MM-DD"):  # a date, not a dateTime
            day = date.fromisoformat(text)
            return _local_days(day, day + timedelta(days=1), tz)
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError):  # 9999-12-31 as a date: it has no day after it
        raise InvalidInput(
            f"{text!r} is not a FHIR date or dateTime (e.g. 2026-06-01T09:00-07:00)"
        ) from None
    moment = local_instant(moment, tz)
    return bounded(moment), bounded(moment, later=1)


def _local_days(first: date, after: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(0), tzinfo=tz)
    return bounded(start), bounded(datetime.combine(after, time(0), tzinfo=tz))


def parse_search_date(text: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A date search value as the [start, end) it covers: also a month (`2026-06`) or a
    year (`2026`), as R4 search.html#date allows (an operation's date, a day the member
    names, is a day: `parse_datetime`)."""
    try:
        if len(text) == len("YYYY-MM") and text[4] == "-" and (text[:4] + text[5:]).isdigit():
            first = date(int(text[:4]), int(text[5:]), 1)
            after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return _local_days(first, after, tz)
        if len(text) == len("YYYY") and text.isdigit():
            return _local_days(date(int(text), 1, 1), date(int(text) + 1, 1, 1), tz)
    except (ValueError, OverflowError):  # month 13, or year 9999 (no year after it)
        raise InvalidInput(
            f"{text!r} is not a FHIR date (e.g. 2026, 2026-06, 2026-06-01)"
        ) from None
    return parse_datetime(text, tz)


@dataclass(frozen=True, slots=True)
class Parameters:
    """A FHIR `Parameters` body, read by name, with an error naming the parameter."""

    parameters: tuple[Json, ...]

    @classmethod
    def of(cls, body: Json, allowed: frozenset[str]) -> Parameters:
        found = tuple(body.get("parameter") or ())
        unknown = sorted({str(p.get("name")) for p in found} - allowed)
        if unknown:
            known = ", ".join(sorted(allowed))
            raise InvalidInput(f"unsupported parameter(s) {', '.join(unknown)}; supported: {known}")
        return cls(found)

    def all(self, name: str) -> list[Json]:
        return [p for p in self.parameters if p.get("name") == name]

    def one(self, name: str) -> Json | None:
        found = self.all(name)
        if len(found) > 1:
            raise InvalidInput(f"parameter {name} may appear only once")
        return found[0] if found else None

    def text(self, name: str) -> str | None:
        """A code, string, id, URI, reference, Coding or CodeableConcept parameter as text."""
        found = self.one(name)
        return None if found is None else _text_of(name, found)

    def texts(self, name: str) -> list[str]:
        return [_text_of(name, p) for p in self.all(name)]

    def required(self, name: str) -> str:
        found = self.text(name)
        if found is None:
            raise InvalidInput(f"parameter {name} is required")
        return found

    def moment(self, name: str, tz: ZoneInfo) -> datetime | None:
        found = self.text(name)
        return None if found is None else parse_datetime(found, tz)[0]

    def flag(self, name: str) -> bool | None:
        found = self.one(name)
        value = None if found is None else found.get("valueBoolean")
        if found is not None and not isinstance(value, bool):
            raise InvalidInput(f"parameter {name} must be a valueBoolean")
        return value

    def count(self, name: str) -> int | None:
        found = self.one(name)
        value = None if found is None else found.get("valueInteger", found.get("valuePositiveInt"))
        number = value if isinstance(value, int) and not isinstance(value, bool) else 0
        if found is not None and not 0 < number <= MAX_COUNT:
            raise InvalidInput(f"parameter {name} must be a valueInteger from 1 to {MAX_COUNT}")
        return None if found is None else number

    def resource(self, name: str, resource_type: str) -> Json | None:
        found = self.one(name)
        value = None if found is None else found.get("resource")
        if found is not None and (
            not isinstance(value, dict) or value.get("resourceType") != resource_type
        ):
            raise InvalidInput(f"parameter {name} must carry a {resource_type} resource")
        return value


_TEXT_KEYS = (
    "valueCode",
    "valueString",
    "valueId",
    "valueUri",
    "valueDateTime",
    "valueInstant",
    "valueDate",
)


def _text_of(name: str, parameter: Json) -> str:
    text = _any_text(name, parameter)
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            f"parameter {name} holds {len(text):,} characters; a parameter holds at most "
            f"{MAX_TEXT:,} (a reason or a note says what happened, it is not a file)"
        )
    return text


def _any_text(name: str, parameter: Json) -> str:
    for key in _TEXT_KEYS:
        if isinstance(parameter.get(key), str) and parameter[key].strip():
            return str(parameter[key])  # as sent: ids are parsed strictly (ADR 0012)
    found = parameter.get("valueReference") or parameter.get("valueCoding")
    concept_value = parameter.get("valueCodeableConcept")
    if isinstance(concept_value, dict) and concept_value.get("coding"):
        found = concept_value["coding"][0]
    if isinstance(found, dict):
        text = found.get("reference") or found.get("code")
        if isinstance(text, str) and text.strip():
            return text
    raise InvalidInput(f"parameter {name} has no value Parity can read")


def _first_reference(value: Any, resource_type: str) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return ids.reference(str(value[0].get("reference", "")), resource_type)
    return ""


def appointment_reference(resource: Json) -> tuple[int, int]:
    """The (request, slot) an Appointment resource points at, through `basedOn` and `slot`."""
    request = _first_reference(resource.get("basedOn"), "ServiceRequest")
    found = _first_reference(resource.get("slot"), "Slot")
    if not (ids.is_number(request) and ids.is_number(found)):
        raise InvalidInput("appt-resource needs basedOn ServiceRequest/{id} and slot Slot/{id}")
    return int(request), int(found)
