"""Read posted form fields into typed values, or refuse with a message that names the field.

Routes take every field as an optional string (`Field`) and read it here, so a missing or
malformed value becomes an `InvalidInput` shown beside the form, never FastAPI's generic
validation error. The browser checks `required`, `type=date` and the like first; these
checks are the ones that count.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import Enum
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Form

from parity.domain.errors import InvalidInput

E = TypeVar("E", bound=Enum)
MAX_TEXT = 2000

# A form field as posted: absent and empty read the same.
Field = Annotated[str, Form(max_length=MAX_TEXT)]
Fields = Annotated[list[str], Form()]


def text(value: str, label: str) -> str:
    """A required free-text field, trimmed."""
    found = value.strip()
    if not found:
        raise InvalidInput(f"{label} is required")
    return found


def day(value: str, label: str) -> date:
    try:
        return date.fromisoformat(text(value, label))
    except ValueError:
        raise InvalidInput(f"{label} must be a date (YYYY-MM-DD), got {value!r}") from None


def optional_day(value: str, label: str) -> date | None:
    return day(value, label) if value.strip() else None


def local_moment(value: str, label: str, tz: ZoneInfo) -> datetime:
    """A `datetime-local` value, read on the clinic's wall clock."""
    try:
        found = datetime.fromisoformat(text(value, label))
    except ValueError:
        raise InvalidInput(f"{label} must be a date and time, got {value!r}") from None
    if found.tzinfo is not None:
        return found
    return found.replace(tzinfo=tz)


def end_of_day(value: str, label: str, tz: ZoneInfo) -> datetime:
    """A date meaning the end of that local day (as a deadline is written)."""
    return datetime.combine(day(value, label), time(23, 59, 59), tzinfo=tz)


def whole(value: str, label: str, low: int, high: int) -> int:
    try:
        found = int(text(value, label))
    except ValueError:
        raise InvalidInput(f"{label} must be a whole number, got {value!r}") from None
    if not low <= found <= high:
        raise InvalidInput(f"{label} must be between {low} and {high}, got {found}")
    return found


def decimal(value: str, label: str, low: float, high: float) -> float:
    try:
        found = float(text(value, label))
    except ValueError:
        raise InvalidInput(f"{label} must be a number, got {value!r}") from None
    if not low <= found <= high:
        raise InvalidInput(f"{label} must be between {low:g} and {high:g}, got {found:g}")
    return found


def choice(kind: type[E], value: str, label: str) -> E:
    try:
        return kind(text(value, label))
    except ValueError:
        known = ", ".join(str(member.value) for member in kind)
        raise InvalidInput(f"{label} {value!r} is not one of {known}") from None
