"""The timely-access standards as loaded from the California rule file, and their deadlines.

Every expected deadline below is counted by hand in a comment, from the 2026 California
holiday list (US/CA in the `holidays` package): a test that merely repeated the code's own
answer could not fail.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from parity.adapters.rules_files import data_dir, load_rules
from parity.domain.errors import RuleFileError, UnknownStandard
from parity.domain.standards import ClockStart, RuleSet, VisitType
from parity.domain.workforce import ProviderClass
from parity.simulation.groups import GROUP_NAMES

LA = ZoneInfo("America/Los_Angeles")
NEW_YORK = ZoneInfo("America/New_York")


def end_of(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, tzinfo=LA)


def wall_clock(instant: datetime) -> tuple[date, time]:
    """The local date and time a clinic's clock shows at `instant`."""
    shown = instant.astimezone(LA)
    return shown.date(), shown.time()


def deadline(rules: RuleSet, name: str, clock_start: datetime) -> datetime:
    return rules.deadline(rules.standard(name), clock_start)


def test_the_california_file_defines_the_five_appointment_standards_and_triage(
    rules: RuleSet,
) -> None:
    legal = {name for name, s in rules.standards.items() if not s.plan_policy}
    assert legal == {
        "urgent",
        "urgent-prior-auth",
        "initial-therapy",
        "initial-psychiatry",
        "follow-up-therapy",
        "telephone-triage",
    }
    assert all(s.citation for s in rules.standards.values())


def test_plan_policy_follow_up_figures_are_marked_as_such_and_say_why(rules: RuleSet) -> None:
    plan = {name for name, s in rules.standards.items() if s.plan_policy}
    assert plan == {"follow-up-psychiatry", "follow-up-therapy-before-sb221"}
    assert all("Plan policy" in rules.standards[name].citation for name in plan)


def test_sb_221_names_only_non_physician_providers(rules: RuleSet) -> None:
    sb221 = rules.standard("follow-up-therapy")
    assert ProviderClass.PSYCHIATRIST not in sb221.provider_classes
    assert sb221.effective_from == date(2022, 7, 1)


def test_a_psychiatrist_follow_up_is_held_to_the_plan_policy_not_to_sb_221(rules: RuleSet) -> None:
    chosen = rules.standard_for(
        VisitType.FOLLOW_UP, ProviderClass.PSYCHIATRIST, on=date(2026, 1, 5)
    )
    assert chosen.name == "follow-up-psychiatry"
    assert chosen.plan_policy


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2022, 6, 30), "follow-up-therapy-before-sb221"),
        (date(2022, 7, 1), "follow-up-therapy"),
    ],
)
def test_sb_221_governs_follow_ups_from_its_effective_date(
    rules: RuleSet, day: date, expected: str
) -> None:
    chosen = rules.standard_for(VisitType.FOLLOW_UP, ProviderClass.THERAPIST, on=day)
    assert chosen.name == expected


def test_initial_therapy_skips_thanksgiving_and_the_day_after(rules: RuleSet) -> None:
    # Requested Friday 2026-11-20 at noon. Business days strictly after Fri 11-20:
    #  1 Mon 23, 2 Tue 24, 3 Wed 25, (Thu 26 Thanksgiving, Fri 27 day after: holidays),
    #  4 Mon 30, 5 Tue 12-01, 6 Wed 02, 7 Thu 03, 8 Fri 04, 9 Mon 07, 10 Tue 12-08.
    requested = datetime(2026, 11, 20, 12, 0, tzinfo=LA)
    assert deadline(rules, "initial-therapy", requested) == end_of(2026, 12, 8)


def test_the_deadline_ends_at_local_midnight_not_utc_midnight(rules: RuleSet) -> None:
    requested = datetime(2026, 11, 20, 12, 0, tzinfo=LA)
    found = deadline(rules, "initial-therapy", requested).astimezone(LA)
    assert found.time() == time(23, 59, 59)
    # 23:59:59 PST is 07:59:59 UTC on the next day.
    assert found.astimezone(UTC) == datetime(2026, 12, 9, 7, 59, 59, tzinfo=UTC)


def test_a_late_evening_request_counts_from_its_local_date_not_the_utc_date(
    rules: RuleSet,
) -> None:
    # Monday 2026-11-02 23:30 PST is already Tuesday 07:30 in UTC. Counting from Monday:
    #  1 Tue 03, 2 Wed 04, 3 Thu 05, 4 Fri 06, 5 Mon 09, 6 Tue 10, (Wed 11 Veterans Day),
    #  7 Thu 12, 8 Fri 13, 9 Mon 16, 10 Tue 11-17.
    # Counting (wrongly) from Tuesday would end on Wed 11-18.
    requested = datetime(2026, 11, 2, 23, 30, tzinfo=LA).astimezone(UTC)
    assert requested.date().isoformat() == "2026-11-03"
    assert deadline(rules, "initial-therapy", requested) == end_of(2026, 11, 17)


def test_a_follow_up_counts_from_the_prior_appointment(rules: RuleSet) -> None:
    # Prior appointment Wednesday 2026-06-10 15:00 PDT (SB 221 clock start):
    #  1 Thu 11, 2 Fri 12, 3 Mon 15, 4 Tue 16, 5 Wed 17, 6 Thu 18, 7 Fri 19 (Juneteenth is
    #  not a state-office closure: see data/calendars), 8 Mon 22, 9 Tue 23, 10 Wed 06-24.
    follow_up = rules.standard("follow-up-therapy")
    assert follow_up.clock_start is ClockStart.PRIOR_APPOINTMENT
    prior = datetime(2026, 6, 10, 15, 0, tzinfo=LA)
    assert rules.deadline(follow_up, prior) == end_of(2026, 6, 24)


def test_initial_psychiatry_is_fifteen_business_days(rules: RuleSet) -> None:
    # Requested Monday 2026-02-02: 1 Tue 03 .. 4 Fri 06, 5 Mon 09 .. 9 Fri 13,
    # (Mon 16 Presidents' Day), 10 Tue 17, 11 Wed 18, 12 Thu 19, 13 Fri 20, 14 Mon 23,
    # 15 Tue 02-24.
    requested = datetime(2026, 2, 2, 10, 0, tzinfo=LA)
    assert rules.standard("initial-psychiatry").limit_business_days == 15
    assert deadline(rules, "initial-psychiatry", requested) == end_of(2026, 2, 24)


def test_urgent_is_48_real_hours_across_the_autumn_dst_change(rules: RuleSet) -> None:
    # Saturday 2026-10-31 12:00 PDT (19:00 UTC). Clocks fall back on Sunday 11-01, so
    # 48 real hours later is Monday 2026-11-02 19:00 UTC = 11:00 PST, not 12:00.
    requested = datetime(2026, 10, 31, 12, 0, tzinfo=LA).astimezone(UTC)
    found = deadline(rules, "urgent", requested)
    assert found - requested == timedelta(hours=48)
    assert wall_clock(found) == (date(2026, 11, 2), time(11, 0))


def test_urgent_is_48_real_hours_even_when_the_clock_start_is_given_in_local_time(
    rules: RuleSet,
) -> None:
    requested = datetime(2026, 10, 31, 12, 0, tzinfo=LA)
    found = deadline(rules, "urgent", requested)
    assert found.astimezone(UTC) - requested.astimezone(UTC) == timedelta(hours=48)


def test_urgent_is_48_real_hours_across_the_spring_dst_change(rules: RuleSet) -> None:
    # Saturday 2026-03-07 12:00 PST (20:00 UTC). Clocks spring forward on Sunday 03-08, so
    # 48 real hours later is Monday 03-09 20:00 UTC = 13:00 PDT.
    requested = datetime(2026, 3, 7, 12, 0, tzinfo=LA).astimezone(UTC)
    found = deadline(rules, "urgent", requested)
    assert found.astimezone(UTC) - requested == timedelta(hours=48)
    assert wall_clock(found) == (date(2026, 3, 9), time(13, 0))


def test_urgent_with_prior_authorization_is_96_hours(rules: RuleSet) -> None:
    requested = datetime(2026, 6, 1, 9, 0, tzinfo=LA).astimezone(UTC)
    found = deadline(rules, "urgent-prior-auth", requested)
    assert found.astimezone(UTC) - requested == timedelta(hours=96)


def test_a_saturday_request_counts_from_the_saturday(rules: RuleSet) -> None:
    # Saturday 2026-06-06 is not a business day, but the count starts after it all the same:
    #  1 Mon 08 .. 5 Fri 12, 6 Mon 15 .. 10 Fri 06-19 (Juneteenth: offices open).
    requested = datetime(2026, 6, 6, 10, 0, tzinfo=LA)
    assert deadline(rules, "initial-therapy", requested) == end_of(2026, 6, 19)


def test_a_business_day_deadline_in_the_spring_forward_week_ends_at_local_midnight(
    rules: RuleSet,
) -> None:
    # Requested Friday 2026-03-06 (PST). 1 Mon 09 .. 5 Fri 13, 6 Mon 16 .. 10 Fri 03-20.
    # The deadline is in PDT, so 23:59:59 local is 06:59:59 UTC, not 07:59:59.
    requested = datetime(2026, 3, 6, 10, 0, tzinfo=LA)
    found = deadline(rules, "initial-therapy", requested)
    assert found == end_of(2026, 3, 20)
    assert found.astimezone(UTC) == datetime(2026, 3, 21, 6, 59, 59, tzinfo=UTC)


def test_the_business_day_deadline_counts_from_a_request_made_on_the_dst_sunday(
    rules: RuleSet,
) -> None:
    # Sunday 2026-03-08 01:30 PST, half an hour before the clocks jump.
    #  1 Mon 09 .. 5 Fri 13, 6 Mon 16 .. 10 Fri 03-20.
    requested = datetime(2026, 3, 8, 1, 30, tzinfo=LA)
    assert deadline(rules, "initial-therapy", requested) == end_of(2026, 3, 20)


def test_it_refuses_a_naive_clock_start(rules: RuleSet) -> None:
    with pytest.raises(ValueError, match="aware"):
        rules.standard("urgent").deadline_for(
            datetime(2026, 6, 1, 9, 0),  # noqa: DTZ001 - the naive instant is the point
            rules.calendar,
            rules.timezone,
        )


def test_asking_for_an_unknown_standard_raises_unknown_standard(rules: RuleSet) -> None:
    with pytest.raises(UnknownStandard, match="nope") as raised:
        rules.standard("nope")
    assert raised.value.details["standard"] == "nope"
    assert "initial-therapy" in raised.value.message


@pytest.mark.parametrize(
    ("visit", "provider_class", "prior_authorization", "expected"),
    [
        (VisitType.URGENT, ProviderClass.THERAPIST, False, "urgent"),
        (VisitType.URGENT, ProviderClass.PSYCHIATRIST, False, "urgent"),
        (VisitType.URGENT, ProviderClass.THERAPIST, True, "urgent-prior-auth"),
        (VisitType.INITIAL, ProviderClass.THERAPIST, False, "initial-therapy"),
        (VisitType.INITIAL, ProviderClass.PSYCHIATRIC_NURSE, False, "initial-therapy"),
        (VisitType.INITIAL, ProviderClass.PSYCHIATRIST, False, "initial-psychiatry"),
        (VisitType.FOLLOW_UP, ProviderClass.THERAPIST, False, "follow-up-therapy"),
    ],
)
def test_the_standard_for_a_request_follows_its_visit_and_provider(
    rules: RuleSet,
    visit: VisitType,
    provider_class: ProviderClass,
    prior_authorization: bool,
    expected: str,
) -> None:
    chosen = rules.standard_for(visit, provider_class, prior_authorization=prior_authorization)
    assert chosen.name == expected
    if chosen.provider_classes:
        assert provider_class in chosen.provider_classes


def test_the_limits_read_as_the_law_states_them(rules: RuleSet) -> None:
    assert rules.standard("urgent").limit_text == "48 hours"
    assert rules.standard("urgent-prior-auth").limit_text == "96 hours"
    assert rules.standard("initial-therapy").limit_text == "10 business days"
    assert rules.standard("telephone-triage").limit_text == "30 minutes"


def test_telephone_triage_allows_a_thirty_minute_wait(rules: RuleSet) -> None:
    call = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert deadline(rules, "telephone-triage", call) - call == timedelta(minutes=30)


def test_another_jurisdiction_is_another_data_file(rules: RuleSet) -> None:
    new_york = load_rules("example-other-state")
    assert new_york.jurisdiction == "new-york"
    assert new_york.timezone.key == "America/New_York"
    requested = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    # Urgent: 24 h in the New York file, 48 h in California.
    assert deadline(new_york, "urgent", requested) - requested == timedelta(hours=24)
    assert deadline(rules, "urgent", requested) - requested == timedelta(hours=48)
    # Psychiatry: 10 business days in New York, 15 in California. From Mon 2026-02-02 in
    # New York (Lincoln's Birthday Thu 02-12 and Presidents' Day Mon 02-16 are NY holidays):
    #  1 Tue 03 .. 4 Fri 06, 5 Mon 09, 6 Tue 10, 7 Wed 11, (Thu 12), 8 Fri 13, (Mon 16),
    #  9 Tue 17, 10 Wed 02-18; and it ends at midnight Eastern time.
    start = datetime(2026, 2, 2, 10, 0, tzinfo=NEW_YORK)
    assert deadline(new_york, "initial-psychiatry", start) == datetime(
        2026, 2, 18, 23, 59, 59, tzinfo=NEW_YORK
    )
    assert deadline(rules, "initial-psychiatry", start) == end_of(2026, 2, 24)


def test_a_standard_needs_exactly_one_limit(rules: RuleSet) -> None:
    with pytest.raises(ValueError, match="exactly one limit"):
        replace(rules.standard("urgent"), limit_business_days=10)


def test_the_survey_method_comes_from_the_rule_file() -> None:
    packaged = (data_dir("standards") / "california.toml").read_text("utf-8")
    written = dict(
        re.findall(r"^(survey_horizon_days|minimum_survey_answers) = (\d+)$", packaged, re.M)
    )
    rules = load_rules("california")
    assert rules.survey_horizon_days == int(written["survey_horizon_days"])
    assert rules.minimum_survey_answers == int(written["minimum_survey_answers"])


@pytest.mark.parametrize(
    ("key", "value"),
    [("survey_horizon_days", None), ("minimum_survey_answers", None), ("survey_horizon_days", 0)],
)
def test_a_rule_file_without_a_sound_survey_method_is_refused(
    tmp_path: Path, key: str, value: int | None
) -> None:
    packaged = (data_dir("standards") / "california.toml").read_text("utf-8")
    kept = [line for line in packaged.splitlines() if not line.startswith(f"{key} =")]
    if value is not None:
        kept = [line.replace("[monitoring]", f"[monitoring]\n{key} = {value}") for line in kept]
    broken = tmp_path / "broken.toml"
    broken.write_text("\n".join(kept), "utf-8")
    said = f"missing key '{key}'" if value is None else f"{key} must be a whole number >= 1"
    with pytest.raises(RuleFileError, match=said):
        load_rules(str(broken))


def test_the_window_after_a_members_own_later_date_comes_from_the_rule_file() -> None:
    packaged = (data_dir("standards") / "california.toml").read_text("utf-8")
    table = packaged.split("[member_preference]", 1)[1].split("\n[", 1)[0]
    written = re.search(r"^search_days = (\d+)$", table, re.M)
    assert written is not None
    assert load_rules("california").preference_search_days == int(written.group(1))


@pytest.mark.parametrize("value", [None, 0])
def test_a_rule_file_without_a_sound_preference_window_is_refused(
    tmp_path: Path, value: int | None
) -> None:
    packaged = (data_dir("standards") / "california.toml").read_text("utf-8")
    kept = [line for line in packaged.splitlines() if not line.startswith("search_days =")]
    if value is not None:
        kept = [
            line.replace("[member_preference]", f"[member_preference]\nsearch_days = {value}")
            for line in kept
        ]
    broken = tmp_path / "broken.toml"
    broken.write_text("\n".join(kept), "utf-8")
    said = "missing key 'search_days'" if value is None else "search_days must be a whole number"
    with pytest.raises(RuleFileError, match=said):
        load_rules(str(broken))


@pytest.mark.parametrize("jurisdiction", ["california", "example-other-state"])
def test_every_standard_has_the_report_group_its_urgency_and_visit_give(
    jurisdiction: str,
) -> None:
    """The figures count each request under its standard's group (the rule file's
    report_group): an urgent standard is urgent, a routine one goes by its visit."""
    assert GROUP_NAMES == ("urgent", "initial", "follow-up")  # the order figures list them
    rules = load_rules(jurisdiction)
    assert rules.standards
    for standard in rules.standards.values():
        expected = "urgent" if standard.urgency == "urgent" else standard.visit
        assert standard.report_group == expected, standard.name
        assert standard.report_group in GROUP_NAMES


@pytest.mark.parametrize(
    ("line", "said"),
    [(None, "missing key 'report_group'"), ('report_group = "routine"', "not one of")],
)
def test_a_standard_without_a_known_report_group_is_refused(
    tmp_path: Path, line: str | None, said: str
) -> None:
    packaged = (data_dir("standards") / "california.toml").read_text("utf-8")
    first = 'report_group = "urgent"'
    assert first in packaged
    broken = tmp_path / "broken.toml"
    broken.write_text(packaged.replace(first, line or "", 1), "utf-8")
    with pytest.raises(RuleFileError, match=said):
        load_rules(str(broken))
