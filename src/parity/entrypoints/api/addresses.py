"""The request's address and the server's base address, as Starlette writes them, without
building a `URL` for every request.

Every scheduling call answers with its server's base address (each entry's `fullUrl`) and
its own address (the Bundle's self link). Starlette builds each from the request's scope on
every request: `request.base_url` copies the scope and parses the Host header, `request.url`
parses it again and joins the parts (~20 µs each on the bench machine;
docs/adr/0017-booking-api-speed.md, fifteenth round). Both are functions of a few values
of the scope alone (the scheme, the server, the path and query or the root path, the Host
header), so each is worked out by Starlette once per distinct set of those values and
looked up afterwards. A value, once written, is what Starlette writes for the same inputs:
nothing here can go stale. At most `KEPT` of each are kept (a client choosing Host headers
cannot grow them without bound).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from starlette.requests import Request

KEPT = 256
_ADDRESSES: dict[Hashable, str] = {}
_BASES: dict[Hashable, str] = {}


def _host(scope: Any) -> bytes | None:
    """The Host header as sent (the first, as Starlette reads it)."""
    for name, value in scope["headers"]:
        if name == b"host":
            return bytes(value)
    return None


def _server(scope: Any) -> Hashable:
    server = scope.get("server")
    return None if server is None else tuple(server)


def address(request: Request) -> str:
    """`str(request.url)`."""
    scope = request.scope
    key = (
        scope.get("scheme", "http"),
        _server(scope),
        scope["path"],
        bytes(scope.get("query_string", b"")),
        _host(scope),
    )
    found = _ADDRESSES.get(key)
    if found is None:
        found = str(request.url)
        _keep(_ADDRESSES, key, found)
    return found


def base(request: Request) -> str:
    """`str(request.base_url)` without its trailing slash."""
    scope = request.scope
    root = scope.get("app_root_path", scope.get("root_path", ""))
    key = (scope.get("scheme", "http"), _server(scope), root, _host(scope))
    found = _BASES.get(key)
    if found is None:
        found = str(request.base_url).rstrip("/")
        _keep(_BASES, key, found)
    return found


def _keep(kept: dict[Hashable, str], key: Hashable, value: str) -> None:
    if len(kept) >= KEPT:
        kept.clear()
    kept[key] = value
