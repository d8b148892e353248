"""Build the FHIR API around a unit of work factory, the rules and a clock.

Nothing connects at import time: `create_app` wires what it is given (an in-memory store in
tests and demos; the SQL unit of work in production), so the same booking services serve
the API, the pages and the simulator.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, FastAPI

from parity.adapters.signed_links import OfferLinks
from parity.domain.ports import Clock, UnitOfWork
from parity.entrypoints import web
from parity.entrypoints.api import (
    appointments,
    availability,
    care_requests,
    directory,
    errors,
    evidence,
    metadata,
    openapi_doc,
    optimize,
    reports,
    scheduling,
    waitlist,
)
from parity.entrypoints.api.body_limit import BodyLimit
from parity.entrypoints.api.context import ApiContext
from parity.entrypoints.api.fhir_http import FhirHttp
from parity.entrypoints.api.responses import FhirResponse
from parity.entrypoints.api.typed_text import TypedText
from parity.entrypoints.security import guard, logs, routes, trail
from parity.entrypoints.security.context import Security, SecurityConfig
from parity.entrypoints.security.headers import SecurityHeaders
from parity.services.policy import Policy

DESCRIPTION = """\
FHIR R4 scheduling for timely-access mental-health care (`application/fhir+json`).

Find, hold and book in the Argonaut/IHE shape: `POST /Appointment/$find` →
`POST /Appointment/$hold` → `POST /Appointment/$book`. Every refusal is a 4xx
OperationOutcome naming the rule it enforces. See docs/adr/0003-fhir-scheduling-api.md.
"""


def create_app(
    uow_factory: Callable[[], UnitOfWork],
    policy: Policy,
    clock: Clock,
    security: SecurityConfig | None = None,
    links: OfferLinks | None = None,
) -> FastAPI:
    """The FHIR API and the web pages; each request gets a fresh unit of work from
    `uow_factory`. Every route passes the security guard (the route × role matrix,
    docs/adr/0008-authentication-and-audit.md); without `security`, tokens are signed
    with a secret made for this process only. `links` signs and reads the offer links in
    members' messages (by default with the same secret as the tokens)."""
    logs.install()
    config = security or SecurityConfig.ephemeral()
    app = _bare_app(config)
    app.state.parity = ApiContext(uow_factory, policy, clock)
    app.state.security = Security.build(config, clock)
    app.state.offer_links = links or OfferLinks(config.secret, policy.waitlist.offer_hold)
    _add_middleware(app, uow_factory, clock)
    errors.install(app)
    _include_routers(app)
    return app


def _bare_app(config: SecurityConfig) -> FastAPI:
    """The application with its FHIR defaults and the security guard on every route."""
    return FastAPI(
        title="Parity FHIR API",
        version="0.1.0",
        description=DESCRIPTION,
        default_response_class=FhirResponse,
        dependencies=[Depends(guard.authorise)],
        # The API viewers load their scripts from a CDN on the session cookie's origin:
        # off unless PARITY_API_DOCS=on (docs/adr/0012).
        docs_url="/docs" if config.api_docs else None,
        redoc_url="/redoc" if config.api_docs else None,
    )


def _add_middleware(app: FastAPI, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> None:
    app.add_middleware(trail.AuditTrail, uow_factory=uow_factory, clock=clock)
    app.add_middleware(TypedText)
    # Outside TypedText, so a POST search's form body is checked as the query it becomes.
    app.add_middleware(FhirHttp)
    app.add_middleware(SecurityHeaders)
    # Added last, so outermost: an oversized body is refused before anything reads it.
    app.add_middleware(BodyLimit)


def _include_routers(app: FastAPI) -> None:
    app.include_router(routes.router)
    openapi_doc.install(app)
    # Operations on the type (`/Appointment/$find`) come before reads by id, so a read
    # never shadows them.
    for module in (
        metadata,
        scheduling,
        appointments,
        care_requests,
        evidence,
        availability,
        directory,
        reports,
        optimize,
        waitlist,
    ):
        app.include_router(module.router)
    # The pages (under /app/, and / redirecting to the access dashboard) call the same
    # services with the same context; see docs/adr/0007-server-rendered-pages.md.
    app.include_router(web.router)
