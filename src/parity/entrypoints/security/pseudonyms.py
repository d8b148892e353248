"""De-identification for auditors: a member's plan id becomes a stable pseudonym (an HMAC
under the install's secret), so an auditor can follow one member's requests through a
report without learning who they are."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from fastapi import Request

from parity.domain.care import Channel
from parity.domain.ports import UnitOfWork
from parity.domain.users import Principal, Role
from parity.entrypoints.security.context import from_request
from parity.services.evidence_trail import timeline


def pseudonym(secret: str, member_id: str) -> str:
    digest = hmac.new(secret.encode(), f"member:{member_id}".encode(), hashlib.sha256)
    return f"anon-{digest.hexdigest()[:12]}"


def user_pseudonym(secret: str, username: str) -> str:
    """A member's account name as an auditor sees it (a login may be a name or an e-mail):
    stable, so one account's acts can be followed, and apart from the member pseudonyms."""
    digest = hmac.new(secret.encode(), f"user:{username}".encode(), hashlib.sha256)
    return f"anon-user-{digest.hexdigest()[:12]}"


def pseudonymiser(request: Request) -> Callable[[str], str]:
    """Identity for every role but the auditor, who gets pseudonyms."""
    who = getattr(request.state, "principal", None)
    if isinstance(who, Principal) and who.role is Role.AUDITOR:
        secret = from_request(request).config.secret
        return lambda member_id: pseudonym(secret, member_id)
    return lambda member_id: member_id


# The fields of an evidence document that name who acted (services/evidence_trail.py).
ACTOR_FIELDS = frozenset({"by", "offered_by", "recorded_by", "author", "made_by"})
PORTAL = Channel.PORTAL.value


def accounts_hidden(
    request: Request, uow: UnitOfWork, docs: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Evidence documents as the caller may read them: to an auditor, a member who acted for
    themselves is shown by a pseudonym of their account, never their login (a name or an
    e-mail; docs/adr/0012, "2026-12-08 (round nineteen probes)"), in every field that names
    who acted and so in the timeline built from them. Staff stay named, as in the trail."""
    who = getattr(request.state, "principal", None)
    if not (isinstance(who, Principal) and who.role is Role.AUDITOR):
        return docs
    named: set[str] = set()
    own: set[str] = set()  # who recorded an act through the portal: the member themselves
    _actors(docs, named, own)
    with uow:  # each name once, however many documents name it
        accounts = {name: uow.users.by_username(name) for name in sorted(named - own)}
    members = own | {n for n, u in accounts.items() if u is not None and u.role is Role.MEMBER}
    if not members:
        return docs
    secret = from_request(request).config.secret
    shown = {name: user_pseudonym(secret, name) for name in members}
    hidden = [_hidden(doc, shown) for doc in docs]
    for doc in hidden:
        doc["timeline"] = timeline(doc)
    return hidden


def _actors(value: Any, found: set[str], own: set[str]) -> None:
    """Every name in a field that names who acted (`found`), and those of acts recorded
    through the portal (`own`): only a member acting for themselves records through it
    (docs/adr/0012, 2026-12-07 night)."""
    if isinstance(value, dict):
        portal = PORTAL in (value.get("channel"), value.get("response_channel"))
        for key, item in value.items():
            if key in ACTOR_FIELDS and isinstance(item, str) and item:
                found.add(item)
                if portal and key in ("by", "recorded_by"):
                    own.add(item)
            else:
                _actors(item, found, own)
    elif isinstance(value, list):
        for item in value:
            _actors(item, found, own)


def _hidden(value: Any, shown: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            key: shown.get(item, item)
            if key in ACTOR_FIELDS and isinstance(item, str)
            else _hidden(item, shown)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_hidden(item, shown) for item in value]
    return value
