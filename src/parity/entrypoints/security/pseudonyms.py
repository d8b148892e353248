"""De-identification for auditors: a member's plan id becomes a stable pseudonym (an HMAC
under the install's secret), so an auditor can follow one member's requests through a
report without learning who they are."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from fastapi import Request

from parity.domain.users import Principal, Role
from parity.entrypoints.security.context import from_request


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
