"""Refuse control characters in the API's addresses and bodies before anything reads them.

FHIR's `string` holds no character below U+0020 but tab, line feed and carriage return, and
PostgreSQL's text cannot hold a NUL at all: a NUL that reached a statement was a driver
error (a 500), and the other control characters would travel into the evidence and its
CSV. The pages refuse them in their own words (`web/routing.py`); this middleware does the
same for everything else, answering 400 with an OperationOutcome. It looks at the bytes as
sent, once: the query string and a form body after percent-decoding, a JSON body for raw
control bytes and `\\u00XX` escapes of them (docs/adr/0011-hostile-input-faults-and-load.md).

Text that is not Unicode is refused the same way (docs/adr/0012, 2026-12-07): a body or a
decoded query that is not UTF-8 (an encoded surrogate such as `ED A0 80` included), and a
JSON escape of half a surrogate pair (`"\\ud83d"` alone). Python's JSON reader accepts
both and hands on a string no database driver can encode: a 500 on the first write.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parity.entrypoints.api.responses import FhirResponse, outcome
from parity.entrypoints.web.routing import CONTROL

# The pages' class of control characters (web/routing.py), searched in bytes.
CONTROL_BYTES = re.compile(CONTROL.pattern.encode("ascii"))
# The same as a JSON escape, where the backslash is not itself escaped (`\\u0000` is text).
CONTROL_ESCAPES = re.compile(rb"(?<!\\)(?:\\\\)*\\u00(?:0[0-8bcef]|1[0-9a-f]|7f)", re.IGNORECASE)
# Every JSON escape, read left to right so that `\\\\` (an escaped backslash) is one escape.
JSON_ESCAPES = re.compile(rb"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)
PAGES = "/app"


def _decoded(raw: bytes) -> bytes:
    """A query string or form body as the bytes it stands for."""
    return unquote_to_bytes(raw.replace(b"+", b" "))


def _not_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")  # strict: an encoded surrogate is not UTF-8 either
    except UnicodeDecodeError:
        return True
    return False


def _half_surrogate(body: bytes) -> bool:
    """Whether a JSON text escapes half a surrogate pair (a high one not followed at once by
    a low one, or a low one alone): the string it stands for is not Unicode text."""
    if b"\\u" not in body:
        return False
    awaiting = -1  # where a low half must start, after a high one
    for found in JSON_ESCAPES.finditer(body):
        code = int(found.group(1)[1:], 16) if len(found.group(1)) == 5 else -1
        if awaiting >= 0 and not (found.start() == awaiting and 0xDC00 <= code <= 0xDFFF):
            return True
        if awaiting < 0 and 0xDC00 <= code <= 0xDFFF:
            return True
        awaiting = found.end() if 0xD800 <= code <= 0xDBFF else -1
    return awaiting >= 0


def control_in_query(query: bytes) -> bool:
    decoded = _decoded(query)
    return CONTROL_BYTES.search(decoded) is not None or _not_utf8(decoded)


def control_in_body(body: bytes, content_type: str) -> bool:
    if CONTROL_BYTES.search(body) is not None or _not_utf8(body):
        return True
    if content_type.startswith("application/x-www-form-urlencoded"):
        decoded = _decoded(body)
        return CONTROL_BYTES.search(decoded) is not None or _not_utf8(decoded)
    return CONTROL_ESCAPES.search(body) is not None or _half_surrogate(body)


def _refusal(where: str) -> FhirResponse:
    message = (
        f"invalid-characters: {where} holds a control character (such as a NUL byte) or "
        "text that is not UTF-8; FHIR strings are Unicode and hold no control character "
        "but tab, line feed and carriage return"
    )
    return FhirResponse(outcome("error", "invalid", message, "invalid-characters"), 400)


class TypedText:
    """ASGI middleware: API requests carry no control characters in address or body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path == PAGES or path.startswith(PAGES + "/"):
            await self.app(scope, receive, send)
            return
        if control_in_query(scope.get("query_string", b"")):
            await _refusal("the address")(scope, receive, send)
            return
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        try:
            messages, body = await _read(receive)
        except HTTPException as error:  # the body limit's 413, met while reading here
            refused = outcome("error", "too-long", str(error.detail), "body-too-large")
            await FhirResponse(refused, error.status_code)(scope, receive, send)
            return
        if control_in_body(body, _content_type(scope)):
            await _refusal("the request body")(scope, receive, send)
            return
        await self.app(scope, _replay(messages, receive), send)


async def _read(receive: Receive) -> tuple[list[Message], bytes]:
    """The body's messages as they came, and the body (the body limit bounds its size)."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
    return messages, b"".join(m.get("body", b"") for m in messages)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


def _content_type(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return str(value.decode("latin-1").lower())
    return ""
