"""Prebuilt statements run with less of SQLAlchemy's execution machinery, on PostgreSQL.

`Connection.execute` on a compiled-and-cached statement still builds its parameters
(`construct_params`), an execution context for the compiled form (`_init_compiled`) and a
result with per-column processors: ~85 µs or more per statement where psycopg's own
cursor needs ~60 (docs/adr/0017-booking-api-speed.md, sixth and eighth rounds). Here a
prebuilt statement is compiled once per dialect (and set of parameter names) to its SQL
text, its bind conversions and its result conversions (SQLAlchemy's own processors for the
statement's types: enums, UTC datetimes, JSON, numerics), and run on a DBAPI cursor of the
same connection, in its transaction, through SQLAlchemy's `Connection._cursor_execute`:
the cursor events fire (bench/count_statements.py counts them), a driver error is
translated into SQLAlchemy's (an `IntegrityError` stays one) and a lost connection
invalidates the pool, exactly as under `execute`. The steps `execute` takes before that
(the connection revalidated, a failed transaction refused, the transaction begun) are
taken here too (`_cursor`). These are SQLAlchemy 2.1 internals: an upgrade must pass
tests/integration/test_direct_statements.py. Only the text and the conversions are
remembered, never a value or a row.

Anything this cannot run exactly as `execute` would goes through `execute`: SQLite (its
engine begins each transaction itself), lists of parameters, expanding or literal-execute
parameters named by the caller (an `IN` list), escaped bind names, a statement missing a
value it requires (so `execute` refuses it as ever), and statements whose
columns take Python-side defaults (values computed by the server, e.g. `version + 1`, need
nothing of the client). `Connection.exec_driver_sql` was tried first and cost more than
`execute` (its result set-up from the cursor's description, every time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Dialect, Executable
from sqlalchemy.engine.util import TransactionalContext
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None
# Statements remembered per dialect: the API's prebuilt ones are a few dozen shapes; a
# dialect that sees more (ad hoc statements) starts over rather than grow without bound.
KEPT = 512


@dataclass(slots=True)
class Prepared:
    """A statement compiled for one dialect and one set of parameter names."""

    sql: str
    binds: tuple[tuple[str, Processor], ...]  # every bound name, with its conversion
    defaults: tuple[tuple[str, Any], ...]  # values bound in the statement itself
    types: tuple[Any, ...]  # the result columns' types
    # Columns whose value the client computes at each execution (a default or onupdate
    # given as a Python callable or constant, e.g. `last_updated`), by bind name.
    prefetch: tuple[tuple[str, Callable[[], Any]], ...] = ()
    # The result columns that need a conversion, by position, set at the first run from
    # the driver's type codes (a numeric's conversion depends on the PostgreSQL type it
    # comes back as), as SQLAlchemy's own result set-up does: a row's other columns are
    # not visited (docs/adr/0017-booking-api-speed.md, twelfth round). Each with whether a
    # NULL is converted too: not when the conversion's answer for NULL is NULL.
    results: tuple[tuple[int, Callable[[Any], Any], bool], ...] = ()
    described: bool = False


@dataclass(frozen=True, slots=True)
class Variant:
    """A statement as run with one set of parameter names: prepared, or None (`execute`)."""

    statement: Executable  # held so that its id() is not reused while this is kept
    names: frozenset[str]
    prepared: Prepared | None


# Per dialect: the variants of each statement seen, by id(statement) (one, for the
# prebuilt statements, which are always run with the same names); None for a dialect
# that runs everything through `execute` (SQLite).
Kept = dict[int, tuple[Variant, ...]]
_KEPT: WeakKeyDictionary[Dialect, Kept | None] = WeakKeyDictionary()
# The dialect `_kept_for` answered last, and its statements (one dialect kept alive).
_LAST: tuple[Dialect, Kept | None] | None = None


def _prepare(dialect: Dialect, statement: Executable, names: tuple[str, ...]) -> Prepared | None:
    compiled = statement.compile(dialect=dialect, column_keys=list(names))  # type: ignore[attr-defined]
    if not isinstance(compiled, SQLCompiler):
        return None
    if (
        compiled.post_compile_params
        or any(bind.key in names for bind in compiled.literal_execute_params)
        or compiled.escaped_bind_names
        or compiled.positional
    ):
        return None
    if any(bind.required and name not in names for name, bind in compiled.binds.items()):
        return None  # a value the caller left out: `execute` refuses it, as it should
    processors: dict[str, Any] = dict(compiled._bind_processors)
    if any(not callable(p) for p in processors.values()):
        return None  # a tuple's per-element processors: left to `execute`
    defaults = compiled.construct_params(_check=False)
    sql = compiled.string
    if compiled.literal_execute_params:
        # Values fixed in the statement itself (a `string_agg` separator), rendered once
        # as SQLAlchemy renders them at every execution.
        expanded = compiled.construct_expanded_state(defaults)
        sql = expanded.statement
        defaults = {name: defaults.get(name) for name in expanded.parameters}
    binds = tuple((name, processors.get(name)) for name in defaults)
    bound = tuple(
        (name, value) for name, value in defaults.items() if name not in names and value is not None
    )
    types = tuple(type_ for _key, _name, _objects, type_ in compiled._result_columns)
    prefetch = []
    for columns, which in (
        (compiled.insert_prefetch, "default"),
        (compiled.update_prefetch, "onupdate"),
    ):
        for column in columns:
            made = _client_default(getattr(column, which))
            if made is None or column.key not in defaults:
                return None
            prefetch.append((column.key, made))
    return Prepared(sql, binds, bound, types, tuple(prefetch))


def _client_default(default: Any) -> Callable[[], Any] | None:
    """How the client computes a column's default as `execute` does (a callable's value,
    or a constant), or None for any other kind (left to `execute`)."""
    if default is None:
        return None
    if default.is_callable:
        # SQLAlchemy wraps a callable that takes no argument to take the execution
        # context; Parity's defaults (`tables.common._now`) take none.
        return lambda: default.arg(None)
    if default.is_scalar:
        return lambda: default.arg
    return None


def _kept_for(dialect: Dialect) -> Kept | None:
    """The statements kept for `dialect`, or None when it runs everything through
    `execute` (only PostgreSQL takes the cursor path). The last dialect asked is answered
    by identity: a process serves one engine, and a `WeakKeyDictionary` lookup makes a
    weak reference every time, several per call (docs/adr/0017, twelfth round)."""
    global _LAST
    last = _LAST  # one read: another thread may replace it
    if last is not None and last[0] is dialect:
        return last[1]
    try:
        kept = _KEPT[dialect]
    except KeyError:
        kept = _KEPT[dialect] = {} if dialect.name == "postgresql" else None
    _LAST = (dialect, kept)
    return kept


def takes_cursor_path(connection: Connection) -> bool:
    """Whether prebuilt statements run on the cursor path on this connection (PostgreSQL).
    Searches bind their lists as one array there (`statements.one_of`), since an expanding
    `IN` list would send them back through `execute`: the one place the dialect decides."""
    return _kept_for(connection.dialect) is not None


def prepared(
    connection: Connection, statement: Executable, values: Mapping[str, Any]
) -> Prepared | None:
    """The statement compiled for the connection's dialect and the names of `values`, or
    None where it must go through `execute` (see the module's note). Found by one lookup of
    the dialect and one of the statement; compiled once for each."""
    dialect = connection.dialect
    kept = _kept_for(dialect)
    if kept is None:
        return None
    variants = kept.get(id(statement), ())  # one lookup: another thread may clear `kept`
    for variant in variants:
        if variant.statement is statement and values.keys() == variant.names:
            return variant.prepared
    if len(kept) >= KEPT:
        kept.clear()
    names = tuple(values)
    made = _prepare(dialect, statement, names)
    fresh = Variant(statement, frozenset(names), made)
    kept[id(statement)] = (*(v for v in variants if v.statement is statement), fresh)
    return made


def rows(
    connection: Connection, statement: Executable, parameters: Mapping[str, Any] | None = None
) -> list[Any]:
    """All rows of `statement` (tuples, converted as `execute` would convert them)."""
    values = parameters or {}
    found = prepared(connection, statement, values) if isinstance(values, Mapping) else None
    if found is None:
        result = connection.execute(statement, parameters)
        return list(result.all()) if result.returns_rows else []
    try:
        bound = _bound(found, values)
    except Exception as error:
        # A value its type refuses (a naive instant): SQLAlchemy's `StatementError`, as
        # `execute` raises it while it builds its parameters.
        connection._handle_dbapi_exception(error, found.sql, dict(values), None, None)
    cursor = _cursor(connection)
    # SQLAlchemy's own step for a statement on a cursor: its cursor events, then the
    # driver's execute; a driver error is translated (and a lost connection invalidates
    # the pool) by `_handle_dbapi_exception`, as under `execute`.
    connection._cursor_execute(cursor, found.sql, bound)
    if not found.types:
        return []
    if not found.described:
        _describe(found, connection.dialect, cursor.description or ())
    raw = cursor.fetchall()
    conversions = found.results
    if not conversions:
        return list(raw)
    converted = []
    for row in raw:
        fields = list(row)
        for at, convert, nulls in conversions:
            value = fields[at]
            if nulls or value is not None:
                fields[at] = convert(value)
        converted.append(tuple(fields))
    return converted


def _describe(found: Prepared, dialect: Dialect, described: Sequence[Any]) -> None:
    """Set the statement's result conversions from the driver's description of its first
    result (`Prepared.results`). Whether a conversion turns NULL into NULL is asked once,
    here: SQLAlchemy's and Parity's column types convert by value alone."""
    results = []
    for at, (type_, column) in enumerate(zip(found.types, described, strict=True)):
        convert = type_._cached_result_processor(dialect, column[1])
        if convert is not None:
            results.append((at, convert, _converts_null(convert)))
    found.results = tuple(results)
    found.described = True


def _converts_null(convert: Callable[[Any], Any]) -> bool:
    """Whether `convert` gives NULL anything but NULL (or refuses it): then every NULL of
    its column is still handed to it."""
    try:
        return convert(None) is not None
    except Exception:
        return True


# Where a driver connection's cursor is kept, in its pool record's `info`.
CURSOR = "parity_cursor"
# The guarded writes' savepoint (one at a time: they do not nest).
SAVEPOINT = "parity_guard"


@contextmanager
def savepoint(connection: Connection) -> Iterator[None]:
    """The block in a savepoint of the connection's transaction, rolled back to if the
    block raises, released if not: what `Connection.begin_nested()` does, its three
    statements on the cursor path on PostgreSQL (~100 µs for the pair where SQLAlchemy's
    nested transaction takes ~300; docs/adr/0017-booking-api-speed.md, ninth round). The
    cursor events see them; elsewhere (SQLite) it is `begin_nested()` itself."""
    if _kept_for(connection.dialect) is None:
        with connection.begin_nested():
            yield
        return
    _run(connection, f"SAVEPOINT {SAVEPOINT}")
    try:
        yield
    except BaseException:
        # As SQLAlchemy's nested transaction: a connection lost meanwhile (invalidated)
        # has nothing left to roll back, and the block's own error stands.
        if connection._still_open_and_dbapi_connection_is_valid:
            _run(connection, f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
        raise
    _run(connection, f"RELEASE SAVEPOINT {SAVEPOINT}")


def _run(connection: Connection, sql: str) -> None:
    """A statement of no parameters and no rows, on the cursor path."""
    connection._cursor_execute(_cursor(connection), sql, ())


def _bound(found: Prepared, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values to send: the statement's own, the caller's, the client-side defaults,
    each converted by its type's bind processor."""
    bound: dict[str, Any] = dict(found.defaults)
    bound.update(values)
    for name, make in found.prefetch:
        bound[name] = make()
    for name, process in found.binds:
        if process is not None:
            bound[name] = process(bound.get(name))
        elif name not in bound:
            bound[name] = None
    return bound


def _cursor(connection: Connection) -> Any:
    """The DBAPI cursor of the connection, in its transaction: what `Connection.execute` does
    before it runs a statement (SQLAlchemy 2.1's `_execute_context`), without the
    execution context. A connection invalidated, a transaction that failed and must be
    rolled back, or a transaction's context manager already closed raise as there."""
    dbapi_connection = connection.connection  # revalidated, or SQLAlchemy's error
    if (connection._transaction is not None and not connection._transaction.is_active) or (
        connection._nested_transaction is not None and not connection._nested_transaction.is_active
    ):
        connection._invalid_transaction()
    elif connection._trans_context_manager:
        TransactionalContext._trans_ctx_check(connection)
    if connection._transaction is None:
        connection._autobegin()
    # One cursor per driver connection, made at its first statement here and used for
    # every later one: a new psycopg cursor copies the connection's adapters each time
    # (a read by key, 147 -> 127 µs; docs/adr/0017, eleventh round). A client-side cursor holds no state between statements but the last
    # result (each execute starts over), and a connection is used by one thread at a time.
    # `info` belongs to the DBAPI connection: SQLAlchemy clears it when the pool record
    # connects again after an invalidation, so a new connection gets a cursor of its own;
    # the cursor's own connection is checked too, a second guard.
    info = dbapi_connection.info
    kept = info.get(CURSOR)
    if (
        kept is not None
        and not kept.closed
        and kept.connection is dbapi_connection.driver_connection
    ):
        return kept
    try:
        cursor = info[CURSOR] = dbapi_connection.cursor()
    except BaseException as error:
        connection._handle_dbapi_exception(error, "", None, None, None)
        raise
    return cursor
