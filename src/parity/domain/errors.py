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


class SlotUnavailable(ParityError):
    rule = "slot-unavailable"
    http_status = 409


class ProtectedTimeConflict(ParityError):
    """Something tried to book or schedule work inside protected indirect-patient-care time."""

    rule = "protected-time"
    http_status = 409


class ProtectedTimeShortfall(ParityError):
    """A template or exception would leave a clinician less IPC time than the contract guarantees."""

    rule = "protected-time-shortfall"
    http_status = 409


class ScheduleOverlap(InvalidInput):
    rule = "schedule-overlap"


class DeadlineUnreachable(ParityError):
    """No in-network slot meets the legal deadline; the request must be referred out of network."""

    rule = "deadline-unreachable"
    http_status = 409


class SlotMismatch(ParityError):
    """The slot does not match the request (provider class, language, modality or visit type)."""

    rule = "slot-mismatch"
    http_status = 409


class InvalidTransition(ParityError):
    """The record is not in a state that allows this action (e.g. cancelling a cancelled visit)."""

    rule = "invalid-transition"
    http_status = 409
