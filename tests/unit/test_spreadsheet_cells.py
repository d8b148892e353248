"""CSV cells: text a spreadsheet would read as a formula is written as text; numbers,
dates and plain text as they are."""

from __future__ import annotations

import csv
import io

import pytest

from parity.entrypoints.reports.cells import cell, row
from parity.entrypoints.web.exports import csv_response


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-x", "'-x"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Ana's reason: 2 weeks", "Ana's reason: 2 weeks"),
        ("2026-06-01", "2026-06-01"),
        ("", ""),
        (None, ""),
        (-3.5, -3.5),
        (-2, -2),
        (0.97, 0.97),
    ],
)
def test_a_cell_is_text_a_spreadsheet_shows_and_never_a_formula(
    value: object, written: object
) -> None:
    assert cell(value) == written


def test_a_downloaded_table_escapes_each_typed_cell_and_keeps_numbers() -> None:
    response = csv_response(
        "plan", ["action", "owner", "value"], [["=cmd|' /C calc'!A0", "@me", -1.5]]
    )
    (header, line) = list(csv.reader(io.StringIO(bytes(response.body).decode())))
    assert header == ["action", "owner", "value"]
    assert line == ["'=cmd|' /C calc'!A0", "'@me", "-1.5"]
    assert row(["a", None, 1]) == ["a", "", 1]
