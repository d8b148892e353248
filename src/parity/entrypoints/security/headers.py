"""Security headers on every response, from one middleware
(docs/adr/0012-authorisation-where-the-data-is-touched.md, hardening):

- `Content-Security-Policy`: scripts, styles, images and connections from this origin only
  (inline styles allowed: the pages size bars and grids with them; no inline script), no
  plugins, forms post only here, and `frame-ancestors 'none'` so no other site can frame a
  booking form (clickjacking); `X-Frame-Options: DENY` says the same to older browsers.
- `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` (a page address can
  name a member or a request).
- `Cache-Control: no-store` on everything but the static assets and the health probe:
  member data must not stay in a shared or browser cache.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
ALWAYS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
CACHEABLE = ("/app/static/", "/health")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope.get("path", "")).startswith(CACHEABLE)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers[name] = value
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
                    headers["Pragma"] = "no-cache"
            await send(message)

        await self.app(scope, receive, with_headers)
