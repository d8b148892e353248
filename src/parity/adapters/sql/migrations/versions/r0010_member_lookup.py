"""Member look-up (docs/adr/0015-fhir-conformance.md): the parts of a member's name and
their administrative gender as columns, and the indexes that answer a name + birth-date
search of a region's millions of members in milliseconds.

Revision ID: r0010
Revises: r0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0010"
down_revision = "r0009"
branch_labels = None
depends_on = None

# Existing members were stored with one name text: given names first, the family name last.
POSTGRES_BACKFILL = r"""UPDATE members SET
    family = regexp_replace(btrim(name), '^.*\s', ''),
    given = btrim(regexp_replace(btrim(name), '\s*\S+$', ''))"""
PLAIN_INDEXES = {
    "ix_members_birth_date": "birth_date",
    "ix_members_phone": "phone",
    "ix_members_clinic_id": "clinic_id",
}


def _backfill() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(POSTGRES_BACKFILL)
        return
    rows = bind.execute(sa.text("SELECT id, name FROM members")).all()
    for key, name in rows:
        given, _, family = str(name).strip().rpartition(" ")
        bind.execute(
            sa.text("UPDATE members SET family = :family, given = :given WHERE id = :id"),
            {"family": family, "given": given, "id": key},
        )


def _name_index(name: str, column: str, *more: str) -> None:
    ops = " text_pattern_ops" if op.get_bind().dialect.name == "postgresql" else ""
    columns = ", ".join((f"lower({column}){ops}", *more))
    op.execute(f"CREATE INDEX {name} ON members ({columns})")


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("family", sa.String, nullable=False, server_default=""))
        batch.add_column(sa.Column("given", sa.String, nullable=False, server_default=""))
        batch.add_column(sa.Column("gender", sa.String, nullable=False, server_default="unknown"))
    _backfill()
    _name_index("ix_members_family_birth", "family", "birth_date")
    _name_index("ix_members_given", "given")
    for name, column in PLAIN_INDEXES.items():
        op.create_index(name, "members", [column])


def downgrade() -> None:
    for name in (*PLAIN_INDEXES, "ix_members_given", "ix_members_family_birth"):
        op.drop_index(name, "members")
    with op.batch_alter_table("members") as batch:
        for column in ("gender", "given", "family"):
            batch.drop_column(column)
