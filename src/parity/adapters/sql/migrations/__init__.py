"""Alembic migrations of Parity's schema (run through parity.adapters.sql.schema)."""
