"""Every figure in a data file is read by some code: a key nothing reads is a figure that
looks as if it shaped the results but does not (ADR 0014)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

import parity

PACKAGE = Path(parity.__file__).parent
DATA = PACKAGE / "data"
# Keys that describe a figure rather than being one.
DESCRIPTIVE = {"sources", "note", "citation", "source_url", "title", "name", "source", "fit"}
# Where each file's figures live: region calibration tables, whole contracts, scenarios.
REGION_TABLES = ("demand", "workforce", "status_quo", "parity", "calibration")
# The loaders only copy keys into typed records; being named there is not being used.
LOADERS = {PACKAGE / "adapters" / "rules_files.py"}


def _figures(table: dict[str, object], where: str, depth: int) -> Iterator[tuple[str, str]]:
    """Keys `depth` tables deep are figures; an inline table deeper down is one value."""
    for key, value in table.items():
        if key.endswith("_source") or key in DESCRIPTIVE:
            continue
        if isinstance(value, dict) and depth > 0:
            yield from _figures(value, f"{where}.{key}", depth - 1)
        elif not isinstance(value, list) or not value or not isinstance(value[0], dict):
            yield where, key


def data_keys() -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for path in sorted((DATA / "regions").glob("*.toml")):
        table = tomllib.loads(path.read_text())
        for name in REGION_TABLES:
            keys += _figures(table.get(name, {}), f"{path.name}[{name}]", 0)
    for folder, depth in (("contracts", 0), ("scenarios", 1)):
        for path in sorted((DATA / folder).glob("*.toml")):
            keys += _figures(tomllib.loads(path.read_text()), path.name, depth)
    return sorted(set(keys))


def _code() -> str:
    return "\n".join(p.read_text() for p in sorted(PACKAGE.rglob("*.py")) if p not in LOADERS)


CODE = _code()


def is_read(key: str) -> bool:
    """Named as a string (a table read) or used as an attribute of a loaded record."""
    return bool(re.search(rf"[\"']{re.escape(key)}[\"']|\.{re.escape(key)}\b", CODE))


@pytest.mark.parametrize(("where", "key"), data_keys())
def test_every_key_in_a_data_file_is_read_by_some_code(where: str, key: str) -> None:
    assert is_read(key), f"{where}: {key} is read by nothing"


def test_the_check_notices_a_key_nothing_reads() -> None:
    assert not is_read("members_per_clinician")
    assert is_read("give_up_business_days")
