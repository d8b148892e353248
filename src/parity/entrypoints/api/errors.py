"""The one place errors become HTTP: every refusal is a 4xx with a FHIR OperationOutcome
that names the broken rule (STYLE.md convention 11); a database that is briefly
unavailable is a 503 that says to retry; anything else is a 500 outcome.

`issue[0].code` is the FHIR issue type (bound to the IssueType value set); the Parity rule
is `issue[0].details.coding[0].code`, and `diagnostics` starts with it:
"slot-unavailable: slot 17 is not free (busy)".
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from parity.domain.errors import InvalidInput, NotFound, ParityError, SlotUnavailable
from parity.entrypoints.api.responses import FhirResponse, outcome

log = logging.getLogger(__name__)

# FHIR IssueType of the security refusals (ADR 0008).
SECURITY_ISSUES = {"not-authenticated": "login", "forbidden": "forbidden"}
SECURITY_ISSUES |= {"too-many-attempts": "throttled"}
# Refusals of what the server does not implement, rather than of bad input (R4 IssueType).
NOT_SUPPORTED = frozenset({"unsupported-modifier"})
HTTP_ISSUE_CODES = {404: "not-found", 405: "not-supported", 406: "not-supported", 413: "too-long"}
RETRY_AFTER_SECONDS = 1


def issue_code(error: ParityError) -> str:
    """The FHIR issue type of a refusal: what kind of problem, not which rule."""
    if error.rule in SECURITY_ISSUES:
        return SECURITY_ISSUES[error.rule]
    if error.rule in NOT_SUPPORTED:
        return "not-supported"
    if isinstance(error, NotFound):
        return "not-found"
    if isinstance(error, InvalidInput):
        return "invalid"
    if isinstance(error, SlotUnavailable):
        return "conflict"
    return "business-rule"


def parity_error(_: Request, error: Exception) -> FhirResponse:
    assert isinstance(error, ParityError)
    body = outcome("error", issue_code(error), f"{error.rule}: {error.message}", error.rule)
    headers = getattr(error, "http_headers", None)  # WWW-Authenticate, Retry-After
    return FhirResponse(body, status_code=error.http_status, headers=headers)


def _where(location: tuple[object, ...]) -> str:
    return ".".join(str(part) for part in location) or "request"


def invalid_request(_: Request, error: Exception) -> FhirResponse:
    """Malformed JSON, a wrong `resourceType`, a bad query parameter: 400, never a 500."""
    assert isinstance(error, RequestValidationError)
    problems = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in error.errors()) or "invalid"
    body = outcome("error", "invalid", f"invalid-request: {problems}", "invalid-request")
    return FhirResponse(body, status_code=400)


def http_error(request: Request, error: Exception) -> FhirResponse:
    assert isinstance(error, HTTPException)
    code = HTTP_ISSUE_CODES.get(error.status_code, "processing")
    message = f"http-{error.status_code}: {error.detail} ({request.method} {request.url.path})"
    body = outcome("error", code, message, f"http-{error.status_code}")
    return FhirResponse(body, status_code=error.status_code, headers=error.headers)


def database_unavailable(_: Request, error: Exception) -> FhirResponse:
    """A lost connection, a serialization failure or deadlock, a busy SQLite file, an
    exhausted pool: the unit of work rolled back, so nothing was written and the client may
    simply retry. 503, never a 500."""
    cause = str(getattr(error, "orig", None) or error).strip().splitlines()
    log.warning("database unavailable: %s: %s", type(error).__name__, cause[0] if cause else "")
    body = outcome(
        "error",
        "transient",
        "database-unavailable: the database did not answer in time; nothing was changed, "
        "retry the request",
        "database-unavailable",
    )
    return FhirResponse(body, status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def database_error(request: Request, error: Exception) -> FhirResponse:
    """Driver errors: transient ones (above) are a 503, anything else is a bug."""
    assert isinstance(error, DBAPIError)
    if isinstance(error, OperationalError) or error.connection_invalidated:
        return database_unavailable(request, error)
    return unexpected(request, error)


def unexpected(_: Request, error: Exception) -> FhirResponse:
    """The fallback: a bug, not bad input. Logged with its traceback; the body says little."""
    log.error("unexpected error in the FHIR API", exc_info=error)
    body = outcome("fatal", "exception", "internal-error: an unexpected error occurred")
    return FhirResponse(body, status_code=500)


Handler = Callable[[Request, Exception], FhirResponse]


def _on_loop(handler: Handler) -> Callable[[Request, Exception], Awaitable[FhirResponse]]:
    """The handler as a coroutine: Starlette runs a plain `def` handler in a worker thread,
    a hop per refusal (a 409 is an everyday answer of `$hold` and `$book`); none of them
    blocks (docs/adr/0017-booking-api-speed.md)."""

    async def handle(request: Request, error: Exception) -> FhirResponse:
        return handler(request, error)

    return handle


def install(app: FastAPI) -> None:
    app.add_exception_handler(ParityError, _on_loop(parity_error))
    app.add_exception_handler(RequestValidationError, _on_loop(invalid_request))
    app.add_exception_handler(HTTPException, _on_loop(http_error))
    app.add_exception_handler(DBAPIError, _on_loop(database_error))
    app.add_exception_handler(PoolTimeout, _on_loop(database_unavailable))
    app.add_exception_handler(Exception, _on_loop(unexpected))
