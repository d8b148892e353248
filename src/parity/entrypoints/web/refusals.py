"""Refusals in plain words: what happened and what to do next, for the person at the page
rather than for a developer (docs/adr/0016-pages-for-each-role.md). The rule's name stays
on the page, small, as a reference for support."""

from __future__ import annotations

import re
from dataclasses import dataclass

from parity.domain.users import Principal, Role

# Who may do what a refused role tried, by the last part of the page's address.
WHO_MAY = (
    ("/book", "a scheduler can book it"),
    ("/decline", "a scheduler can record the member's answer"),
    ("/offers/", "a scheduler can record the member's answer"),
    ("/refer", "a scheduler can refer it out of network"),
    ("/exception", "the treating clinician can document a clinical exception"),
    ("/prefer-later", "a scheduler can record the member's later date"),
    ("/withdraw", "a scheduler can record the member's withdrawal"),
    ("/prior-authorization", "a scheduler or the treating clinician can record it"),
    ("/pto", "the clinician or a scheduler can record leave"),
    ("/plan", "a clinic manager can change the action plan"),
    ("/scenarios", "a manager can run scenarios"),
    ("/queue", "a scheduler works the queue"),
)
# Pydantic's words for a malformed field, said the way a form would.
FIELD_WORDS = {
    "Input should be a valid integer": "should be a whole number",
    "Input should be a valid integer, unable to parse string as an integer": "should be a "
    "whole number",
    "Field required": "is missing",
    "Input should be a valid date": "should be a date (YYYY-MM-DD)",
}


@dataclass(frozen=True)
class Explained:
    headline: str
    advice: str


def explain(
    rule: str, message: str, who: Principal | None, path: str, method: str = "GET"
) -> Explained:
    """The refusal of `rule` (with the service's `message`) said for the person at `path`."""
    if rule == "forbidden":
        return _forbidden(who, path, method)
    if rule == "invalid-request":
        return Explained(
            f"Parity could not read this address or form: {_fields(message)}.",
            "Nothing was changed. Go back, check the value and try again.",
        )
    if rule == "not-found":
        return Explained(
            "There is no such page or record, or it is not one you can see.",
            "Check the address, or start again from one of your pages below.",
        )
    return Explained(
        f"Not done: {message}.",
        "Nothing was changed. Correct what the message names and try again.",
    )


def _forbidden(who: Principal | None, path: str, method: str) -> Explained:
    role = _role_words(who)
    other = next((whom for part, whom in WHO_MAY if part in path.rstrip("/")), "")
    if method != "GET":
        advice = f"If it needs doing, {other}." if other else "Ask an administrator if it must."
        return Explained(f"Your role ({role}) cannot do this, so nothing was changed.", advice)
    return Explained(
        f"This page or record is not open to your role ({role}).",
        "Use one of your pages below, or ask an administrator for access.",
    )


def _role_words(who: Principal | None) -> str:
    if who is None:
        return "not signed in"
    return {Role.THERAPIST: "therapist", Role.MANAGER: "clinic manager"}.get(
        who.role, str(who.role)
    )


def _fields(message: str) -> str:
    """`request_id: Input should be a valid integer` → `request id should be a whole number`."""
    said = []
    for part in message.split("; "):
        field, _, problem = part.partition(": ")
        words = FIELD_WORDS.get(problem.strip(), problem.strip().lower() or "is not valid")
        said.append(f"{re.sub(r'[_.]', ' ', field)} {words}")
    return "; ".join(said)
