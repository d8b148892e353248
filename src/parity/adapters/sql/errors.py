"""Turn the database's refusals into the rule they enforce.

The schema refuses a second live booking of a slot or a request (partial unique indexes)
and any booking inside protected IPC time (triggers, whose messages start with
"protected-time"). Services and the API must see those as the domain's errors (a 409 with
the rule's name), never as a driver exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from parity.domain.errors import (
    InvalidTransition,
    ParityError,
    ProtectedTimeConflict,
    SlotUnavailable,
)

PROTECTED_TIME = "protected-time"
# PostgreSQL names the index; SQLite names the indexed column.
BOOKED_SLOT = ("uq_appointments_booked_slot", "appointments.slot_id")
BOOKED_REQUEST = ("uq_appointments_booked_request", "appointments.request_id")


def rule_broken(error: IntegrityError) -> ParityError | None:
    """The domain error a refused statement stands for, or None for any other failure."""
    message = str(error.orig).strip()
    first_line = message.splitlines()[0] if message else ""
    if PROTECTED_TIME in message:
        start = first_line.find(PROTECTED_TIME)
        return ProtectedTimeConflict(first_line[start:])
    if any(name in message for name in BOOKED_SLOT):
        return SlotUnavailable("the slot already has a booked appointment")
    if any(name in message for name in BOOKED_REQUEST):
        return InvalidTransition("the request already has a booked appointment")
    return None


@contextmanager
def translated() -> Iterator[None]:
    """Re-raise a database refusal as the domain error for the rule it enforces."""
    try:
        yield
    except IntegrityError as error:
        rule = rule_broken(error)
        if rule is None:
            raise
        raise rule from error
