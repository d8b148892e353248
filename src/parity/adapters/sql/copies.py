"""Shallow copies of the records a repository keeps for its transaction, made quickly.

A repository hands its callers a copy of each mutable record it keeps (a change they do
not save is not kept), and keeps a copy of what it wrote: some sixteen copies in a `$book`.
`copy.copy` of a slotted dataclass goes through `__reduce_ex__`, a dict of the slots'
values and a `setattr` per slot: ~8 µs for a care request's 25 fields, ~0.7 µs written out
as one function per class (docs/adr/0017-booking-api-speed.md, fifteenth round). The copy
is the same: a new object of the same class whose slots hold the same values (a shallow
copy). Anything but a plain slotted class (a `__dict__`, a copy hook of its own, a
subclass, a slot left unset) is copied by `copy.copy` itself.
"""

from __future__ import annotations

import copy
import copyreg
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
Copier = Callable[[Any], Any]
_COPIERS: dict[type, Copier] = {}


def shallow_copy(item: T) -> T:
    """What `copy.copy(item)` gives, by the class's written-out copier when it has one."""
    kind = type(item)
    copier = _COPIERS.get(kind)
    if copier is None:
        copier = _COPIERS[kind] = _copier_for(kind)
    made: T = copier(item)
    return made


def _copier_for(kind: type) -> Copier:
    slots = _plain_slots(kind)
    if slots is None:
        return copy.copy
    stores = "".join(f"        new.{name} = item.{name}\n" for name in slots)
    source = (
        "def copier(item):\n"
        "    new = _new(_class)\n"
        "    try:\n"
        f"{stores}"
        "    except AttributeError:  # a slot left unset: copy.copy skips it\n"
        "        return _copy(item)\n"
        "    return new\n"
    )
    scope: dict[str, Any] = {"_new": object.__new__, "_class": kind, "_copy": copy.copy}
    exec(source, scope)  # one straight-line function per class, as `dataclasses` writes its own
    copier: Copier = scope["copier"]
    return copier


def _plain_slots(kind: type) -> tuple[str, ...] | None:
    """The slots of a class `copy.copy` copies slot by slot (a direct subclass of `object`
    with `__slots__` and no copy hook), or None for any other class."""
    slots = kind.__dict__.get("__slots__")
    if slots is None or kind.__bases__ != (object,) or kind in copyreg.dispatch_table:
        return None
    names = (slots,) if isinstance(slots, str) else tuple(slots)
    if "__dict__" in names or any(name.startswith("__") for name in names if name != "__weakref__"):
        return None
    hooks = ("__copy__", "__setstate__", "__reduce__", "__reduce_ex__", "__getstate__")
    if any(getattr(kind, hook, None) is not getattr(object, hook, None) for hook in hooks):
        return None
    return tuple(name for name in names if name != "__weakref__")
