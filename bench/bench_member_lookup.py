"""Member look-up at the reference deployment's scale: 4.8 million members in PostgreSQL.

Migrates a scratch schema of its own, fills `members` with generated rows
(`generate_series`: ~4,800 family names of ~1,000 members each, birth dates over 80 years),
then runs the look-ups a call centre makes through the real adapter
(adapters/sql/member_search.py) and prints each one's `EXPLAIN (ANALYZE, BUFFERS)` plan and
time. The floor beside each result is the same search with the r0010 indexes dropped
(a sequential scan), so the index's effect is measured, not assumed. The schema is dropped
at the end.

Run: .venv/bin/python bench/bench_member_lookup.py [--members 4800000] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import Engine, and_, select, text
from sqlalchemy.dialects import postgresql

from parity.adapters.sql import SqlUnitOfWork, engine_from_url, tables, upgrade
from parity.adapters.sql.member_search import criteria, in_scope
from parity.domain.member_lookup import BirthDateBound, MemberQuery
from parity.domain.scope import EVERYONE, MemberScope, clinics_scope
from parity.services.member_search import find_members

console = Console(width=160)
DEFAULT_URL = os.environ.get(
    "PARITY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SYLLABLES = "'{ha,mo,ri,ta,ke,lo,vi,su,ne,po,da,gu,fe,zi,ba,wo,ly,qu,xe,ro}'::text[]"
ENDINGS = "'{n,s,son,ez,er,ton,ly,man,berg,ski,o,a}'::text[]"
# Family = two syllables and an ending (20 x 20 x 12 = 4,800 names); given = three syllables.
FILL = f"""
INSERT INTO members (id, name, clinic_id, language, modalities, birth_date, phone, email,
                     extra, version, family, given, gender)
SELECT 'm' || i,
       initcap(s[1 + i % 20] || s[1 + (i / 7) % 20] || s[1 + (i / 13) % 20]) || ' ' ||
       initcap(s[1 + (i / 20) % 20] || s[1 + (i / 400) % 20] || e[1 + (i / 8000) % 12]),
       'clinic-' || (i % 16), 'english', '["video"]', DATE '1940-01-01' + ((i::bigint * 7919) % 29220)::int,
       '555-' || lpad((i % 10000000)::text, 7, '0'), '', '{{}}', 1,
       initcap(s[1 + (i / 20) % 20] || s[1 + (i / 400) % 20] || e[1 + (i / 8000) % 12]),
       initcap(s[1 + i % 20] || s[1 + (i / 7) % 20] || s[1 + (i / 13) % 20]),
       (ARRAY['female','male','other','unknown'])[1 + i % 4]
FROM generate_series(:low, :high) AS i, (SELECT {SYLLABLES} AS s, {ENDINGS} AS e) AS words
"""
R0010_INDEXES = (
    "ix_members_family_birth",
    "ix_members_given",
    "ix_members_birth_date",
    "ix_members_phone",
)


@contextmanager
def scratch_schema(url: str) -> Iterator[Engine]:
    admin = engine_from_url(url)
    schema = f"bench_members_{secrets.token_hex(4)}"
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    base = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = engine_from_url(f"{base}?options=-csearch_path%3D{schema}")
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def fill(engine: Engine, count: int, batch: int = 400_000) -> None:
    with Progress(console=console) as progress:
        task = progress.add_task(f"inserting {count:,} members", total=count)
        for low in range(1, count + 1, batch):
            high = min(count, low + batch - 1)
            with engine.begin() as connection:
                connection.execute(text(FILL), {"low": low, "high": high})
            progress.update(task, completed=high)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE members"))


def statement(query: MemberQuery, scope: MemberScope) -> str:
    members = tables.members
    where = and_(in_scope(scope), *criteria(query))
    page = select(members).where(where).order_by(members.c.id).limit(50)
    dialect = postgresql.dialect(paramstyle="named")  # type: ignore[no-untyped-call]  # so a LIKE's % is not doubled
    return str(page.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def explain(engine: Engine, sql: str) -> tuple[list[str], float]:
    with engine.connect() as connection:
        plan = connection.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")).scalars().all()
    ms = float(plan[-1].split(":")[1].split()[0])  # "Execution Time: 0.123 ms"
    return list(plan), ms


def through_adapter(engine: Engine, query: MemberQuery, scope: MemberScope) -> tuple[int, float]:
    started = time.perf_counter()
    page = find_members(SqlUnitOfWork(engine), query, scope, 0, 50)
    return page.total, (time.perf_counter() - started) * 1000


def searches(engine: Engine) -> dict[str, tuple[MemberQuery, MemberScope]]:
    """The look-ups to time; the first names a member who exists (m1234567)."""
    with engine.connect() as connection:
        family, born = connection.execute(
            text("SELECT family, birth_date FROM members WHERE id = 'm1234567'")
        ).one()
    exact = MemberQuery(
        family=(frozenset({family.lower()}),),
        birth=(BirthDateBound(born, date.fromordinal(born.toordinal() + 1)),),
    )
    return {f"family={family}&birthdate={born} (everyone)": (exact, EVERYONE)} | SEARCHES


SEARCHES = {
    "name=hamo&birthdate=1980 (a scheduler's 3 clinics)": (
        MemberQuery(
            names=(frozenset({"hamo"}),),
            birth=(BirthDateBound(date(1980, 1, 1), date(1981, 1, 1)),),
        ),
        clinics_scope(["clinic-1", "clinic-2", "clinic-3"]),
    ),
    "telecom=555-0012345": (MemberQuery(phones=(frozenset({"555-0012345"}),)), EVERYONE),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=4_800_000, help="at least 1,234,567")
    parser.add_argument("--url", default=DEFAULT_URL)
    args = parser.parse_args()
    with scratch_schema(args.url) as engine:
        fill(engine, args.members)
        asked = searches(engine)
        results = {name: run(engine, *search) for name, search in asked.items()}
        with engine.begin() as connection:
            for index in R0010_INDEXES:
                connection.execute(text(f"DROP INDEX {index}"))
        for name, (query, scope) in asked.items():
            _, floor_ms = explain(engine, statement(query, scope))
            console.print(
                f"{name}: {results[name]:.2f} ms with the r0010 indexes; "
                f"floor without them (sequential scan) {floor_ms:.1f} ms"
            )


def run(engine: Engine, query: MemberQuery, scope: MemberScope) -> float:
    plan, ms = explain(engine, statement(query, scope))
    total, adapter_ms = through_adapter(engine, query, scope)
    console.rule(f"{total} found; {ms:.2f} ms in the database, {adapter_ms:.1f} ms via the adapter")
    console.print("\n".join(plan), highlight=False)
    return ms


if __name__ == "__main__":
    main()
