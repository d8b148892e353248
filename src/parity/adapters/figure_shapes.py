"""A region figure read in the shape of a known one (ADR 0014, "A planner's overrides").

A region's tables (`demand`, `workforce`, `status_quo`, `parity`) are read by the simulator
where it needs them; a figure of the wrong shape there is a traceback minutes into a run,
or worse, a run that goes on with a share of 7. So a figure is checked when it is read from
a file or an override, against a figure known to be right (the packaged region's, or the
scenario's region's own): a flag for a flag, a whole number for a whole number, a number
for a number (not negative where the known one is not), a fraction for a fraction (a figure
the known region gives in (0, 1) whose name is not per some unit), a list of figures of
that shape, a table of the same keys; shares listed together (`*_shares`) sum to 1.
"""

from __future__ import annotations

from typing import Any

from parity.domain.errors import RuleFileError

# Keys that record where figures come from, not figures a run reads.
NOTES = ("sources", "fit", "note")


def is_note(key: str) -> bool:
    return key in NOTES or key.endswith("_source")


def is_fraction(key: str, known: object) -> bool:
    """Whether a figure is a fraction: the known region gives it as a float in (0, 1) and
    its name is not per some unit (`outside_episodes_per_week_per_fte` may exceed 1)."""
    return isinstance(known, float) and 0 < known < 1 and "_per_" not in key


def like(where: str, key: str, known: Any, value: Any, *, same_length: bool = True) -> Any:
    """`value`, in the shape of `known`, as the run should read it (a whole number as an
    int); `where` names it in the error. `same_length=False` lets a list hold any number of
    items (a region file's own cadences), each shaped like the known list's first."""
    if isinstance(known, bool) or isinstance(value, bool):
        if isinstance(known, bool) and isinstance(value, bool):
            return value
        wanted = "true or false" if isinstance(known, bool) else "a number"
        raise _error(where, f"must be {wanted}, got {value!r}")
    if isinstance(known, int | float):
        return _number(where, key, known, value)
    if isinstance(known, list):
        if not isinstance(value, list) or not value or (same_length and len(value) != len(known)):
            size = f"{len(known)} " if same_length else ""
            raise _error(where, f"must be a list of {size}figures like {known!r}, got {value!r}")
        shapes = known if same_length else [known[0]] * len(value)
        items = [like(where, key, k, v) for k, v in zip(shapes, value, strict=True)]
        return _shares(where, key, items)
    if isinstance(known, dict):
        if not isinstance(value, dict) or set(value) != set(known):
            raise _error(where, f"must be a table with keys {', '.join(known)}, got {value!r}")
        table = {k: like(where, key, known[k], v) for k, v in value.items()}
        _shares(where, key, list(table.values()))
        return table
    if not isinstance(value, type(known)):
        raise _error(where, f"must be like {known!r}, got {value!r}")
    return value


def _number(where: str, key: str, known: float, value: Any) -> float:
    if not isinstance(value, int | float) or value != value:  # NaN is not a figure
        raise _error(where, f"must be a number, got {value!r}")
    if known >= 0 and value < 0:
        raise _error(where, f"must not be negative, got {value!r}")
    if is_fraction(key, known) and value > 1:
        raise _error(where, f"is a fraction: it must be in [0, 1], got {value!r}")
    if isinstance(known, int):
        if not float(value).is_integer():
            raise _error(where, f"must be a whole number, got {value!r}")
        return int(value)
    return float(value)


def _shares(where: str, key: str, items: list[Any]) -> list[Any]:
    if key.endswith("_shares") and abs(sum(items) - 1) > 1e-6:
        raise _error(where, f"are shares: they must sum to 1, got {sum(items):g}")
    return items


def _error(where: str, why: str) -> RuleFileError:
    return RuleFileError(f"{where} {why}", key=where)
