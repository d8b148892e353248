"""The shape checks every request passes before its route runs, read from the route's own
declaration so they cannot drift from what the route parses
(docs/adr/0012-authorisation-where-the-data-is-touched.md):

- a numeric path id (`request_id: int`) is canonical (`parity.domain.ids`): no sign,
  padding, leading zeros or non-ASCII digits, within 64 bits; a text path id
  (`patient_id`, `clinician_id`, `appointment_id`, `task_id`) matches the strict text-id
  pattern. Anything else names no record: 404.
- a parameter the route takes once (not a `list[...]`) given twice is refused (400): a
  check reading the first and an operation reading the last must never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args, get_origin

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute

from parity.domain import ids
from parity.domain.errors import InvalidInput

# Path parameters that name numbered records wherever they appear, however typed.
NUMERIC = frozenset({"request_id", "offer_id", "finding_id", "action_id"})


@dataclass(frozen=True)
class QueryShape:
    """What a route declares: its numeric and text path ids, its single-valued queries."""

    numbers: frozenset[str]
    texts: frozenset[str]
    single: frozenset[str]


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) in (list, tuple, set, frozenset):
        return True
    return any(_is_list(arg) for arg in get_args(annotation))


def _is_int(annotation: Any) -> bool:
    return annotation is int or int in get_args(annotation)


def shape_of(route: APIRoute) -> QueryShape:
    numbers, texts = set(), set()
    for field in _declared(route, "path_params"):
        annotation = field.field_info.annotation
        if _is_int(annotation) or field.alias in NUMERIC:
            numbers.add(field.alias)
        elif field.alias.endswith("_id"):
            texts.add(field.alias)
    queries = _declared(route, "query_params")
    single = {f.alias for f in queries if not _is_list(f.field_info.annotation)}
    return QueryShape(frozenset(numbers), frozenset(texts), frozenset(single))


def _declared(route: APIRoute, kind: str) -> list[Any]:
    """The route's parameters of one kind (path or query), its dependencies' included: a
    page's posted-form dependency may read the path ids."""
    params: list[Any] = []
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        params.extend(getattr(dependant, kind))
        pending.extend(dependant.dependencies)
    return params


def _shape(request: Request) -> QueryShape | None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return None
    app: FastAPI = request.app
    shapes: dict[int, QueryShape] | None = getattr(app.state, "route_shapes", None)
    if shapes is None:
        shapes = app.state.route_shapes = {}
    if id(route) not in shapes:
        shapes[id(route)] = shape_of(route)
    return shapes[id(route)]


def check_request(request: Request) -> None:
    """Refuse malformed path ids (404) and repeated single-valued parameters (400)."""
    shape = _shape(request)
    if shape is None:
        return
    for name, value in request.path_params.items():
        if name in shape.numbers:
            ids.path_number(str(value), name.removesuffix("_id"))
        elif name in shape.texts:
            ids.path_text(str(value), name.removesuffix("_id"))
    repeated = sorted(name for name in shape.single if len(request.query_params.getlist(name)) > 1)
    if repeated:
        raise InvalidInput(f"parameter {', '.join(repeated)} may be given only once")
