"""The headers every generated or hostile request sends.

One function, so that when the API requires a bearer token the fuzzing and hostile-input
tests change in one line: return {"Authorization": f"Bearer {token}"} here.
"""

from __future__ import annotations


def auth_headers() -> dict[str, str]:
    """Headers that authenticate a test client (none are needed yet)."""
    return {}
