"""Versioned reads and version-aware updates (R4 3.1.0.5, docs/adr/0015-fhir-conformance.md).

Every resource a route answers carries `meta.versionId` (a counter) and `meta.lastUpdated`
from the stamps of the records it is read from (`adapters.fhir.versions`); a single
resource also answers with `ETag: W/"n"` and `Last-Modified`. A single read renders the
resource and reads its stamps in one transaction, so the two agree.

A state change (`$cancel`, `$hold`, `$book`, offer answers, request operations) renders
its target, and with `If-Match` locks the target's records and compares their version in
the very transaction that then makes the change: a mismatch is 412 and nothing changes;
no one can change the records between the check and the change. Without `If-Match` the
change goes ahead (R4 lets a server require it; Parity does not, so that clients which
never read first keep working, and every change still passes the domain's own rules).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Self, TypeVar, cast

from fastapi import Request

from parity.adapters.fhir import Json
from parity.adapters.fhir import versions as fhir_versions
from parity.domain.errors import ParityError
from parity.domain.ports import RecordStamp, UnitOfWork
from parity.entrypoints.api.context import Paging
from parity.entrypoints.api.responses import FhirResponse, entry, pruned, searchset

T = TypeVar("T")
Render = Callable[[UnitOfWork], Json]


class PreconditionFailed(ParityError):
    """`If-Match` named a version the resource no longer has (R4 3.1.0.5.3)."""

    rule = "version-conflict"
    http_status = 412


class Joined:
    """The route's open unit of work, handed to services and queries: their `with uow:`
    joins the transaction the route opened instead of opening another. As with their own
    block, a commit ends the transaction and an error leaving a block rolls back what it
    left uncommitted; either way the next block runs in a fresh transaction. The route's
    own `with` block rolls back whatever is left uncommitted at its end."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __getattr__(self, name: str) -> Any:
        return getattr(self._uow, name)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        if exc_type is not None:
            self._restart()

    def commit(self) -> None:
        self._uow.commit()
        self._restart()

    def rollback(self) -> None:
        self._restart()

    def _restart(self) -> None:
        restart = getattr(self._uow, "restart", None)
        if restart is not None:  # a SQL unit of work keeps its connection (adapters/sql)
            restart()
            return
        self._uow.__exit__(None, None, None)  # rolls back anything left
        self._uow.__enter__()


def read_ahead(uow: UnitOfWork, kind: str, key: Any, request: int | None = None) -> None:
    """Let a SQL unit of work read, in one statement, the records a call is about to read
    by key one statement each (`visit`, `hold`, `proposal` with its request, `member`); the
    queries then find them read (adapters/sql/read_ahead.py). Other units of work read as
    they always do."""
    ahead = getattr(uow, "read_ahead", None)
    if ahead is not None:
        ahead(kind, key, request)


def _stamps(
    uow: UnitOfWork, resources: Sequence[Json], lock: bool = False
) -> dict[fhir_versions.Part, RecordStamp]:
    """The stamps of every record the resources are read from, one query per kind."""
    return _stamps_of(uow, [p for r in resources for p in fhir_versions.parts_of(r)], lock)


def _stamps_of(
    uow: UnitOfWork, parts: Iterable[fhir_versions.Part], lock: bool = False
) -> dict[fhir_versions.Part, RecordStamp]:
    """The stamps of these records, one query per kind (none for those the transaction
    already read: adapters/sql/stamps.py)."""
    wanted: defaultdict[str, set[Any]] = defaultdict(set)
    for kind, key in parts:
        wanted[kind].add(key)
    found: dict[fhir_versions.Part, RecordStamp] = {}
    if not wanted:
        return found
    with uow:
        for kind, keys in sorted(wanted.items()):
            found |= {(kind, k): s for k, s in uow.stamps.of(kind, keys, lock).items()}
    return found


def stamped(uow: UnitOfWork, body: Json, clean: bool = False) -> Json:
    """A resource, or a Bundle's resources, with `meta.versionId` and `meta.lastUpdated`;
    pruned of empty values first unless it was built without any (`clean`)."""
    body = body if clean else pruned(body)
    return fhir_versions.stamp_all(body, _stamps(uow, fhir_versions.resources_in(body)))


def versioned(uow: UnitOfWork, body: Json) -> FhirResponse:
    return FhirResponse(stamped(uow, body))


@contextmanager
def reading(uow: UnitOfWork, commit: bool = False) -> Iterator[UnitOfWork]:
    """One transaction for a whole search: the queries, and the stamps of what they found,
    so a page's versions are those of the content it shows. With `commit` (a `$find` that
    opens its request) what the block wrote is committed as it ends without an error, in
    that same transaction (docs/adr/0017-booking-api-speed.md)."""
    with uow:
        yield cast(UnitOfWork, Joined(uow))
        if commit:
            uow.commit()


def read(uow: UnitOfWork, render: Render) -> FhirResponse:
    """One resource, rendered and stamped in one transaction."""
    with uow:
        joined = cast(UnitOfWork, Joined(uow))
        return versioned(joined, render(joined))


def search(
    uow: UnitOfWork,
    request: Request,
    base: str,
    items: Sequence[T],
    to_fhir: Callable[[T], Json],
    paging: Paging,
    ids: str | None = None,
) -> FhirResponse:
    """A `searchset` Bundle of one page of `items` (rendered and stamped only for that
    page: one stamp query per kind of record), or of those whose id is one of the
    comma-separated `ids` (`_id` with other parameters)."""
    if ids is not None:
        wanted = {i.strip() for i in ids.split(",")}
        found: Sequence[Any] = [r for r in map(to_fhir, items) if r.get("id") in wanted]
        render: Callable[[Any], Json] = _same
    else:
        found, render = items, to_fhir
    rendered = [
        pruned(render(item)) for item in found[paging.offset : paging.offset + paging.count]
    ]
    stamps = _stamps(uow, rendered)
    entries = [entry(base, fhir_versions.stamped(r, stamps), "match") for r in rendered]
    return searchset(request, entries, len(found), paging)


def _same(resource: Json) -> Json:
    return resource


def stamp_each(uow: UnitOfWork, resources: Sequence[Json], clean: bool = False) -> list[Json]:
    """The resources stamped, each pruned of empty values first unless they were built
    without any (`clean`: the scheduling operations' Appointments; docs/adr/0017)."""
    rendered = list(resources) if clean else [pruned(r) for r in resources]
    stamps = _stamps(uow, rendered)
    return [fhir_versions.stamped(r, stamps) for r in rendered]


def stamp_rendered(
    uow: UnitOfWork, rendered: Sequence[tuple[Json, Sequence[fhir_versions.Part]]]
) -> list[Json]:
    """Resources this call has just rendered (versioned kinds, with an id, no empty
    values), each with the records it is read from (`fhir_versions.proposal_parts`), so
    their references are not parsed again: stamped in place by the one rule,
    `fhir_versions.stamp_from` (docs/adr/0017-booking-api-speed.md)."""
    stamps = _stamps_of(uow, [p for _, parts in rendered for p in parts])
    return [
        fhir_versions.stamp_in_place(resource, fhir_versions.stamp_from(parts, stamps))
        for resource, parts in rendered
    ]


@contextmanager
def changing(request: Request, uow: UnitOfWork, current: Render) -> Iterator[UnitOfWork]:
    """A version-aware change: the target as the caller may see it (`current`, NotFound
    out of scope), its `If-Match` checked with its records locked, and the change made by
    the block, all in one transaction. 412 when the caller's version is not current."""
    with uow:
        joined = cast(UnitOfWork, Joined(uow))
        resource = current(joined)  # read for its scope and stamps; never answered
        asked = request.headers.get("if-match")
        if asked is not None:
            stamp = fhir_versions.stamp_of(resource, _stamps(joined, [resource], lock=True))
            version = 0 if stamp is None else stamp.version
            if not fhir_versions.matches(asked, version):
                raise PreconditionFailed(
                    f"{resource.get('resourceType')}/{resource.get('id')} is at version "
                    f"{fhir_versions.etag(version)}, not {asked}; read it again"
                )
        yield joined
