"""Hostile CSV files through `parity import`, on SQLite and PostgreSQL: malformed encoding,
wrong headers, an oversized file, duplicate ids, references to nothing. Each is a clear
message on stderr, a non-zero exit, and nothing imported."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from parity.adapters.csv_rows import MAX_BYTES
from parity.adapters.sql.engine import normalised_url
from parity.entrypoints.cli.app import app

CLINICS = b"id,name,address\nnorth,North Clinic,1 North St.\nsouth,South Clinic,2 South St.\n"
MEMBERS_HEADER = b"id,name,clinic_id\n"
HOSTILE: list[tuple[str, bytes, str]] = [
    ("latin-1 text", MEMBERS_HEADER + "m1,Jos\xe9 P\xe9rez,north\n".encode("latin-1"), "not UTF-8"),
    ("binary junk", b"\x00\x9f\x92\x96" * 64, "not UTF-8"),
    ("wrong headers", b"member,full_name,clinic\nm1,One,north\n", "missing column(s) id"),
    ("a header and no rows", MEMBERS_HEADER, "no rows"),
    ("an unterminated quote", MEMBERS_HEADER + b'm1,"One,north\n', "line"),
    ("duplicate ids", MEMBERS_HEADER + b"m1,One,north\nm2,Two,south\nm1,Again,north\n", "duplicate id 'm1'"),
    ("an unknown clinic", MEMBERS_HEADER + b"m1,One,north\nm2,Two,atlantis\n", "atlantis"),
    ("more values than columns", MEMBERS_HEADER + b"m1,One,north,extra\n", "more values than columns"),
    ("an empty required value", MEMBERS_HEADER + b"m1,,north\n", "empty name"),
]  # fmt: skip


def cli(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"PARITY_DATABASE_URL": url})
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def members_in(url: str) -> int:
    engine = create_engine(normalised_url(url))
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM members")).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture
def with_clinics(database_url: str, tmp_path: Path) -> str:
    clinics = tmp_path / "clinics.csv"
    clinics.write_bytes(CLINICS)
    code, output = cli(database_url, "import", "clinics", str(clinics))
    assert code == 0, output
    return database_url


@pytest.mark.parametrize(("what", "data", "message"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_members_file_is_refused_whole_with_a_clear_message(
    with_clinics: str, tmp_path: Path, what: str, data: bytes, message: str
) -> None:
    path = tmp_path / "members.csv"
    path.write_bytes(data)
    code, output = cli(with_clinics, "import", "members", str(path))
    assert code != 0, (what, output)
    assert message in " ".join(output.split()), output
    assert members_in(with_clinics) == 0


def test_an_oversized_file_is_refused_before_it_is_read(with_clinics: str, tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    row = b"m,Member,north\n"
    with path.open("wb") as out:
        out.write(MEMBERS_HEADER)
        out.write(row * (MAX_BYTES // len(row) + 1))
    code, output = cli(with_clinics, "import", "members", str(path))
    assert code != 0
    assert "the limit is" in output
    assert members_in(with_clinics) == 0


def test_the_same_database_imports_a_good_file_whole(with_clinics: str, tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_bytes(MEMBERS_HEADER + b"m1,One,north\nm2,Two,south\n")
    code, output = cli(with_clinics, "import", "members", str(path))
    assert code == 0, output
    assert members_in(with_clinics) == 2
