"""Hostile values in well-formed CSV files through `parity import`, on SQLite and
PostgreSQL (docs/adr/0011, twelfth round): numbers `float` reads but no coordinate is (nan,
inf, 95° of latitude), a time zone no calendar knows, birth dates before 1900 or after the
import day, a header naming one column twice (the second silently replaced the first).
Each is a clear message, a non-zero exit (never a traceback) and nothing imported."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from parity.adapters.sql.engine import normalised_url
from parity.entrypoints.cli.app import app

CLINICS = b"id,name,address\nnorth,North Clinic,1 North St.\n"
PLACED = b"id,name,address,county,lat,lon,timezone\n"
MEMBERS = b"id,name,clinic_id,birth_date\n"
HOSTILE: list[tuple[str, str, bytes, str]] = [
    ("latitude nan", "clinics", PLACED + b"c1,One,1 A St.,X,nan,0,America/Los_Angeles\n", "lat must be between"),
    ("longitude inf", "clinics", PLACED + b"c1,One,1 A St.,X,34,inf,America/Los_Angeles\n", "lon must be between"),
    ("latitude 95", "clinics", PLACED + b"c1,One,1 A St.,X,95,-117,America/Los_Angeles\n", "lat must be between"),
    ("longitude a word", "clinics", PLACED + b"c1,One,1 A St.,X,34,west,America/Los_Angeles\n", "lon must be a number"),
    ("no such time zone", "clinics", PLACED + b"c1,One,1 A St.,X,34,-117,Mars/Olympus\n", "not an IANA time zone"),
    ("a path for a time zone", "clinics", PLACED + b"c1,One,1 A St.,X,34,-117,../../etc/passwd\n", "not an IANA time zone"),
    ("a column named twice", "clinics", b"id,name,address,id\nc1,One,1 A St.,c2\n", "named twice"),
    ("born in year 1", "members", MEMBERS + b"m1,One,north,0001-01-01\n", "birth_date 0001-01-01"),
    ("born in 9999", "members", MEMBERS + b"m1,One,north,9999-12-31\n", "birth_date 9999-12-31"),
    ("a member column named twice", "members", b"id,name,clinic_id,name\nm1,One,north,Two\n", "named twice"),
]  # fmt: skip
TABLES = {"clinics": "clinics", "members": "members"}


def cli(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"PARITY_DATABASE_URL": url})
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def rows_in(url: str, table: str) -> int:
    engine = create_engine(normalised_url(url))
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture
def with_clinics(database_url: str, tmp_path: Path) -> str:
    clinics = tmp_path / "clinics.csv"
    clinics.write_bytes(CLINICS)
    code, output = cli(database_url, "import", "clinics", str(clinics))
    assert code == 0, output
    return database_url


@pytest.mark.parametrize(("what", "kind", "data", "message"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_value_is_refused_with_its_reason_and_nothing_is_imported(
    with_clinics: str, tmp_path: Path, what: str, kind: str, data: bytes, message: str
) -> None:
    before = rows_in(with_clinics, TABLES[kind])
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(data)
    code, output = cli(with_clinics, "import", kind, str(path))
    assert code == 2, f"{what}: exit {code}\n{output}"
    assert "Traceback" not in output
    assert message in " ".join(output.split()), output
    assert rows_in(with_clinics, TABLES[kind]) == before


def test_sane_coordinates_time_zones_and_birth_dates_still_import(
    with_clinics: str, tmp_path: Path
) -> None:
    clinics = tmp_path / "placed.csv"
    clinics.write_bytes(PLACED + b"c1,One,1 A St.,San Diego,32.8,-117.1,America/Los_Angeles\n")
    members = tmp_path / "members.csv"
    members.write_bytes(MEMBERS + b"m1,One,north,1900-01-01\nm2,Two,north,2026-01-31\n")
    assert cli(with_clinics, "import", "clinics", str(clinics))[0] == 0
    assert cli(with_clinics, "import", "members", str(members))[0] == 0
    assert (rows_in(with_clinics, "clinics"), rows_in(with_clinics, "members")) == (2, 2)
