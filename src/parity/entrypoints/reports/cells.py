"""Cells of the CSV files people open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula, so text a user typed (a clinician's reason for
an exception, a contact note, an action's description, an imported name) could run as one
in an auditor's spreadsheet (OWASP, "CSV Injection"). Such text is written with a leading
apostrophe, which the spreadsheet shows as text; numbers are written as numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """`value` as a CSV cell: empty for None, text that a spreadsheet would read as a
    formula behind an apostrophe, anything else as it is."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    return [cell(v) for v in values]
