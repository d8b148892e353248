"""Import clinics, clinicians, templates and members from CSV: all or nothing.

Every bad row is reported with its line number and reason; nothing is stored unless the
whole file is valid (one transaction, committed only after every row passed).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from parity.adapters.csv_rows import CsvRow
from parity.domain import ids
from parity.domain.calendar import WEEKDAY_NAMES
from parity.domain.errors import InvalidInput, NotFound, ParityError
from parity.domain.members import Member
from parity.domain.ports import UnitOfWork
from parity.domain.schedule import BlockKind, TemplateBlock, WeeklyTemplate, validate_template
from parity.domain.workforce import Clinic, Clinician, Discipline, Modality
from parity.services.policy import Policy

COLUMNS: dict[str, tuple[str, ...]] = {
    "clinics": ("id", "name", "address"),
    "clinicians": ("id", "name", "discipline", "fte", "clinics"),
    "templates": ("clinician_id", "weekday", "start", "end", "kind", "clinic_id"),
    "members": ("id", "name", "clinic_id"),
}

# The columns that name a record (its own id or another's): each must be one spelling of an
# id the API can address (`ids.is_text_id`); `clinics` is a list of them.
ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "clinics": ("id",),
    "clinicians": ("id", "clinics"),
    "templates": ("clinician_id", "clinic_id"),
    "members": ("id", "clinic_id"),
}
# Any value longer than this, or holding a control character (a line break, a tab), is
# refused: a name or an address that size is a file error, not a person or a place.
MAX_VALUE = 300

# The earliest birth date a member file may give: older is a typing error (0001-01-01, a
# placeholder), not a member. Later than the import day is refused too.
EARLIEST_BIRTH = date(1900, 1, 1)

# FHIR's administrative gender (R4 value set administrative-gender).
GENDERS = ("male", "female", "other", "unknown")


class ImportRejected(InvalidInput):
    """The file had bad rows; `problems` lists (line, reason) for each one."""

    rule = "import-rejected"

    def __init__(self, kind: str, problems: list[tuple[int, str]]) -> None:
        lines = "\n".join(f"  line {line}: {reason}" for line, reason in problems[:200])
        more = f"\n  ... and {len(problems) - 200} more" if len(problems) > 200 else ""
        super().__init__(
            f"{kind}: {len(problems)} bad row(s); nothing was imported\n{lines}{more}",
            problems=problems,
        )
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    kind: str
    imported: int


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("|", ";").split(";") if part.strip()]


def _clinic(row: dict[str, str], uow: UnitOfWork) -> Clinic:
    return Clinic(
        row["id"],
        row["name"],
        row["address"],
        _zone(row.get("timezone") or "America/Los_Angeles"),
        row.get("county", ""),
        _degrees(row.get("lat") or "0", "lat", 90.0),
        _degrees(row.get("lon") or "0", "lon", 180.0),
    )


def _zone(name: str) -> str:
    """An IANA time zone the clinic's calendar can be computed in (business days, hours)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"timezone {name[:60]!r} is not an IANA time zone such as America/Los_Angeles"
        ) from None
    return name


def _degrees(text: str, column: str, limit: float) -> float:
    """A latitude or longitude: a finite number of degrees within ±`limit` (nan and inf
    are numbers to `float`, and no database column should hold them)."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{column} must be a number of degrees, got {text[:40]!r}") from None
    if not math.isfinite(value) or abs(value) > limit:
        raise ValueError(f"{column} must be between -{limit:g} and {limit:g}, got {text[:40]!r}")
    return value


def _clinician(row: dict[str, str], uow: UnitOfWork) -> Clinician:
    clinics = tuple(_split(row["clinics"]))
    for clinic_id in clinics:
        uow.clinics.get(clinic_id)
    modalities = frozenset(Modality(m) for m in _split(row.get("modalities", ""))) or frozenset(
        Modality
    )
    return Clinician(
        row["id"],
        row["name"],
        Discipline(row["discipline"]),
        float(row["fte"]),
        clinics,
        frozenset(_split(row.get("languages", "")) or ["english"]),
        modalities,
    )


def _born(text: str, today: date | None) -> date | None:
    """A birth date from 1900 up to the import day (a later one has not happened)."""
    if not text:
        return None
    born = date.fromisoformat(text)
    if born < EARLIEST_BIRTH or (today is not None and born > today):
        latest = "today" if today is not None else "now"
        raise ValueError(f"birth_date {text} is not between {EARLIEST_BIRTH} and {latest}")
    return born


def _member(row: dict[str, str], uow: UnitOfWork, today: date | None = None) -> Member:
    uow.clinics.get(row["clinic_id"])
    modalities = tuple(Modality(m) for m in _split(row.get("modalities", ""))) or (Modality.VIDEO,)
    born = row.get("birth_date")
    gender = (row.get("gender") or "unknown").strip().lower()
    if gender not in GENDERS:
        raise InvalidInput(f"gender {gender!r} is not one of {', '.join(GENDERS)}")
    return Member(
        row["id"],
        row["name"],
        row["clinic_id"],
        row.get("language") or "english",
        modalities,
        _born(born or "", today),
        row.get("phone", ""),
        row.get("email", ""),
        # The name parts a look-up searches (docs/adr/0015); without them the one `name`
        # text is read as given names, then the family name.
        family=(row.get("family") or "").strip(),
        given=(row.get("given") or "").strip(),
        gender=gender,
    )


def _block(row: dict[str, str], uow: UnitOfWork) -> tuple[str, TemplateBlock]:
    weekday = row["weekday"].lower()[:3]
    if weekday not in WEEKDAY_NAMES:
        raise ValueError(f"weekday must be one of {', '.join(WEEKDAY_NAMES)}")
    uow.clinics.get(row["clinic_id"])
    return row["clinician_id"], TemplateBlock(
        WEEKDAY_NAMES.index(weekday),
        time.fromisoformat(row["start"]),
        time.fromisoformat(row["end"]),
        BlockKind(row["kind"]),
        row["clinic_id"],
        int(row.get("slot_minutes") or 0),
    )


def _parse_all(
    rows: list[CsvRow], kind: str, uow: UnitOfWork, today: date | None
) -> tuple[list[tuple[int, Any]], list[tuple[int, str]]]:
    parse, key = _PARSERS[kind]
    if kind == "members":
        parse = partial(_member, today=today)
    parsed: list[tuple[int, Any]] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for row in rows:
        if row.extra:
            problems.append((row.line, "more values than columns"))
            continue
        missing = [c for c in COLUMNS[kind] if not row.values.get(c)]
        if missing:
            problems.append((row.line, f"empty {', '.join(missing)}"))
            continue
        malformed = _malformed(row.values, kind)
        if malformed:
            problems.append((row.line, malformed))
            continue
        if key and (first := seen.setdefault(row.values[key], row.line)) != row.line:
            problems.append(
                (row.line, f"duplicate {key} {row.values[key]!r} (first on line {first})")
            )
            continue
        try:
            parsed.append((row.line, parse(row.values, uow)))
        except (ValueError, ParityError) as error:
            problems.append((row.line, getattr(error, "message", None) or str(error)))
    return parsed, problems


def _malformed(values: dict[str, str], kind: str) -> str | None:
    """Why a row's values cannot be stored as given, or None: an id of no id's spelling,
    a value too long or holding a control character, a clinic listed twice."""
    for column, value in values.items():
        if len(value) > MAX_VALUE:
            return f"{column} is longer than {MAX_VALUE} characters"
        if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value):
            return f"{column} holds a control character (a line break, a tab)"
    for column in ID_COLUMNS[kind]:
        named = _split(values[column]) if column == "clinics" else [values[column]]
        for value in named:
            if not ids.is_text_id(value):
                return (
                    f"{column} {value[:40]!r} is not an id: 1-64 letters, digits, '.', '_' "
                    "or '-', starting with a letter or a digit"
                )
        if len(set(named)) < len(named):
            return f"{column} names a clinic twice"
    return None


_PARSERS: dict[str, tuple[Callable[[dict[str, str], UnitOfWork], Any], str]] = {
    "clinics": (_clinic, "id"),
    "clinicians": (_clinician, "id"),
    "members": (_member, "id"),
    "templates": (_block, ""),
}


def import_rows(
    kind: str, rows: list[CsvRow], uow: UnitOfWork, policy: Policy, today: date | None = None
) -> ImportResult:
    """Validate every row, then store them all in one transaction, or store nothing.
    `today` (the clinic-local import day) bounds members' birth dates."""
    if kind not in _PARSERS:
        raise InvalidInput(f"unknown import {kind!r}; one of {', '.join(_PARSERS)}")
    with uow:
        parsed, problems = _parse_all(rows, kind, uow, today)
        repository = {"clinics": uow.clinics, "clinicians": uow.clinicians, "members": uow.members}
        if kind == "templates":
            problems += _store_templates(parsed, uow, policy)
        else:
            problems += _store(parsed, repository[kind], kind)
        if problems:
            raise ImportRejected(kind, sorted(problems))
        uow.commit()
    return ImportResult(kind, len(parsed))


def _store(parsed: list[tuple[int, Any]], repository: Any, kind: str) -> list[tuple[int, str]]:
    problems: list[tuple[int, str]] = []
    for line, item in parsed:
        try:
            repository.get(item.id)
            problems.append((line, f"{kind[:-1]} {item.id!r} already exists"))
        except NotFound:
            repository.add(item)
    return problems


def _store_templates(
    parsed: list[tuple[int, Any]], uow: UnitOfWork, policy: Policy
) -> list[tuple[int, str]]:
    """Group blocks by clinician, validate each week against the contract, store the valid ones."""
    by_clinician: defaultdict[str, list[tuple[int, TemplateBlock]]] = defaultdict(list)
    for line, (clinician_id, block) in parsed:
        by_clinician[clinician_id].append((line, block))
    problems: list[tuple[int, str]] = []
    for clinician_id, lines_blocks in by_clinician.items():
        lines = [line for line, _ in lines_blocks]
        try:
            clinician = uow.clinicians.get(clinician_id)
            if uow.templates.where(clinician_id=clinician_id):
                raise InvalidInput(f"clinician {clinician_id} already has a template")
            template = WeeklyTemplate(clinician_id, tuple(b for _, b in lines_blocks))
            validate_template(template, clinician, policy.contract)
            uow.templates.add(template)
        except ParityError as error:
            problems.append((lines[0], f"{error.message} (lines {lines[0]}-{lines[-1]})"))
    return problems
