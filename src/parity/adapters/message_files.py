"""Load the waitlist and message settings (data/messages.toml, or a file of one's own).

A missing key or a bad value fails loudly at start with `RuleFileError` naming the file.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from parity.adapters.rules_files import _need, read_toml
from parity.domain.errors import RuleFileError
from parity.domain.messages import MessageCatalogue, MessageKind, MessageRules, MessageTemplate
from parity.domain.waitlist import WaitlistRules


def messages_file() -> Path:
    return Path(str(resources.files("parity") / "data" / "messages.toml"))


def _hours(table: dict[str, Any], key: str, path: Path) -> timedelta:
    value = _need(table, key, path)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise RuleFileError(f"{path}: {key} must be a number of hours, got {value!r}")
    return timedelta(hours=value)


def _catalogue(table: dict[str, Any], path: Path) -> MessageCatalogue:
    found: dict[MessageKind, MessageTemplate] = {}
    for kind in MessageKind:
        entry = _need(table, kind.value, path)
        found[kind] = MessageTemplate(_need(entry, "subject", path), _need(entry, "body", path))
    return MessageCatalogue(found)


def load_outreach(path: Path | None = None) -> tuple[WaitlistRules, MessageRules]:
    """The waitlist rules and the message rules from one file."""
    path = path or messages_file()
    data = read_toml(path)
    waitlist, messages = _need(data, "waitlist", path), _need(data, "messages", path)
    rules = WaitlistRules(
        enabled=bool(_need(waitlist, "enabled", path)),
        wait_before_referral=bool(_need(waitlist, "wait_before_referral", path)),
        offer_hold=_hours(waitlist, "offer_hold_hours", path),
        refer_before=_hours(waitlist, "refer_before_hours", path),
    )
    leads = tuple(timedelta(hours=h) for h in _need(messages, "reminder_lead_hours", path))
    attempts = _need(messages, "max_attempts", path)
    if not isinstance(attempts, int) or attempts < 1 or not leads:
        raise RuleFileError(f"{path}: max_attempts must be >= 1 and reminder leads non-empty")
    catalogue = _catalogue(_need(data, "templates", path), path)
    return rules, MessageRules(leads, attempts, catalogue)


@cache
def default_waitlist_rules() -> WaitlistRules:
    """The packaged rules with the waitlist switched off: a `Policy` built without them
    (tests, the simulator) behaves exactly as before the waitlist existed."""
    rules, _ = load_outreach()
    return WaitlistRules(False, False, rules.offer_hold, rules.refer_before)


@cache
def default_message_rules() -> MessageRules:
    return load_outreach()[1]
