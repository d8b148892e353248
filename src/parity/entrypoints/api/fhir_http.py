"""The parts of FHIR's RESTful HTTP that no route needs to know, as one ASGI middleware
(docs/adr/0015-fhir-conformance.md, 2026-12-08):

- `POST [type]/_search` with a form body is the GET search with the body's parameters
  after the URL's (R4 http.html#search); its self link is the GET form, as R4 asks.
- A reference given as an absolute URL of this server (`http://host/Patient/ada`) is the
  relative reference `Patient/ada` (R4 search.html#reference).
- HEAD is GET without the body (RFC 9110 9.3.2).
- A read answered 200 with an `ETag` is 304 Not Modified without a body when the client's
  `If-None-Match` names that version, or, without `If-None-Match`, when its
  `If-Modified-Since` is not before `Last-Modified` (R4 http.html#cread; RFC 9110 13.1).
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parity.entrypoints.api import addresses
from parity.entrypoints.api.formats import NOT_FHIR
from parity.entrypoints.api.responses import FHIR_JSON, outcome

FORM = "application/x-www-form-urlencoded"
SEARCH = "/_search"
# What a 304 keeps of the 200 it stands for (RFC 9110 15.4.5); the body and its type go.
KEPT_ON_304 = frozenset({b"etag", b"last-modified", b"cache-control", b"vary", b"date"})


def _header(scope: Scope, name: bytes) -> str:
    found: bytes = dict(scope.get("headers") or []).get(name, b"")
    return found.decode("latin-1")


def _without(scope: Scope, *names: bytes) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in scope.get("headers") or [] if k not in names]


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _nothing_more() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _is_type_search(path: str) -> bool:
    """`/Patient/_search`: one resource type, then `_search`."""
    return path.endswith(SEARCH) and path.count("/") == 2 and path[1:2].isupper()


def _local_references(scope: Scope) -> Scope:
    """The query with every value (or comma-separated part) that starts with this server's
    base address written relative to it."""
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    if "%3A%2F%2F" not in query.upper() and "://" not in query:
        return scope
    base = addresses.base(Request(scope)) + "/"
    try:
        pairs = parse_qsl(query, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:  # not UTF-8: left as sent, for TypedText to refuse
        return scope
    local = [(k, ",".join(p.removeprefix(base) for p in v.split(","))) for k, v in pairs]
    if local == pairs:
        return scope
    return {**scope, "query_string": urlencode(local).encode("latin-1")}


def _etags(text: str) -> set[str]:
    """The opaque tags an `If-None-Match` lists, compared weakly (RFC 9110 8.8.3.2)."""
    return {t.strip().removeprefix("W/") for t in text.split(",") if t.strip()}


def _not_modified(scope: Scope, headers: dict[bytes, bytes]) -> bool:
    etag = headers.get(b"etag", b"").decode("latin-1")
    if not etag:
        return False
    asked = _header(scope, b"if-none-match")
    if asked:
        tags = _etags(asked)
        return "*" in tags or etag.removeprefix("W/") in tags
    since = _header(scope, b"if-modified-since")
    modified = headers.get(b"last-modified", b"").decode("latin-1")
    return bool(since and modified) and _not_after(modified, since)


def _not_after(modified: str, since: str) -> bool:
    try:
        changed: datetime = parsedate_to_datetime(modified)
        asked: datetime = parsedate_to_datetime(since)
    except (TypeError, ValueError):  # a date RFC 9110 cannot read is ignored
        return False
    return changed <= asked


class FhirHttp:
    """The middleware; pages, the token endpoint and the API description pass through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(NOT_FHIR):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "POST" and _is_type_search(str(scope["path"])):
            if not _header(scope, b"content-type").lower().startswith(FORM):
                await _refuse_search_body(send)
                return
            scope = _as_get(scope, await _body(receive))
            receive = _nothing_more
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        if scope["method"] == "GET":
            scope = _local_references(scope)
            send = _Conditional(scope, send, head).send
        await self.app(scope, receive, send)


def _as_get(scope: Scope, body: bytes) -> Scope:
    path = str(scope["path"]).removesuffix(SEARCH)
    query = b"&".join(q for q in (bytes(scope.get("query_string", b"")), body.strip()) if q)
    return {
        **scope,
        "method": "GET",
        "path": path,
        "raw_path": path.encode("latin-1"),
        "query_string": query,
        "headers": _without(scope, b"content-type", b"content-length"),
    }


async def _refuse_search_body(send: Send) -> None:
    message = f"unsupported-media-type: POST _search takes a form body ({FORM})"
    body = orjson.dumps(outcome("error", "not-supported", message, "unsupported-media-type"))
    headers = [(b"content-type", FHIR_JSON.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 415, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _Conditional:
    """A `send` that answers 304 for an unchanged read, and no body to a HEAD."""

    def __init__(self, scope: Scope, send: Send, head: bool) -> None:
        self.scope, self.inner, self.head = scope, send, head
        self.bodiless = head

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers") or [])
            if message["status"] == 200 and _not_modified(self.scope, headers):
                kept = [(k, v) for k, v in message.get("headers") or [] if k in KEPT_ON_304]
                message = {**message, "status": 304, "headers": kept}
                self.bodiless = True
            await self.inner(message)
            return
        if message["type"] == "http.response.body" and self.bodiless:
            if not message.get("more_body", False):
                await self.inner({"type": "http.response.body", "body": b""})
            return
        await self.inner(message)
