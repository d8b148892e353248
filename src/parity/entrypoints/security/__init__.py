"""Authentication, authorisation by role, the audit trail and log privacy (ADR 0008).

See docs/adr/0008-authentication-and-audit.md and the README's Security section.
"""

from __future__ import annotations

from parity.entrypoints.security.context import SecurityConfig, issue_token

__all__ = ["SecurityConfig", "issue_token"]
