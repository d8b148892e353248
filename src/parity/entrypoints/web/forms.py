"""Read posted form fields into typed values, or refuse with a message that names the field.

Routes take every field as an optional string (`Field`) and read it here, so a missing or
malformed value becomes an `InvalidInput` shown beside the form, never FastAPI's generic
validation error. The browser checks `required`, `type=date` and the like first; these
checks are the ones that count.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Form

from parity.domain.calendar import end_of_local_day, local_instant, reachable
from parity.domain.errors import InvalidInput

E = TypeVar("E", bound=Enum)
N = TypeVar("N", int, float)
MAX_TEXT = 2000

# A form field as posted: absent and empty read the same.
Field = Annotated[str, Form(max_length=MAX_TEXT)]
Fields = Annotated[list[str], Form()]


def text(value: str, label: str) -> str:
    """A required free-text field, trimmed."""
    kept = value.strip()
    if not kept:
        raise InvalidInput(f"{label} is required")
    return kept


def day(value: str, label: str) -> date:
    try:
        return date.fromisoformat(text(value, label))
    except ValueError:
        raise InvalidInput(f"{label} must be a date (YYYY-MM-DD), got {value!r}") from None


def optional_day(value: str, label: str) -> date | None:
    return day(value, label) if value.strip() else None


def local_moment(value: str, label: str, tz: ZoneInfo) -> datetime:
    """A `datetime-local` value, read on the clinic's wall clock: a time the clocks skipped
    (spring forward) or showed twice (fall back, without an offset) is refused, as the API
    and the rules refuse it (ADR 0013, rule 7), never shifted silently by an hour."""
    try:
        instant = datetime.fromisoformat(text(value, label))
    except ValueError:
        raise InvalidInput(f"{label} must be a date and time, got {value!r}") from None
    return reachable(local_instant(instant, tz), value)


def end_of_day(value: str, label: str, tz: ZoneInfo) -> datetime:
    """A date meaning the end of that local day (as a deadline is written)."""
    return reachable(end_of_local_day(day(value, label), tz), value)


def whole(value: str, label: str, low: int, high: int) -> int:
    return _within(_parsed(int, "a whole number", value, label), label, low, high)


def decimal(value: str, label: str, low: float, high: float) -> float:
    return _within(_parsed(float, "a number", value, label), label, low, high)


def _parsed(kind: Callable[[str], N], what: str, value: str, label: str) -> N:
    try:
        return kind(text(value, label))
    except ValueError:
        raise InvalidInput(f"{label} must be {what}, got {value!r}") from None


def _within(number: N, label: str, low: N, high: N) -> N:
    if not low <= number <= high:
        low_, high_, got = (
            f"{n:g}" if isinstance(n, float) else str(n) for n in (low, high, number)
        )
        raise InvalidInput(f"{label} must be between {low_} and {high_}, got {got}")
    return number


def choice(kind: type[E], value: str, label: str) -> E:
    try:
        return kind(text(value, label))
    except ValueError:
        known = ", ".join(str(member.value) for member in kind)
        raise InvalidInput(f"{label} {value!r} is not one of {known}") from None
