"""Refuse control characters in the API's addresses and bodies before anything reads them.

FHIR's `string` holds no character below U+0020 but tab, line feed and carriage return, and
PostgreSQL's text cannot hold a NUL at all: a NUL that reached a statement was a driver
error (a 500), and the other control characters would travel into the evidence and its
CSV. The pages refuse them in their own words (`web/routing.py`); this middleware does the
same for everything else, answering 400 with an OperationOutcome. It looks at the bytes as
sent, once: the query string and a form body after percent-decoding, a JSON body for raw
control bytes and `\\u00XX` escapes of them (docs/adr/0011-hostile-input-faults-and-load.md).
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
PAGES = "/app"


def _decoded(raw: bytes) -> bytes:
    """A query string or form body as the bytes it stands for."""
    return unquote_to_bytes(raw.replace(b"+", b" "))


def control_in_query(query: bytes) -> bool:
    return CONTROL_BYTES.search(_decoded(query)) is not None


def control_in_body(body: bytes, content_type: str) -> bool:
    if CONTROL_BYTES.search(body) is not None:
        return True
    if content_type.startswith("application/x-www-form-urlencoded"):
        return CONTROL_BYTES.search(_decoded(body)) is not None
    return CONTROL_ESCAPES.search(body) is not None


def _refusal(where: str) -> FhirResponse:
    message = (
        f"invalid-characters: {where} holds a control character (such as a NUL byte); "
        "FHIR strings hold none but tab, line feed and carriage return"
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
