"""Engines: SQLite (WAL) in a local file by default, PostgreSQL when the URL says so.

Nothing connects at import time. SQLite connections get WAL (cheap commits; other tools
and backups read while Parity writes), foreign keys, a 30 s busy timeout, and
`BEGIN IMMEDIATE` for every transaction: a unit of work takes the write lock at its first
statement, so concurrent units of work queue behind it instead of failing half-way with
"database is locked", and nothing a transaction has read can change before it writes.
The price is that units of work that only read queue too; a deployment that needs
concurrency uses PostgreSQL, at READ COMMITTED, which the protected-time triggers rely on
(migrations/versions/r0002).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.pool import ConnectionPoolEntry

from parity.adapters.sql.cursors import DescribedOnce

DEFAULT_DATABASE_URL = "sqlite:///var/parity.db"
SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
# PostgreSQL pool, per process. No pre-ping: it cost a round trip on every checkout (about
# a tenth of a short request). A connection the server dropped fails its first statement
# instead; SQLAlchemy then discards the whole pool, and the API answers that one request
# 503 (entrypoints/api/errors.py), which the client retries. Connections are recycled
# before common idle timeouts of proxies and firewalls (an hour or more). A request that
# waits `pool_timeout` seconds for a connection gets a 503 too, not a hang. The pool is
# small and fixed: a server's `max_connections` (100 by default) is shared by every
# worker and every other client, and an overflow connection, opened for a burst and
# closed after, can be refused when the server is full ("too many clients", a 503).
#
# Its size is `PARITY_DB_POOL` (`Settings.db_pool`, 4 by default) for a served process:
# with two workers on two cores, eight sessions kept the database's cores busier on the
# calls' own work than twenty did (fewer backends runnable at once switching and waiting
# on each other), and a call waits for a connection in its own thread instead
# (docs/adr/0017-booking-api-speed.md, eighteenth round). A tool's engine keeps 10.
POSTGRES_POOL: dict[str, Any] = {
    "pool_pre_ping": False,
    "pool_recycle": 1800,
    "pool_size": 10,
    "max_overflow": 0,
    "pool_timeout": 10,
}


def pool_options(url: str, pool_size: int) -> dict[str, Any]:
    """The engine options of a running Parity's database at `url`: the PostgreSQL pool's
    size (`PARITY_DB_POOL`); SQLite keeps its own pool."""
    if normalised_url(url).get_backend_name() == "sqlite":
        return {}
    return {"pool_size": pool_size}


def database_url_from_env(environ: Mapping[str, str] | None = None) -> str:
    """`PARITY_DATABASE_URL`, or the local SQLite file `var/parity.db`."""
    env = os.environ if environ is None else environ
    url = normalised_url(env.get("PARITY_DATABASE_URL") or DEFAULT_DATABASE_URL)
    return url.render_as_string(hide_password=False)


def normalised_url(url: str | URL) -> URL:
    """Parse a database URL; plain `postgresql://` (or `postgres://`) means psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ValueError(
            f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL"
        )
    return parsed


def engine_from_url(url: str | URL, **options: Any) -> Engine:
    """An engine for SQLite or PostgreSQL; `options` go to `sqlalchemy.create_engine`."""
    parsed = normalised_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, options)
    options.setdefault("isolation_level", "READ COMMITTED")
    # Result columns described once per shape (cursors.py, docs/adr/0017).
    options["connect_args"] = {"cursor_factory": DescribedOnce, **options.get("connect_args", {})}
    for name, value in POSTGRES_POOL.items():
        options.setdefault(name, value)
    engine = create_engine(parsed, **options)
    event.listen(engine, "connect", _utc_session)
    return engine


def _utc_session(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    """Each PostgreSQL session in UTC. psycopg returns an instant in the session's zone:
    a server set to `Etc/UTC` (or to any zone) gave a `ZoneInfo`, which `UtcDateTime`
    then converted again (~3 µs an instant under load; `$find` reads over a hundred);
    in `UTC` it is `timezone.utc` already, and the conversion is none. Every instant is
    stored as `timestamptz` and Parity's SQL casts none of them to a local date or text,
    so no answer changes, only the zone the driver hands over
    (docs/adr/0017-booking-api-speed.md, twelfth round)."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # a SET in a transaction would go with its rollback
    try:
        dbapi_connection.execute("SET TIME ZONE 'UTC'")
    finally:
        dbapi_connection.autocommit = autocommit


def _sqlite_engine(url: URL, options: dict[str, Any]) -> Engine:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # sqlite3's `timeout` is SQLite's busy timeout: how long a writer waits for the lock.
    connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, **options.pop("connect_args", {})}
    engine = create_engine(url, connect_args=connect_args, **options)
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # SQLAlchemy, not the sqlite3 module, decides when a transaction begins (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL loses no committed data on a crash of the process, only on a
        # power cut, and spares an fsync per commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
