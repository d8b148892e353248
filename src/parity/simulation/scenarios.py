"""Workforce and contract scenarios: TOML files in `data/scenarios/` -> parameters.

A scenario names a contract preset (IPC hours, pension, wage path), a region and a start,
and overrides any table of `defaults.toml` (turnover, recruiting, pay, demand growth,
costs, an optional strike). `base = "<scenario>"` inherits from another scenario; every
value can also be overridden as `TABLE.KEY=VALUE` (TOML syntax for the value). Keys ending
in `_source` carry each figure's source; they are kept for the report, never read as
parameters.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from parity.adapters.figure_shapes import is_note, like
from parity.adapters.rules_files import (
    REGION_FIGURES,
    RegionSpec,
    load_contract,
    load_region,
    read_toml,
    resolve,
)
from parity.domain.contract import ContractTerms
from parity.domain.errors import RuleFileError
from parity.domain.workforce import Discipline
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.region_figures import check_meaning, with_overrides
from parity.simulation.workforce import Pay, PensionPlan, Recruiting, Turnover

DEFAULTS = "defaults"
TABLES = ("pension", "turnover", "recruiting", "pay", "demand", "costs", "strike")
# The region's tables a scenario may change with `region_overrides.TABLE.KEY`.
REGION_TABLES = REGION_FIGURES
OVERRIDES = "region_overrides"


@dataclass(frozen=True)
class Strike:
    starts: date
    weeks: int
    share_striking: float
    external_fill_share: float
    unit_disciplines: frozenset[Discipline]


@dataclass(frozen=True)
class Costs:
    oon_cost_per_session_usd: float
    external_cost_per_session_usd: float


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    contract: ContractTerms
    region: str
    jurisdiction: str
    start: date
    existing_share_with_pension: float
    plan: PensionPlan
    turnover: Turnover
    recruiting: Recruiting
    pay: Pay
    demand_growth_per_year: float
    costs: Costs
    strike: Strike | None
    table: dict[str, Any]
    booking: BookingPolicy = BookingPolicy.PARITY
    # `region_overrides.TABLE.KEY = value`: a region figure changed for this scenario only.
    region_overrides: dict[str, Any] = field(default_factory=dict)

    def parameters(self) -> list[tuple[str, str, str]]:
        """Every parameter as (key, value, source), for the report."""
        return _flatten(self.table)


def load_scenario(name_or_path: str, overrides: Sequence[str] = ()) -> Scenario:
    """Read a scenario (by name or path), its bases and `TABLE.KEY=VALUE` overrides."""
    table = _merged(name_or_path, ())
    for override in overrides:
        _apply(table, override)
    return _scenario(table, name_or_path)


def _merged(name_or_path: str, seen: tuple[str, ...]) -> dict[str, Any]:
    path = resolve("scenarios", name_or_path)
    if path.resolve() in {Path(s) for s in seen}:
        raise RuleFileError(f"{path}: scenario bases form a cycle", path=str(path))
    table = read_toml(path)
    base = table.pop("base", None if path.stem == DEFAULTS else DEFAULTS)
    if base is None:
        return table
    return _deep_merge(_merged(str(base), (*seen, str(path.resolve()))), table)


def _deep_merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _apply(table: dict[str, Any], override: str) -> None:
    """Set `TABLE.KEY=VALUE` (or a top-level `KEY=VALUE`); the value is read as TOML."""
    key, sep, text = override.partition("=")
    if not sep or not key.strip():
        raise RuleFileError(f"an override must look like TABLE.KEY=VALUE, got {override!r}")
    try:
        value = tomllib.loads(f"v = {text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = text.strip()  # a bare word: a string
    *tables, leaf = key.strip().split(".")
    target = table
    for name in tables:
        target = target.setdefault(name, {})
        if not isinstance(target, dict):
            raise RuleFileError(f"override {override!r}: {name} is not a table")
    if isinstance(target.get(leaf), dict) and not isinstance(value, dict):
        keys = ", ".join(f"{leaf}.{k}" for k in target[leaf] if not _annotation(k))
        raise RuleFileError(f"override {override!r}: {leaf} is a table; set one of {keys}")
    target[leaf] = value


def _scenario(table: dict[str, Any], origin: str) -> Scenario:
    reader = _Reader(table, origin)
    contract = load_contract(str(reader.need("", "contract")))
    start = reader.need("", "start")
    if not isinstance(start, date):
        raise RuleFileError(f"{origin}: start must be a TOML date, got {start!r}")
    region = str(reader.need("", "region"))
    scenario = Scenario(
        name=str(reader.need("", "name")),
        title=str(reader.optional("", "title", origin)),
        contract=contract,
        region=region,
        jurisdiction=str(reader.optional("", "jurisdiction", "california")),
        start=start,
        existing_share_with_pension=reader.share("pension", "existing_share_with_pension"),
        plan=_plan(reader, contract),
        turnover=_turnover(reader),
        recruiting=_recruiting(reader),
        pay=_pay(reader, contract),
        demand_growth_per_year=reader.number("demand", "growth_per_year"),
        costs=Costs(
            reader.number("costs", "oon_cost_per_session_usd"),
            reader.number("costs", "external_cost_per_session_usd"),
        ),
        strike=_strike(reader) if "strike" in table else None,
        table=table,
        booking=_booking(reader),
        region_overrides=_region_overrides(reader, load_region(region)),
    )
    reader.refuse_unread()
    return scenario


def _region_overrides(reader: _Reader, spec: RegionSpec) -> dict[str, Any]:
    """`region_overrides.TABLE.KEY = value`, each checked against the region's own figure:
    a key the region has, a value of the same shape (ADR 0014, "A planner's overrides")."""
    found: dict[str, Any] = {}
    tables = reader.optional("", OVERRIDES, {})
    if not isinstance(tables, dict):
        raise reader.error("", OVERRIDES, "must be a table of the region's tables")
    for name, keys in tables.items():
        if name not in REGION_TABLES or not isinstance(keys, dict):
            known = ", ".join(f"{OVERRIDES}.{t}" for t in REGION_TABLES)
            raise reader.error(OVERRIDES, name, f"is not a region table; the tables are {known}")
        region_table: dict[str, Any] = getattr(spec, name)
        for key, value in keys.items():
            where = f"{OVERRIDES}.{name}.{key}"
            if key not in region_table or is_note(key):
                figures = ", ".join(k for k in region_table if not is_note(k))
                raise reader.error(
                    "", where, f"names no figure of region {spec.name}'s {name} table ({figures})"
                )
            label = f"scenario {reader.origin}: {where}"
            found[f"{name}.{key}"] = like(label, key, region_table[key], value)
    check_meaning(with_overrides(spec, found), f"scenario {reader.origin}")
    return found


def _annotation(key: str) -> bool:
    """A figure's source or a note beside it: kept for the report, never a parameter."""
    return key.endswith("_source") or key == "note"


def _booking(reader: _Reader) -> BookingPolicy:
    value = reader.need("", "policy")
    try:
        return BookingPolicy(value)
    except ValueError:
        known = ", ".join(p.value for p in BookingPolicy)
        raise reader.error("", "policy", f"must be one of {known}, got {value!r}") from None


def _plan(reader: _Reader, contract: ContractTerms) -> PensionPlan:
    """The plan staff without a pension (and new hires) get: the contract's, unless named."""
    named = reader.optional("pension", "plan", None)
    if named is not None:
        return reader.choice(PensionPlan, "pension", "plan")
    if contract.pension:
        return PensionPlan.DEFINED_BENEFIT
    return PensionPlan.CASH_BALANCE if contract.cash_balance_pension else PensionPlan.NONE


def _turnover(reader: _Reader) -> Turnover:
    t = "turnover"
    return Turnover(
        base_leave_rate_per_year=reader.share(t, "base_leave_rate_per_year"),
        hazard_ratio={
            PensionPlan.DEFINED_BENEFIT: 1.0,
            PensionPlan.CASH_BALANCE: reader.number(t, "cash_balance_hazard_ratio"),
            PensionPlan.NONE: reader.number(t, "no_pension_hazard_ratio"),
        },
        wage_elasticity=reader.number(t, "wage_elasticity"),
        workload_coefficient_per_hour=reader.number(t, "workload_coefficient_per_hour"),
        reference_direct_hours=reader.number(t, "reference_direct_hours"),
        notice_weeks=int(reader.number(t, "notice_weeks")),
    )


def _recruiting(reader: _Reader) -> Recruiting:
    r = "recruiting"
    return Recruiting(
        lag_months=reader.number(r, "lag_months"),
        lag_wage_elasticity=reader.number(r, "lag_wage_elasticity"),
        authorised_growth_per_year=reader.number(r, "authorised_growth_per_year", low=-1.0),
    )


def _pay(reader: _Reader, contract: ContractTerms) -> Pay:
    p = "pay"
    increases = reader.optional(p, "increases", list(contract.wage_increases))
    if not isinstance(increases, list) or not all(
        isinstance(i, int | float) and not isinstance(i, bool) and i > -1 for i in increases
    ):
        raise reader.error(p, "increases", f"must be a list of yearly raises, got {increases!r}")
    shares = reader.need(p, "pension_cost_share")
    try:
        costs = {plan: float(shares[plan.value]) for plan in PensionPlan}
    except (KeyError, TypeError, ValueError):
        raise reader.error(
            p, "pension_cost_share", "needs pension, cash-balance and none"
        ) from None
    return Pay(
        salary_usd_per_fte_year=reader.number(p, "salary_usd_per_fte_year"),
        market_growth_per_year=reader.number(p, "market_growth_per_year", low=-1.0),
        start_ratio_to_market=reader.number(p, "start_ratio_to_market"),
        increases=tuple(float(i) for i in increases),
        benefits_share=reader.number(p, "benefits_share"),
        pension_cost_share=costs,
    )


def _strike(reader: _Reader) -> Strike:
    s = "strike"
    starts = reader.need(s, "starts")
    if not isinstance(starts, date):
        raise reader.error(s, "starts", "must be a TOML date")
    try:
        unit = frozenset(Discipline(d) for d in reader.need(s, "unit_disciplines"))
    except ValueError as error:
        raise reader.error(s, "unit_disciplines", str(error)) from None
    return Strike(
        starts=starts,
        weeks=int(reader.number(s, "weeks")),
        share_striking=reader.share(s, "share_striking"),
        external_fill_share=reader.number(s, "external_fill_share"),
        unit_disciplines=unit,
    )


class _Reader:
    """Typed reads from the merged table; a bad value names the scenario and the key."""

    def __init__(self, table: dict[str, Any], origin: str) -> None:
        self.table = table
        self.origin = origin
        self.read: set[tuple[str, str]] = set()

    def error(self, section: str, key: str, why: str) -> RuleFileError:
        where = f"{section}.{key}" if section else key
        return RuleFileError(f"scenario {self.origin}: {where} {why}", key=where)

    def _holder(self, section: str) -> dict[str, Any]:
        holder = self.table.get(section, {}) if section else self.table
        if not isinstance(holder, dict):
            raise self.error("", section, f"must be a table, got {holder!r}")
        return holder

    def need(self, section: str, key: str) -> Any:
        holder = self._holder(section)
        self.read.add((section, key))
        if key not in holder:
            raise self.error(section, key, "is missing")
        return holder[key]

    def optional(self, section: str, key: str, default: Any) -> Any:
        self.read.add((section, key))
        return self._holder(section).get(key, default)

    def number(self, section: str, key: str, low: float = 0.0) -> float:
        value = self.need(section, key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
            raise self.error(section, key, f"must be a number >= {low:g}, got {value!r}")
        return float(value)

    def share(self, section: str, key: str) -> float:
        value = self.number(section, key)
        if value > 1:
            raise self.error(section, key, f"must be a share in [0, 1], got {value!r}")
        return value

    def choice(self, kind: type[PensionPlan], section: str, key: str) -> PensionPlan:
        value = self.need(section, key)
        try:
            return kind(value)
        except ValueError:
            known = ", ".join(k.value for k in kind)
            raise self.error(section, key, f"must be one of {known}, got {value!r}") from None

    def refuse_unread(self) -> None:
        """Refuse a key no parameter was read from (a misspelt or misplaced figure would
        otherwise run the scenario as if it were not there)."""
        for section, key in _keys(self.table):
            if (section, key) in self.read or (not section and key in TABLES):
                continue
            if not section and isinstance(self.table[key], dict):
                why = f"is not a scenario table (the tables are {', '.join(TABLES)})"
            else:
                known = sorted(k for s, k in self.read if s == section)
                why = f"is read by nothing ({section or 'the scenario'}'s keys: {', '.join(known)})"
            if (section or key) in REGION_TABLES:
                why += f"; a region figure is changed with {OVERRIDES}.{section or key}.KEY"
            raise self.error(section, key, why)


def _keys(table: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(table, key) of every figure: top-level keys with table "", and the keys of the
    scenario's own tables; notes, sources and the region's overrides (checked apart) left
    out."""
    found: list[tuple[str, str]] = []
    for key, value in table.items():
        if _annotation(key) or key == OVERRIDES:
            continue
        if key in TABLES and isinstance(value, dict):
            found += [(key, inner) for inner in value if not _annotation(inner)]
        else:
            found.append(("", key))
    return found


def _flatten(table: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for key, value in table.items():
        if key.endswith("_source") or key == "note":
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict) and key in TABLES:
            rows += _flatten(value, f"{name}.")
        else:
            rows.append((name, str(value), str(table.get(f"{key}_source", ""))))
    return rows
