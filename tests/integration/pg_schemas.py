"""PostgreSQL schemas of the tests' own: the server the suite uses, and a fresh schema on it
(plain functions, so any test module can import them; `conftest` builds its fixtures on them)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

from sqlalchemy import Engine, text

POSTGRES_URL = os.environ.get(
    "PARITY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def fresh_schema(admin: Engine) -> Iterator[str]:
    """A new schema of our own, as the URL of a database whose search_path starts there."""
    schema = f"parity_{secrets.token_hex(6)}"
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        base = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
        separator = "&" if "?" in base else "?"
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
