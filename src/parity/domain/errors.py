"""One exception family: each class names the rule that was broken.

Entry points translate these in one place each: an HTTP 4xx with a FHIR OperationOutcome,
a page message, a CLI exit code.
"""

from __future__ import annotations


class ParityError(Exception):
    """A request Parity refuses because it would break a rule."""

    rule = "parity"
    http_status = 400

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(ParityError):
    rule = "not-found"
    http_status = 404


class InvalidInput(ParityError):
    rule = "invalid-input"
    http_status = 422


class UnknownStandard(InvalidInput):
    rule = "unknown-standard"


class RuleFileError(InvalidInput):
    rule = "rule-file"


class Conflict(ParityError):
    """The request clashes with the record as it stands (HTTP 409): asking again unchanged
    will not help."""

    rule = "conflict"
    http_status = 409


class SlotUnavailable(Conflict):
    rule = "slot-unavailable"


class ProtectedTimeConflict(Conflict):
    """Something tried to book or schedule work inside protected indirect-patient-care time."""

    rule = "protected-time"


class ProtectedTimeShortfall(Conflict):
    """A template or exception would leave a clinician less IPC time than the contract guarantees."""

    rule = "protected-time-shortfall"


class ScheduleOverlap(InvalidInput):
    rule = "schedule-overlap"


class DeadlineUnreachable(Conflict):
    """No in-network slot meets the legal deadline; the request must be referred out of network."""

    rule = "deadline-unreachable"


class SlotMismatch(Conflict):
    """The slot does not match the request (provider class, language, modality or visit type)."""

    rule = "slot-mismatch"


class InvalidTransition(Conflict):
    """The record is not in a state that allows this action (e.g. cancelling a cancelled visit)."""

    rule = "invalid-transition"
