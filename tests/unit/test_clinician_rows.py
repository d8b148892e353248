"""A clinician is built from a plain row of its query by position (docs/adr/0017-booking-
api-speed.md, twelfth round): the same record as from the row's mapping, every field."""

from __future__ import annotations

from typing import Any

import pytest

from parity.adapters.sql import mapping
from parity.domain.workforce import Clinician, Discipline, Modality

COLUMNS = list(mapping.CLINICIAN_QUERY.selected_columns.keys())


def _row(**values: Any) -> tuple[Any, ...]:
    """A row of the clinicians' query, as the database gives it, in its column order."""
    defaults = {"version": 3, "last_updated": None, "provider_class": "therapist"}
    return tuple({**defaults, **values}[name] for name in COLUMNS)


CASES = {
    "every modality, two languages": _row(
        id="ana",
        name="Ana",
        discipline=Discipline.THERAPIST,
        fte=1.0,
        clinic_ids=("north", "south"),
        language="english,spanish",
        modality="in-person,phone,video",
    ),
    "no language or modality listed": _row(
        id="cy",
        name="Cy",
        discipline="psychiatrist",
        fte=0.5,
        clinic_ids=("south",),
        language=None,
        modality=None,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_clinician_from_a_plain_row_is_the_one_its_mapping_gives(case: str) -> None:
    row = CASES[case]
    build = mapping.CLINICIANS.from_tuple
    assert build is not None  # no mapping made per row
    by_name = mapping.clinician_to_domain(dict(zip(COLUMNS, row, strict=True)))  # type: ignore[arg-type]
    assert build(row) == by_name
    assert mapping.CLINICIANS.builder()(row) == by_name


def test_a_clinician_row_holds_what_the_clinician_is() -> None:
    built = mapping.CLINICIANS.builder()(CASES["every modality, two languages"])
    assert built == Clinician(
        "ana",
        "Ana",
        Discipline.THERAPIST,
        1.0,
        ("north", "south"),
        frozenset({"english", "spanish"}),
        frozenset(Modality),
    )
    assert all(type(m) is Modality for m in built.modalities)


def test_an_unknown_modality_is_refused_as_before() -> None:
    row = _row(
        id="bo",
        name="Bo",
        discipline="therapist",
        fte=1.0,
        clinic_ids=("north",),
        language="english",
        modality="telepathy",
    )
    with pytest.raises(ValueError, match="telepathy"):
        mapping.CLINICIANS.builder()(row)
