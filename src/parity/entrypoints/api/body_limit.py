"""Refuse request bodies over a size limit before anything parses them (413).

A declared `Content-Length` over the limit is answered at once, without reading the body.
A body sent without one (chunked) is counted as it arrives, and the read that crosses the
limit raises an HTTP 413 inside the route, which errors.py turns into an OperationOutcome;
the route has parsed nothing and written nothing by then, because it is still reading its
input.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parity.entrypoints.api.responses import FhirResponse, outcome

API_BODY_LIMIT_BYTES = 1024 * 1024


class BodyLimit:
    """ASGI middleware: HTTP requests may carry at most `limit_bytes` of body."""

    def __init__(self, app: ASGIApp, limit_bytes: int = API_BODY_LIMIT_BYTES) -> None:
        self.app = app
        self.limit_bytes = limit_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.limit_bytes:
            await self._refuse(declared)(scope, receive, send)
            return
        await self.app(scope, self._counting(receive), send)

    def _refuse(self, size: int | None) -> FhirResponse:
        body = outcome("error", "too-long", self._message(size), "body-too-large")
        return FhirResponse(body, status_code=413, headers={"Connection": "close"})

    def _message(self, size: int | None) -> str:
        sent = f"{size:,} bytes" if size is not None else "more"
        return f"body-too-large: the request body is {sent}; the limit is {self.limit_bytes:,}"

    def _counting(self, receive: Receive) -> Receive:
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit_bytes:
                    raise HTTPException(413, self._message(None))
            return message

        return counted


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
