"""Ids are parsed once, with one spelling each (docs/adr/0012): what a check reads and what
an operation uses can never disagree, and hostile spellings are a 4xx, never a 500."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parity.domain import ids
from parity.domain.errors import InvalidInput, NotFound

HOSTILE = ["007", "+7", "-7", " 7", "7 ", "²", "７", "1_000", "7.0", "", "9" * 19, "0x7", "7\n"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_numeric_id_has_exactly_one_spelling(text: str) -> None:
    with pytest.raises(InvalidInput):
        ids.number(text, "ServiceRequest")
    with pytest.raises(NotFound):
        ids.path_number(text, "ServiceRequest")


def test_the_largest_id_a_bigint_holds_is_accepted_and_one_more_is_not() -> None:
    assert ids.number(str(2**63 - 1), "Slot") == 2**63 - 1
    with pytest.raises(InvalidInput):
        ids.number(str(2**63), "Slot")


@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_every_id_in_range_reads_back_as_written(number: int) -> None:
    assert ids.number(str(number), "Slot") == number


@given(st.text(max_size=25))
def test_exactly_the_canonical_spellings_are_accepted(text: str) -> None:
    canonical = text.isascii() and text.isdigit() and str(int(text)) == text and int(text) < 2**63
    assert ids.is_number(text) == canonical


@pytest.mark.parametrize(
    "text", ["ada ", " ada", "ad a", "ada/x", "ådа", "", "a" * 65, "-ada", "ada\t"]
)
def test_a_text_id_is_strict_ascii_without_whitespace(text: str) -> None:
    with pytest.raises(InvalidInput):
        ids.text_id(text, "Patient")


@pytest.mark.parametrize(
    ("text", "expected"), [("Patient/ada", "ada"), ("ada", "ada"), ("Patient/m-01.x", "m-01.x")]
)
def test_a_relative_reference_or_a_bare_id_names_its_record(text: str, expected: str) -> None:
    assert ids.text_reference(text, "Patient") == expected


@pytest.mark.parametrize(
    "text",
    [
        "http://testserver/Patient/ada",
        "https://evil.example/Patient/ada",
        "/Patient/ada",
        "Group/ada",
        "Patient/ada/_history/1",
        "Patient/",
        "Patient/ada ",
    ],
)
def test_absolute_foreign_or_padded_references_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        ids.text_reference(text, "Patient")


def test_a_task_id_is_a_kind_and_a_canonical_number() -> None:
    assert ids.task_id("offer-3") == ids.TaskId("offer", 3)
    for text in ("offer-03", "offer-+3", "offer-²", "visit-3", "offer-"):
        with pytest.raises(NotFound):
            ids.task_id(text)
