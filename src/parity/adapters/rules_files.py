"""Load the rules as data: standards, holiday calendars, contracts and regions (TOML).

Bad files fail loudly with `RuleFileError` naming the file and the key, at start-up.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holiday_tables

from parity.adapters.figure_shapes import is_note, like
from parity.domain.calendar import WEEKDAY_NAMES, BusinessCalendar
from parity.domain.contract import ContractTerms
from parity.domain.errors import RuleFileError
from parity.domain.standards import AccessStandard, ClockStart, RuleSet, Urgency
from parity.domain.workforce import Clinic, ProviderClass

HOLIDAY_YEARS = range(2015, 2041)


def data_dir(kind: str) -> Path:
    """The folder of packaged rule files of one kind (standards, contracts, regions)."""
    return Path(str(resources.files("parity") / "data" / kind))


def resolve(kind: str, name_or_path: str) -> Path:
    """A packaged preset by name (`socal-2025`) or a file path (`my.toml`)."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" and candidate.exists():
        return candidate
    packaged = data_dir(kind) / f"{name_or_path}.toml"
    if packaged.exists():
        return packaged
    known = ", ".join(sorted(p.stem for p in data_dir(kind).glob("*.toml")))
    noun = WHAT_IS_NAMED.get(kind, kind[:-1])
    raise RuleFileError(f"no {noun} named {name_or_path!r}; known: {known}", name=name_or_path)


# What a name on the command line or in settings names, by the data folder holding them.
WHAT_IS_NAMED = {"standards": "jurisdiction", "calendars": "calendar"}


def read_toml(path: Path) -> dict[str, Any]:
    """A rule file's tables; an unreadable or malformed file is a `RuleFileError`."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise RuleFileError(f"{path}: {error}", path=str(path)) from error


def _need(table: dict[str, Any], key: str, path: Path) -> Any:
    if key not in table:
        raise RuleFileError(f"{path}: missing key {key!r}", path=str(path), key=key)
    return table[key]


def holiday_calendar(table: dict[str, Any], path: Path) -> BusinessCalendar:
    """Build the business calendar: weekdays minus the holidays of the named calendar file
    (data/calendars/<file>.toml, written out per year) plus the plan's extra closures. The
    `holidays` package is used only when a file asks for it (`holidays_country`)."""
    weekdays = [WEEKDAY_NAMES.index(d) for d in table.get("weekdays", WEEKDAY_NAMES[:5])]
    days: set[date] = set()
    years: range | None = None
    name = str(table.get("name", path.stem))
    if "file" in table:
        listed = calendar_file(str(table["file"]))
        days.update(listed.days)
        years, name = listed.years, listed.name
    elif table.get("holidays_country"):
        subdivision = table.get("holidays_subdivision")
        days.update(
            holiday_tables.country_holidays(
                table["holidays_country"], subdiv=subdivision, years=HOLIDAY_YEARS
            )
        )
    for extra in table.get("extra_holidays", []):
        days.add(date.fromisoformat(str(_need(extra, "date", path))))
    return BusinessCalendar(name, days, weekdays, years)


@dataclass(frozen=True)
class HolidayList:
    """A calendar file: its name, the years it covers and the days offices close."""

    name: str
    title: str
    citation: str
    years: range
    days: frozenset[date]


def calendar_file(name_or_path: str) -> HolidayList:
    """Read data/calendars/<name>.toml; every holiday must fall in the years it covers."""
    path = resolve("calendars", name_or_path)
    data = read_toml(path)
    first, last = int(_need(data, "first_year", path)), int(_need(data, "last_year", path))
    years = range(first, last + 1)
    days = frozenset(_holiday_day(h, path) for h in data.get("holiday", []))
    stray = sorted(d for d in days if d.year not in years)
    if stray:
        raise RuleFileError(f"{path}: {stray[0]} is outside {first}-{last}", path=str(path))
    return HolidayList(
        str(_need(data, "name", path)),
        str(data.get("title", path.stem)),
        str(_need(data, "citation", path)),
        years,
        days,
    )


def _holiday_day(entry: dict[str, Any], path: Path) -> date:
    value = _need(entry, "date", path)
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _standard(entry: dict[str, Any], path: Path) -> AccessStandard:
    try:
        return AccessStandard(
            name=_need(entry, "name", path),
            title=entry.get("title", entry["name"]),
            clock_start=ClockStart(_need(entry, "clock_start", path)),
            urgency=Urgency(_need(entry, "urgency", path)),
            visit=entry.get("visit", "any"),
            provider_classes=frozenset(ProviderClass(p) for p in entry.get("provider_classes", [])),
            citation=_need(entry, "citation", path),
            effective_from=date.fromisoformat(str(_need(entry, "effective_from", path))),
            prior_authorization=bool(entry.get("prior_authorization", False)),
            limit_hours=entry.get("limit_hours"),
            limit_business_days=entry.get("limit_business_days"),
            limit_minutes=entry.get("limit_minutes"),
            plan_policy=bool(entry.get("plan_policy", False)),
            report_group=_report_group(entry, path),
        )
    except ValueError as error:
        raise RuleFileError(
            f"{path}: standard {entry.get('name')!r}: {error}", path=str(path)
        ) from error


# The groups a report counts requests under, in the order the figures list them.
REPORT_GROUPS = ("urgent", "initial", "follow-up")


def _report_group(entry: dict[str, Any], path: Path) -> str:
    group = str(_need(entry, "report_group", path))
    if group not in REPORT_GROUPS:
        raise ValueError(f"report_group {group!r} is not one of {', '.join(REPORT_GROUPS)}")
    return group


def load_rules(
    name_or_path: str = "california", extra_holidays: list[date] | None = None
) -> RuleSet:
    """Load a jurisdiction's standards file; `extra_holidays` adds a plan's own closures."""
    path = resolve("standards", name_or_path)
    data = read_toml(path)
    calendar = holiday_calendar(_need(data, "calendar", path), path)
    if extra_holidays:
        calendar = BusinessCalendar(
            calendar.name,
            calendar.holidays | set(extra_holidays),
            calendar.weekdays,
            calendar.years,
        )
    standards = {s.name: s for s in (_standard(e, path) for e in _need(data, "standard", path))}
    monitoring = data.get("monitoring", {})
    penalties = data.get("penalties", {})
    citations = {k: str(v.get("citation", "")) for k, v in data.items() if isinstance(v, dict)}
    return RuleSet(
        jurisdiction=_need(data, "jurisdiction", path),
        title=data.get("title", path.stem),
        timezone=ZoneInfo(_need(data, "timezone", path)),
        calendar=calendar,
        standards=standards,
        urgent_threshold=float(monitoring.get("urgent_compliance_threshold", 0.70)),
        non_urgent_threshold=float(monitoring.get("non_urgent_compliance_threshold", 0.70)),
        thresholds_from_year=_year(monitoring, "from_measurement_year", path),
        penalty_per_violation_usd=int(penalties.get("per_violation_usd", 25_000)),
        penalty_from=_day(penalties, "from_date", path),
        earlier_penalty_usd=int(penalties.get("earlier_per_violation_usd", 0)),
        prompt_reschedule_business_days=int(
            data.get("rescheduling", {}).get("prompt_business_days", 1)
        ),
        citations=citations,
        follow_up_clock_after_member_event=_member_event_clock(data, path),
        survey_time=str(monitoring.get("survey_time", "10:00")),
        survey_horizon_days=_positive(monitoring, "survey_horizon_days", path),
        minimum_survey_answers=_positive(monitoring, "minimum_survey_answers", path),
        preference_search_days=_positive(data.get("member_preference", {}), "search_days", path),
    )


def _year(table: dict[str, Any], key: str, path: Path) -> int | None:
    """An optional year (`2023`)."""
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1900 < value < 3000:
        raise RuleFileError(f"{path}: {key} must be a year such as 2023", path=str(path), key=key)
    return value


def _day(table: dict[str, Any], key: str, path: Path) -> date | None:
    """An optional TOML date (`2023-01-01`, unquoted)."""
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise RuleFileError(
            f"{path}: {key} must be a date such as 2023-01-01", path=str(path), key=key
        )
    return value


def _positive(table: dict[str, Any], key: str, path: Path) -> int:
    value = _need(table, key, path)
    if not isinstance(value, int) or value < 1:
        raise RuleFileError(f"{path}: {key} must be a whole number >= 1", path=str(path), key=key)
    return value


MEMBER_EVENT_CLOCKS = ("member-event",)


def _member_event_clock(data: dict[str, Any], path: Path) -> str:
    value = str(data.get("follow_up_clock", {}).get("after_member_event", "member-event"))
    if value not in MEMBER_EVENT_CLOCKS:
        raise RuleFileError(
            f"{path}: follow_up_clock.after_member_event must be one of "
            f"{', '.join(MEMBER_EVENT_CLOCKS)}",
            path=str(path),
        )
    return value


def load_contract(name_or_path: str) -> ContractTerms:
    path = resolve("contracts", name_or_path)
    data = read_toml(path)
    hours = float(_need(data, "ipc_hours_per_week_fte", path))
    if hours < 0:
        raise RuleFileError(f"{path}: ipc_hours_per_week_fte must be >= 0", path=str(path))
    return ContractTerms(
        name=_need(data, "name", path),
        title=data.get("title", path.stem),
        ipc_hours_per_week_fte=hours,
        citation=_need(data, "citation", path),
        pension=bool(data.get("pension", False)),
        cash_balance_pension=bool(data.get("cash_balance_pension", False)),
        wage_increases=tuple(float(w) for w in data.get("wage_increases", [])),
        direct_care_hours_per_week_fte=float(data.get("direct_care_hours_per_week_fte", 30.0)),
        meeting_hours_per_week_fte=float(data.get("meeting_hours_per_week_fte", 2.5)),
        urgent_hold_slots_per_week=int(data.get("urgent_hold_slots_per_week", 2)),
    )


@dataclass(frozen=True)
class RegionSpec:
    """A region to simulate: its clinics, counties, size and calibration tables."""

    name: str
    title: str
    timezone: str
    members: int
    clinicians: int
    clinics: tuple[Clinic, ...]
    county_population: dict[str, int]
    demand: dict[str, Any] = field(default_factory=dict)
    workforce: dict[str, Any] = field(default_factory=dict)
    # How the plan booked before Parity, and Parity's own simulated clinicians (ADR 0014).
    status_quo: dict[str, Any] = field(default_factory=dict)
    parity: dict[str, Any] = field(default_factory=dict)
    calibration: dict[str, Any] = field(default_factory=dict)


# The tables of a region's figures the simulator reads; a region file's are read in the
# shape of the packaged reference region's (figure_shapes, ADR 0014).
REGION_FIGURES = ("demand", "workforce", "status_quo", "parity")
REFERENCE_REGION = "socal"


@cache
def _reference_region() -> dict[str, Any]:
    return read_toml(data_dir("regions") / f"{REFERENCE_REGION}.toml")


def _region_table(data: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    """One table of figures, each present and in the reference region's shape."""
    table = _need(data, name, path)
    reference = _reference_region()[name]
    if not isinstance(table, dict):
        raise RuleFileError(f"{path}: [{name}] must be a table", path=str(path), key=name)
    figures = [k for k in reference if not is_note(k)]
    unknown = [k for k in table if not is_note(k) and k not in reference]
    if unknown:
        raise RuleFileError(
            f"{path}: [{name}] {unknown[0]} is no figure the simulator reads; the figures "
            f"are {', '.join(figures)}",
            path=str(path),
            key=f"{name}.{unknown[0]}",
        )
    read = {k: v for k, v in table.items() if is_note(k)}
    for key in figures:
        where = f"{path}: {name}.{key}"
        if key not in table:
            raise RuleFileError(f"{where} is missing", path=str(path), key=f"{name}.{key}")
        read[key] = like(where, key, reference[key], table[key], same_length=False)
    _paired_lengths(read, name, path)
    return read


def _calibration_table(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """`[calibration]` targets (optional): each a target `parity calibrate` computes, as
    `{low, high, source}` (and a `note`), low <= high."""
    table = data.get("calibration", {})
    if not isinstance(table, dict):
        raise RuleFileError(f"{path}: [calibration] must be a table", path=str(path))
    known = [k for k, v in _reference_region()["calibration"].items() if isinstance(v, dict)]
    for name, entry in table.items():
        where = f"{path}: calibration.{name}"
        if not isinstance(entry, dict):
            if is_note(name) or isinstance(entry, str):
                continue  # a note beside the targets
            raise RuleFileError(f"{where} must be {{low, high, source}}", path=str(path))
        if name not in known:
            raise RuleFileError(
                f"{where} is no target parity calibrate computes; the targets are "
                f"{', '.join(known)}",
                path=str(path),
            )
        low, high, source = (entry.get(k) for k in ("low", "high", "source"))
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high))
        if not numbers or not isinstance(source, str) or not low <= high:  # type: ignore[operator]
            raise RuleFileError(
                f"{where} must be {{low, high, source}} with numbers low <= high and the "
                f"source in words, got {entry!r}",
                path=str(path),
            )
    return dict(table)


def _paired_lengths(table: dict[str, Any], name: str, path: Path) -> None:
    """A list of shares and the list it weighs (`cadence_shares`, `cadence_weeks`) are as
    long as each other."""
    for key, shares in table.items():
        if not (key.endswith("_shares") and isinstance(shares, list)):
            continue
        stem = key.removesuffix("shares")
        for other, values in table.items():
            paired = other != key and other.startswith(stem) and isinstance(values, list)
            if paired and len(values) != len(shares):
                raise RuleFileError(
                    f"{path}: {name}.{key} has {len(shares)} shares for {len(values)} {other}",
                    path=str(path),
                    key=f"{name}.{key}",
                )


def load_region(name_or_path: str) -> RegionSpec:
    path = resolve("regions", name_or_path)
    data = read_toml(path)
    timezone = str(data.get("timezone", "America/Los_Angeles"))
    clinics = tuple(
        Clinic(
            id=_need(c, "id", path),
            name=_need(c, "name", path),
            address=f"{c.get('address', '')}, {c.get('city', '')} {c.get('zip', '')}".strip(", "),
            timezone=timezone,
            county=c.get("county", ""),
            lat=float(c.get("lat", 0.0)),
            lon=float(c.get("lon", 0.0)),
        )
        for c in _need(data, "clinic", path)
    )
    return RegionSpec(
        name=_need(data, "name", path),
        title=data.get("title", path.stem),
        timezone=timezone,
        members=int(_need(data, "members", path)),
        clinicians=int(_need(data, "clinicians", path)),
        clinics=clinics,
        county_population={c["name"]: int(c["population"]) for c in data.get("county", [])},
        **{name: _region_table(data, name, path) for name in REGION_FIGURES},
        calibration=_calibration_table(data, path),
    )
