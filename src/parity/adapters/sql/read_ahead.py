"""Reading ahead: the records a scheduling call is about to read by key, in one statement.

A `$cancel` reads its visit, then the visit's request, its slot and (to tell them) its
member; a `$book` of a hold
the hold, its request, its slot and the slot's clinician; a `$hold` the proposal's
request, slot and clinician; a `$find` the member and the member's clinic. Each read by
key is a statement of its own (~85 µs of SQLAlchemy and psycopg CPU, and a round trip).
`SqlUnitOfWork.read_ahead` reads them in one joined SELECT and hands each record to its
repository as if that repository had read it by key in this transaction: the repositories
keep it (and its stamp) until the transaction ends, exactly as they keep what they read
themselves (docs/adr/0017-booking-api-speed.md, seventh round).

Nothing else changes: the services and queries still ask their repositories, which answer
from what this transaction read; the scope checks run on those records as before; every
write still checks the version it read (`save`) or the slot's status (conditional UPDATE).
Under READ COMMITTED reading the request in the same statement as the slot instead of
in the next is one of the orders the transaction could have read them in anyway.

The deny-list check of the request's token (docs/adr/0012), which a unit of work runs
before its first statement, rides in the same statement when the read-ahead is that first
statement: a column `EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = :jti)`, read before
any record of the row is used; a signed-out token's call ends there, having kept nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from sqlalchemy import Integer, Select, String, bindparam, exists, select
from sqlalchemy.sql import FromClause
from sqlalchemy.sql.elements import ColumnElement

from parity.adapters.sql import tables

# What a read-ahead names, and the repository attribute of the unit of work each part of its
# row goes to ("slots" is `SqlSlots`, the others `SqlRepository`), in the order of the
# statement's columns (the FROM's first table first).
VISIT, HOLD, PROPOSAL, MEMBER = "visit", "hold", "proposal", "member"
# A booking's: a proposal's or a hold's, and whether protected time overlaps the slot, which
# the booking then asks without a statement of its own (`SqlProtectedTime`;
# docs/adr/0017-booking-api-speed.md, fourteenth round). On PostgreSQL only (the column's
# interval arithmetic); elsewhere they are read as the plain kind (`PLAIN`).
BOOKING_PROPOSAL, BOOKING_HOLD = "booking-proposal", "booking-hold"
# A `$hold`'s: a proposal's, and the earliest expiry of an active hold, from which the
# hold's search for expired holds is answered when none is due (`SqlHolds`;
# docs/adr/0017-booking-api-speed.md, fifteenth round). On PostgreSQL only, as the booking's.
HOLDING_PROPOSAL = "holding-proposal"
PARTS: dict[str, tuple[str, ...]] = {
    VISIT: ("appointments", "requests", "slots", "members"),
    HOLD: ("holds", "requests", "slots", "clinicians"),
    PROPOSAL: ("slots", "clinicians", "requests"),
    MEMBER: ("members", "clinics"),
    BOOKING_HOLD: ("holds", "requests", "slots", "clinicians", "protected"),
    BOOKING_PROPOSAL: ("slots", "clinicians", "requests", "protected"),
    HOLDING_PROPOSAL: ("slots", "clinicians", "requests", "due_holds"),
}
PLAIN = {BOOKING_HOLD: HOLD, BOOKING_PROPOSAL: PROPOSAL, HOLDING_PROPOSAL: PROPOSAL}
# The columns of a part's row, in order: its repository's own (`read_columns`), the row its
# `note_read` takes, so the statement and the repositories have one source.
Columns = Callable[[str], Sequence[Any]]


@dataclass(frozen=True, slots=True)
class Shape:
    """A prebuilt read-ahead: its statement, and for each part the unit of work's
    repository's `note_read` (found from the unit of work) and the part's columns in the
    row; the deny-list column, when asked, is the last."""

    statement: Select[Any]
    readers: tuple[tuple[Callable[[Any], Callable[[Sequence[Any]], None]], slice], ...]


def _from(kind: str) -> tuple[FromClause, ColumnElement[bool]]:
    """The joined tables of `kind` and the condition naming the first record's key."""
    a, r, s, h = tables.appointments, tables.care_requests, tables.slots, tables.holds
    c, m, k = tables.clinicians, tables.members, tables.clinics
    kind = PLAIN.get(kind, kind)  # a booking's joins are its plain kind's
    if kind == VISIT:
        joined = (
            a.outerjoin(r, r.c.id == a.c.request_id)
            .outerjoin(s, s.c.id == a.c.slot_id)
            .outerjoin(m, m.c.id == a.c.member_id)
        )
        return joined, a.c.id == bindparam("key", type_=Integer)
    if kind == HOLD:
        joined = (
            h.outerjoin(r, r.c.id == h.c.request_id)
            .outerjoin(s, s.c.id == h.c.slot_id)
            .outerjoin(c, c.c.id == s.c.clinician_id)
        )
        return joined, h.c.id == bindparam("key", type_=Integer)
    if kind == PROPOSAL:
        joined = s.outerjoin(c, c.c.id == s.c.clinician_id).outerjoin(
            r, r.c.id == bindparam("request", type_=Integer)
        )
        return joined, s.c.id == bindparam("key", type_=Integer)
    if kind == MEMBER:
        joined = m.outerjoin(k, k.c.id == m.c.clinic_id)
        return joined, m.c.id == bindparam("key", type_=String)
    raise ValueError(f"no read-ahead of {kind!r}")


def _build(kind: str, check: bool, columns_of: Columns) -> Shape:
    readers: list[tuple[Callable[[Any], Callable[[Sequence[Any]], None]], slice]] = []
    columns: list[Any] = []
    for part in PARTS[kind]:
        part_columns = columns_of(part)
        span = slice(len(columns), len(columns) + len(part_columns))
        readers.append((attrgetter(f"{part}.note_read"), span))
        columns.extend(part_columns)
    if check:
        revoked = tables.revoked_tokens
        denied = exists().where(revoked.c.jti == bindparam("jti", type_=String))
        columns.append(denied.label("token_revoked"))
    joined, keyed = _from(kind)
    return Shape(select(*columns).select_from(joined).where(keyed), tuple(readers))


def values(kind: str, key: Any, request: int | None, jti: str | None) -> dict[str, Any]:
    """The bound values of a read-ahead of `kind` (`shape`): the first record's key, the
    request of a proposal, and the token's id when the deny list is asked (`jti`)."""
    bound: dict[str, Any] = {"key": key}
    if PLAIN.get(kind, kind) == PROPOSAL:
        bound["request"] = request
    if jti is not None:
        bound["jti"] = jti
    return bound


_SHAPES: dict[tuple[str, bool], Shape] = {}


def shape(kind: str, check: bool, columns_of: Columns) -> Shape:
    """The prebuilt statement of a read-ahead of `kind`, with the deny-list column or not,
    each part's columns those `columns_of` names (the repositories': the same for every
    unit of work, so built once per process; the values are bound at execution)."""
    found = _SHAPES.get((kind, check))
    if found is None:
        found = _SHAPES[(kind, check)] = _build(kind, check, columns_of)
    return found
