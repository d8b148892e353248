"""Explicit mapping between rows and the domain's plain dataclasses.

Most records map field by field (their columns carry the dataclass field names, and the
column types turn enums, instants and modality tuples back into domain values). Clinicians
(languages and modalities live in child tables) and weekly templates (blocks as JSON) have
their own functions. Nothing here instruments a domain class.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import time
from inspect import Parameter, signature
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import RowMapping, Select, Table, func, select

from parity.adapters.sql import tables
from parity.domain.care import Appointment, CareRequest, ClinicalException, Course, Offer, Referral
from parity.domain.corrective import Action, Finding
from parity.domain.holds import Hold
from parity.domain.members import Member
from parity.domain.messages import Message
from parity.domain.schedule import (
    AvailabilityException,
    BlockKind,
    IpcWeek,
    ProtectedTime,
    Slot,
    TemplateBlock,
    WeeklyTemplate,
)
from parity.domain.waitlist import Preferences, WaitlistEntry
from parity.domain.workforce import Clinic, Clinician, Discipline, Modality

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
D = TypeVar("D", bound="DataclassInstance")
Row = RowMapping


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def field_names(kind: type) -> tuple[str, ...]:
    """A dataclass's field names (looked up once per class: slots are mapped by the 100,000)."""
    names = _FIELD_NAMES.get(kind)
    if names is None:
        if not is_dataclass(kind):
            raise TypeError(f"{kind.__name__} is not a domain record")
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(kind))
    return names


def from_domain(item: object) -> dict[str, Any]:
    """A dataclass's fields as a row (column names are field names)."""
    return {name: getattr(item, name) for name in field_names(type(item))}


def to_domain(kind: type[D]) -> Callable[[Row], D]:
    """Build `kind` from the row's columns named like its fields (extra columns ignored)."""
    names = [f.name for f in fields(kind)]

    def build(row: Row) -> D:
        return kind(**{name: row[name] for name in names})

    return build


def to_domain_by_position(kind: type[D], columns: Sequence[str]) -> Callable[[Any], D]:
    """Build `kind` from a plain row (a tuple, not a mapping) whose columns are `columns`,
    named like its fields: each field's value picked by position and passed by position,
    half the CPU of a keyword call from a mapping (docs/adr/0017-booking-api-speed.md)."""
    names = [f.name for f in fields(kind)]
    accepted = list(signature(kind).parameters.values())
    by_position = (Parameter.POSITIONAL_ONLY, Parameter.POSITIONAL_OR_KEYWORD)
    if len(names) < 2 or [p.name for p in accepted if p.kind in by_position] != names:
        raise TypeError(f"{kind.__name__} cannot be built by position")
    picked = itemgetter(*(columns.index(name) for name in names))

    def build(row: Any) -> D:
        return kind(*picked(row))

    return build


@dataclass(frozen=True)
class RecordMapping(Generic[T]):
    """How one kind of record is stored: its table, key, name, and row conversions."""

    name: str
    table: Table
    key: str
    to_row: Callable[[T], dict[str, Any]]
    to_domain: Callable[[Row], T]
    query: Select[Any]
    # Frozen records read again and again in one transaction (a booking reads its
    # clinician three times) are kept for the rest of the transaction.
    immutable: bool = False
    # The record from a plain row of `query` (a tuple), by position, when its fields allow
    # (to_domain_by_position); else repositories hand `to_domain` the row's mapping.
    from_tuple: Callable[[Any], T] | None = None

    def builder(self) -> Callable[[Any], T]:
        """The record from a plain row of `query`."""
        if self.from_tuple is not None:
            return self.from_tuple
        to_domain = self.to_domain
        # By name from any row of `query`, a plain tuple too (`direct.rows`).
        names = list(self.query.selected_columns.keys())
        return lambda row: to_domain(dict(zip(names, row, strict=True)))  # type: ignore[arg-type]


def is_frozen(kind: type) -> bool:
    params = getattr(kind, "__dataclass_params__", None)
    return params is not None and bool(params.frozen)


def plain(name: str, kind: type[D], table: Table, key: str = "id") -> RecordMapping[D]:
    query = select(table)
    try:
        by_position = to_domain_by_position(kind, table.c.keys())
    except (TypeError, ValueError):  # keyword-only fields, or a field the table lacks
        by_position = None
    frozen = is_frozen(kind)
    return RecordMapping(name, table, key, from_domain, to_domain(kind), query, frozen, by_position)


# -- clinicians: languages and modalities in child tables ---------------------------------


def clinician_to_row(clinician: Clinician) -> dict[str, Any]:
    return {
        "id": clinician.id,
        "name": clinician.name,
        "discipline": clinician.discipline,
        "provider_class": clinician.provider_class,
        "fte": clinician.fte,
        "clinic_ids": clinician.clinic_ids,
    }


def clinician_children(clinician: Clinician) -> list[tuple[Table, list[dict[str, Any]]]]:
    """Rows of the child tables slot searches join on."""
    languages = [{"clinician_id": clinician.id, "language": x} for x in sorted(clinician.languages)]
    modalities = [
        {"clinician_id": clinician.id, "modality": m} for m in sorted(clinician.modalities)
    ]
    return [(tables.clinician_languages, languages), (tables.clinician_modalities, modalities)]


def _listed(child: Table, column: str) -> Any:
    """A clinician's child values as one comma-separated string (a correlated subquery)."""
    values = child.c[column]
    return (
        select(func.aggregate_strings(values, ","))
        .where(child.c.clinician_id == tables.clinicians.c.id)
        .scalar_subquery()
        .label(column)
    )


def _split(listed: str | None) -> list[str]:
    return listed.split(",") if listed else []


_MODALITIES = {m.value: m for m in Modality}
# The columns of CLINICIAN_QUERY a clinician is built from, in `_clinician`'s order.
_CLINICIAN_COLUMNS = ("id", "name", "discipline", "fte", "clinic_ids", "language", "modality")


def _clinician(
    key: str,
    name: str,
    discipline: str,
    fte: float,
    clinic_ids: tuple[str, ...],
    languages: str | None,
    modalities: str | None,
) -> Clinician:
    return Clinician(
        key,
        name,
        Discipline(discipline),
        fte,
        clinic_ids,
        frozenset(_split(languages)),
        frozenset([_MODALITIES.get(m) or Modality(m) for m in _split(modalities)]),
    )


def clinician_to_domain(row: Row) -> Clinician:
    return _clinician(*(row[name] for name in _CLINICIAN_COLUMNS))


def clinician_by_position(columns: Sequence[str]) -> Callable[[Any], Clinician]:
    """`clinician_to_domain` from a plain row (a tuple) whose columns are `columns`, picked
    by position: no mapping made per row (a `$find` reads twenty clinicians with its
    slots; docs/adr/0017-booking-api-speed.md, twelfth round)."""
    picked = itemgetter(*(columns.index(name) for name in _CLINICIAN_COLUMNS))

    def build(row: Any) -> Clinician:
        return _clinician(*picked(row))

    return build


CLINICIAN_QUERY = select(
    tables.clinicians,
    _listed(tables.clinician_languages, "language"),
    _listed(tables.clinician_modalities, "modality"),
)


# -- weekly templates: blocks as JSON -----------------------------------------------------


def block_to_json(block: TemplateBlock) -> dict[str, Any]:
    return {
        "weekday": block.weekday,
        "start": block.start.isoformat(),
        "end": block.end.isoformat(),
        "kind": block.kind.value,
        "clinic_id": block.clinic_id,
        "slot_minutes": block.slot_minutes,
    }


def block_from_json(data: Mapping[str, Any]) -> TemplateBlock:
    return TemplateBlock(
        weekday=data["weekday"],
        start=time.fromisoformat(data["start"]),
        end=time.fromisoformat(data["end"]),
        kind=BlockKind(data["kind"]),
        clinic_id=data["clinic_id"],
        slot_minutes=data["slot_minutes"],
    )


def template_to_row(template: WeeklyTemplate) -> dict[str, Any]:
    return {
        "clinician_id": template.clinician_id,
        "blocks": [block_to_json(b) for b in template.blocks],
    }


def template_to_domain(row: Row) -> WeeklyTemplate:
    return WeeklyTemplate(row["clinician_id"], tuple(block_from_json(b) for b in row["blocks"]))


# -- every repository of the unit of work -------------------------------------------------

CLINICS = plain("Clinic", Clinic, tables.clinics)
CLINICIANS = RecordMapping(
    "Clinician",
    tables.clinicians,
    "id",
    clinician_to_row,
    clinician_to_domain,
    CLINICIAN_QUERY,
    immutable=True,
    from_tuple=clinician_by_position(CLINICIAN_QUERY.selected_columns.keys()),
)
MEMBERS = plain("Patient", Member, tables.members)
HOLDS = plain("Hold", Hold, tables.holds)
TEMPLATES = RecordMapping(
    "Template",
    tables.templates,
    "clinician_id",
    template_to_row,
    template_to_domain,
    select(tables.templates),
    immutable=True,
)
AVAILABILITY_EXCEPTIONS = plain(
    "AvailabilityException", AvailabilityException, tables.availability_exceptions
)
REQUESTS = plain("ServiceRequest", CareRequest, tables.care_requests)
OFFERS = plain("Offer", Offer, tables.offers)
APPOINTMENTS = plain("Appointment", Appointment, tables.appointments)
REFERRALS = plain("Referral", Referral, tables.referrals)
CLINICAL_EXCEPTIONS = plain("ClinicalException", ClinicalException, tables.clinical_exceptions)
COURSES = plain("Course", Course, tables.courses)
FINDINGS = plain("Finding", Finding, tables.findings)
ACTIONS = plain("Action", Action, tables.actions)

slot_to_row = from_domain
slot_to_domain = to_domain_by_position(Slot, tables.slots.c.keys())
protected_time_to_domain = to_domain_by_position(ProtectedTime, tables.protected_times.c.keys())
ipc_week_to_domain = to_domain(IpcWeek)


# -- waitlist entries (preferences as JSON) and the messages outbox --------------


def preferences_to_json(wanted: Preferences) -> dict[str, Any]:
    return {
        "weekdays": list(wanted.weekdays),
        "earliest": wanted.earliest.isoformat() if wanted.earliest else None,
        "latest": wanted.latest.isoformat() if wanted.latest else None,
        "clinician_id": wanted.clinician_id,
        "modality": wanted.modality.value if wanted.modality else None,
        "clinic_id": wanted.clinic_id,
    }


def preferences_from_json(data: Mapping[str, Any]) -> Preferences:
    def clock(key: str) -> time | None:
        return time.fromisoformat(data[key]) if data.get(key) else None

    return Preferences(
        weekdays=tuple(data.get("weekdays") or ()),
        earliest=clock("earliest"),
        latest=clock("latest"),
        clinician_id=data.get("clinician_id"),
        modality=Modality(data["modality"]) if data.get("modality") else None,
        clinic_id=data.get("clinic_id"),
    )


def waitlist_to_row(entry: WaitlistEntry) -> dict[str, Any]:
    row = from_domain(entry)
    row["preferences"] = preferences_to_json(entry.preferences)
    row["passed_slot_ids"] = list(entry.passed_slot_ids)
    return row


_waitlist_fields = to_domain(WaitlistEntry)


def waitlist_to_domain(row: Row) -> WaitlistEntry:
    entry = _waitlist_fields(row)
    entry.preferences = preferences_from_json(row["preferences"])
    entry.passed_slot_ids = tuple(row["passed_slot_ids"])
    return entry


WAITLIST = RecordMapping(
    "WaitlistEntry",
    tables.waitlist_entries,
    "id",
    waitlist_to_row,
    waitlist_to_domain,
    select(tables.waitlist_entries),
)
MESSAGES = plain("Message", Message, tables.messages)
