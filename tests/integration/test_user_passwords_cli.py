"""`parity users add` judges the password with zxcvbn (docs/adr/0012): a repeated letter,
a common password or one built from the user's name is refused with a clear message and a
non-zero exit, and no account is made; a strong one is accepted."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from parity.adapters.sql.engine import normalised_url
from parity.entrypoints.cli.app import app


def _add(url: str, password: str) -> tuple[int, str]:
    env = {"PARITY_DATABASE_URL": url, "PARITY_USER_PASSWORD": password}
    result = CliRunner().invoke(app, ["users", "add", "sam.jones", "--role", "admin"], env=env)
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def _users(url: str) -> int:
    engine = create_engine(normalised_url(url))
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM users")).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "password1234", "sam.jones.1234"])
def test_a_weak_password_makes_no_account(database_url: str, password: str) -> None:
    code, said = _add(database_url, password)
    assert code != 0
    assert "password" in said
    assert _users(database_url) == 0


def test_a_strong_password_is_accepted(database_url: str) -> None:
    code, said = _add(database_url, "correct horse battery staple 93!")
    assert code == 0, said
    assert _users(database_url) == 1
