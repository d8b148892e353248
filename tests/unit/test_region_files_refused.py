"""A region file given by path (`--region my.toml`) is read in the shape of the packaged
region: every figure present, none the simulator does not read, each of the packaged
figure's kind (ADR 0014, "A planner's overrides"). A bad one is refused when it is read,
naming the file and the figure, never minutes into a run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from parity.adapters.rules_files import data_dir, load_region
from parity.domain.errors import RuleFileError

DEMO = data_dir("regions") / "demo.toml"


def changed(tmp_path: Path, line: str, replacement: str) -> Path:
    """The demo region with the line starting `line` replaced (or deleted when empty)."""
    text = DEMO.read_text()
    pattern = re.compile(rf"^{re.escape(line)}.*$", re.MULTILINE)
    assert pattern.search(text), f"the demo region has no line starting {line!r}"
    path = tmp_path / "region.toml"
    path.write_text(pattern.sub(replacement, text, count=1))
    return path


def test_the_packaged_regions_and_an_unchanged_copy_are_read() -> None:
    for name in ("demo", "socal"):
        assert load_region(name).workforce["session_minutes"] == 50


def test_a_copy_of_the_demo_region_reads_as_the_demo(tmp_path: Path) -> None:
    copy = tmp_path / "copy.toml"
    copy.write_text(DEMO.read_text())
    assert load_region(str(copy)) == load_region("demo")


@pytest.mark.parametrize(
    ("line", "replacement", "message"),
    [
        (
            "session_minutes =",
            'session_minutes = "fifty"',
            "workforce.session_minutes must be a number",
        ),
        (
            "session_minutes =",
            "session_minutes = 50.5",
            "workforce.session_minutes must be a whole number",
        ),
        ("no_show_intake =", "no_show_intake = 7", "demand.no_show_intake is a fraction"),
        ("late_cancel =", "late_cancel = -0.1", "demand.late_cancel must not be negative"),
        (
            "cadence_shares =",
            "cadence_shares = [0.5, 0.5]",
            "cadence_shares has 2 shares for 3 cadence_weeks",
        ),
        ("cadence_shares =", "cadence_shares = [0.5, 0.3, 0.3]", "must sum to 1"),
        ("intakes_in_follow_up_slots =", "intakes_in_follow_up_slots = 1", "must be true or false"),
        (
            "session_minutes =",
            "session_minutes = 50\nsesion_minutes = 40",
            "sesion_minutes is no figure",
        ),
        ("leave_weeks_per_year =", "", "workforce.leave_weeks_per_year is missing"),
        ("modality_shares =", "modality_shares = { video = 1.0 }", "must be a table with keys"),
    ],
)
def test_a_region_file_with_a_figure_of_the_wrong_shape_is_refused(
    tmp_path: Path, line: str, replacement: str, message: str
) -> None:
    path = changed(tmp_path, line, replacement)
    with pytest.raises(RuleFileError, match=re.escape(message)) as raised:
        load_region(str(path))
    assert str(path) in raised.value.message


def test_a_region_may_list_its_own_number_of_cadences(tmp_path: Path) -> None:
    path = changed(tmp_path, "cadence_weeks =", "cadence_weeks = [1, 2, 3, 4]")
    path.write_text(
        re.sub(
            r"^cadence_shares = .*$",
            "cadence_shares = [0.4, 0.3, 0.2, 0.1]",
            path.read_text(),
            flags=re.MULTILINE,
        )
    )
    assert load_region(str(path)).demand["cadence_weeks"] == [1, 2, 3, 4]


SOCAL = data_dir("regions") / "socal.toml"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "initial_within_standard = { low = 0.90",
            'initial_within_standard = { low = "ninety"',
            "numbers low <= high",
        ),
        (
            "initial_within_standard = { low = 0.90, high = 1.0",
            "initial_within_standard = { low = 0.90, high = 0.5",
            "numbers low <= high",
        ),
        (
            "initial_within_standard = {",
            "initial_within_standar = {",
            "calibration.initial_within_standar is no target",
        ),
    ],
)
def test_a_calibration_target_that_calibrate_could_not_read_is_refused(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = SOCAL.read_text()
    assert old in text
    path = tmp_path / "region.toml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(RuleFileError, match=re.escape(message)):
        load_region(str(path))
