"""Identifiers as the outside world writes them, parsed once into the values every check and
every operation then share (docs/adr/0012-authorisation-where-the-data-is-touched.md).

One spelling per record: a numeric id is ASCII digits without a sign, padding or leading
zeros and fits a signed 64-bit column; a text id (member, clinician, clinic) is 1-64 ASCII
letters, digits, `.`, `_` or `-`, starting with a letter or digit. Anything else is refused
(`InvalidInput`, a 400) rather than read "generously": a check that reads `007` one way and
an operation that reads it another is how records of one member answer for another.

A reference is relative (`Patient/m1`) or a bare id; an absolute URL is refused, even one
naming this server, so that a reference has exactly one spelling to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parity.domain.errors import InvalidInput, NotFound

MAX_ID = 2**63 - 1
NUMBER = re.compile(r"(?:0|[1-9][0-9]{0,18})", re.ASCII)
TEXT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", re.ASCII)
TASK_KINDS = frozenset({"offer", "exception", "referral"})


def is_number(text: str) -> bool:
    """Whether `text` is a canonical numeric id (in range, one spelling)."""
    return NUMBER.fullmatch(text) is not None and int(text) <= MAX_ID


def is_text_id(text: str) -> bool:
    return TEXT.fullmatch(text) is not None


def number(text: str, what: str) -> int:
    """A canonical numeric id, or `InvalidInput` naming what it should have been."""
    if not is_number(text):
        raise InvalidInput(f"{what} ids are whole numbers written plainly, got {text[:40]!r}")
    return int(text)


def text_id(text: str, what: str) -> str:
    """A canonical text id (a member, clinician or clinic), or `InvalidInput`."""
    if not is_text_id(text):
        raise InvalidInput(
            f"{what} ids are 1-64 letters, digits, '.', '_' or '-'; got {text[:40]!r}"
        )
    return text


def path_number(text: str, resource_type: str) -> int:
    """A numeric id in a URL path: a malformed one names no record, so it is `NotFound`."""
    if not is_number(text):
        raise NotFound(f"{resource_type} {text[:40]} not found", resource=resource_type)
    return int(text)


def path_text(text: str, resource_type: str) -> str:
    if not is_text_id(text):
        raise NotFound(f"{resource_type} {text[:40]} not found", resource=resource_type)
    return text


def reference(text: str, resource_type: str) -> str:
    """The id of a relative reference `Type/id` or a bare id, unparsed; a reference to
    another type, an absolute URL or anything with more parts is refused."""
    if "://" in text or text.startswith("/"):
        raise InvalidInput(f"references are relative (`{resource_type}/id`), got {text[:60]!r}")
    kind, slash, key = text.partition("/")
    if not slash:
        return kind
    if kind != resource_type or "/" in key:
        raise InvalidInput(f"expected a reference to a {resource_type}, got {text[:60]!r}")
    return key


def number_reference(text: str, resource_type: str) -> int:
    return number(reference(text, resource_type), resource_type)


def text_reference(text: str, resource_type: str) -> str:
    return text_id(reference(text, resource_type), resource_type)


@dataclass(frozen=True, slots=True)
class TaskId:
    """`offer-3`, `exception-2`, `referral-5`: a Task is one of three kinds of evidence."""

    kind: str
    number: int


def task_id(text: str) -> TaskId:
    """A Task id from a URL path; anything not of that shape names no Task (`NotFound`)."""
    kind, _, digits = text.partition("-")
    if kind not in TASK_KINDS or not is_number(digits):
        raise NotFound(f"Task {text[:40]} not found", resource="Task")
    return TaskId(kind, int(digits))
