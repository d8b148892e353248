"""The ASGI application factory for `uvicorn --factory` and multi-worker serving.

Each worker process builds its own runtime from the environment (PARITY_*), so
`parity serve --workers N` can use every core; the database is what they share.
"""

from __future__ import annotations

import gc

from fastapi import FastAPI, routing

from parity.adapters.sql.warm import compile_hot_statements
from parity.bootstrap import Runtime, build_links, build_runtime
from parity.config import Settings
from parity.entrypoints.api.app import create_app
from parity.entrypoints.security import SecurityConfig
from parity.entrypoints.security.guard import route_paths

# The cyclic collector's young generation: collect when this many more container objects
# were made than freed (CPython's default is 700). A call makes and frees thousands (a
# `$find`'s Bundle of twenty proposals alone), so at 700 the collector ran about once a
# call, walking the live objects of every call in flight, which reference counting frees
# anyway as each call ends (docs/adr/0017-booking-api-speed.md).
YOUNG_COLLECTION_THRESHOLD = 20_000


def create() -> FastAPI:
    """Build the API on the configured database (the schema is migrated by `parity serve`)."""
    runtime = build_runtime(Settings.from_env(), migrate=False)
    security = SecurityConfig.from_settings(runtime.settings)
    links = build_links(security.secret, runtime.policy)
    app = create_app(runtime.uow, runtime.policy, runtime.clock, security, links)
    warm(app, runtime)
    settle()
    return app


def warm(app: FastAPI, runtime: Runtime) -> None:
    """Before the worker serves, what its first calls would each do once, on a caller's
    time (some 80 ms of CPU, docs/adr/0017-booking-api-speed.md, thirteenth round): the
    state FastAPI builds for every route, with the guard's table of route templates; and
    the pool's first connection, with the dialect's first-connect queries and the
    session's time zone; and the scheduling calls' statements, compiled (some 50 ms more,
    fourteenth round). Nothing read is kept but the connection, back in the pool, and the
    statements' text and conversions."""
    route_paths(app)
    described(app)
    with runtime.engine.connect() as connection:
        compile_hot_statements(connection)


def described(app: FastAPI) -> None:
    """What FastAPI notes of each endpoint for its error messages (its source file and
    line), which it reads at the route's first call, keeping it by endpoint: a read and a
    tokenizing of the endpoint's module (`inspect.getsourcelines`, 3–10 ms of CPU a route,
    docs/adr/0017-booking-api-speed.md, fourteenth round). Nothing when the installed
    FastAPI has no such step."""
    extract = getattr(routing, "_extract_endpoint_context", None)
    if extract is None:
        return
    for context in routing.iter_route_contexts(app.routes):
        if isinstance(context.original_route, routing.APIRoute):
            extract(context.original_route.dependant.call)


def settle() -> None:
    """Take what the process built before serving (modules, the app, the rules) out of the
    cyclic collector's sight: its full collections walked all of it, some 150 ms each,
    a few times a minute under load; and let young objects pile up longer before a
    collection, keeping the older generations' ratios (docs/adr/0017-booking-api-speed.md)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, old)
