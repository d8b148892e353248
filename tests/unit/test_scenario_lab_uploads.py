"""A comparison file loaded into the scenario lab (docs/adr/0011, twelfth round) is read
as carefully as `parity import` reads its files: a short or long row (a short one was a
500), a figure no chart can draw (inf, or 1e309 which reads as inf), an empty key, a control
character or a column named twice is refused with its line; a file `scenarios compare`
wrote loads."""

from __future__ import annotations

import pytest

from parity.domain.errors import InvalidInput
from parity.entrypoints.web.comparisons import comparison_from_csv

HEADER = "scenario,month,metric,mean,p5,p95\n"
GOOD = "socal-2025,2026-01,follow_up_within_standard,0.61,0.55,0.67\n"
HOSTILE = [
    ("a short row", HEADER + GOOD + "socal-2025,2026-02\n", "line 3"),
    ("a row short of its last value", HEADER + GOOD + "socal-2025,2026-02,follow_up_within_standard,1,1\n", "line 3"),
    ("a long row", HEADER + GOOD + "socal-2025,2026-02,follow_up_within_standard,1,1,1,9\n", "line 3"),
    ("infinity", HEADER + "socal-2025,2026-01,follow_up_within_standard,inf,0,1\n", "finite"),
    ("a number past a float", HEADER + "socal-2025,2026-01,follow_up_within_standard,0,1e309,1\n", "finite"),
    ("a word for a figure", HEADER + "socal-2025,2026-01,follow_up_within_standard,most,0,1\n", "line 2"),
    ("an empty scenario", HEADER + ",2026-01,follow_up_within_standard,0.5,0.4,0.6\n", "empty"),
    ("a control character", HEADER + "socal\x00,2026-01,follow_up_within_standard,0.5,0.4,0.6\n", "control"),
    ("a column named twice", "scenario,month,metric,mean,p5,p95,mean\n" + GOOD[:-1] + ",9\n", "twice"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "text", "said"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_comparison_file_is_refused_with_its_line(
    what: str, text: str, said: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        comparison_from_csv("x-monthly.csv", text.encode())
    assert said in caught.value.message, what


def test_a_file_as_compare_writes_it_loads() -> None:
    text = HEADER + GOOD + "socal-2025,2026-02,follow_up_within_standard,nan,,None\n"
    loaded = comparison_from_csv("x-monthly.csv", text.encode())
    assert loaded.scenarios == ["socal-2025"]
    (series,) = loaded.series["follow_up_within_standard"]
    assert series.mean == [0.61, None]


def test_a_file_that_is_not_utf8_is_refused_by_name() -> None:
    body = (HEADER + "s\xe9,2026-01,follow_up_within_standard,0.5,0.4,0.6\n").encode("latin-1")
    with pytest.raises(InvalidInput) as caught:
        comparison_from_csv("x-monthly.csv", body)
    assert caught.value.message.startswith("x-monthly.csv: the file is not UTF-8 text")


def test_a_file_of_another_kind_is_named_as_such() -> None:
    body = b"member_id,name,region\nm1,Ada,north\n"
    with pytest.raises(InvalidInput) as caught:
        comparison_from_csv("members.csv", body)
    assert "not a scenarios monthly CSV" in caught.value.message
    assert "scenario, month, metric, mean, p5, p95" in caught.value.message
