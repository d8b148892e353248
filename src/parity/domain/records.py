"""A quicker constructor for the frozen records the booking engine makes on every decision.

A frozen dataclass's generated `__init__` sets each field through `object.__setattr__`,
which costs several times a plain attribute store (about 0.25 µs a field on the reference
machine: an eleven-field `Decision` took ~2.9 µs, most of the record's cost). `quick_init`
gives a frozen slotted dataclass an `__init__` with the same parameters and defaults that
moves the new object, for the length of the call, to a plain class with the same slots (so
the same memory layout), stores the fields as plain attributes, and moves it back. The
record is the same object of the same class afterwards: frozen, hashable, equal, and
`dataclasses.replace`, `fields` and `asdict` work as before (docs/adr/0014, sixth pass).
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any, TypeVar

T = TypeVar("T")
_UNSET = object()  # a field left to its default factory


def quick_init(cls: type[T]) -> type[T]:
    """Replace a frozen slotted dataclass's `__init__` (see the module docstring). Only the
    plain shape is accepted: a direct subclass of `object`, positional fields (with or
    without a default or a default factory), no `__post_init__`; anything else is refused
    when the class is defined."""
    params = getattr(cls, "__dataclass_params__", None)
    slots = cls.__dict__.get("__slots__")
    if params is None or not params.frozen or slots is None or cls.__bases__ != (object,):
        raise TypeError(f"{cls.__name__}: quick_init takes a frozen slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: quick_init does not run __post_init__")
    building = type(f"_Building{cls.__name__}", (), {"__slots__": tuple(slots)})
    names: list[str] = []
    signature: list[str] = []
    scope: dict[str, Any] = {
        "_class": cls,
        "_building": building,
        "_generated": cls.__init__,
        "_set": object.__setattr__,
    }
    made = ""  # each field whose default a factory makes: a new value per record
    for field in fields(cls):  # type: ignore[arg-type]
        if not field.init or field.kw_only:
            raise TypeError(f"{cls.__name__}.{field.name}: quick_init takes plain fields only")
        names.append(field.name)
        if field.default_factory is not MISSING:
            # As `dataclasses` does: a marker default, replaced by a new value each call.
            scope[f"_factory_{field.name}"] = field.default_factory
            signature.append(f"{field.name}=_unset")
            made += (
                f"    if {field.name} is _unset:\n        {field.name} = _factory_{field.name}()\n"
            )
        elif field.default is MISSING:
            signature.append(field.name)
        else:
            scope[f"_default_{field.name}"] = field.default
            signature.append(f"{field.name}=_default_{field.name}")
    scope["_unset"] = _UNSET
    arguments = ", ".join(names)
    stores = "".join(f"    self.{name} = {name}\n" for name in names)
    source = (
        f"def __init__(self, {', '.join(signature)}):\n"
        f"{made}"
        "    if type(self) is not _class:  # a subclass: its own layout, the generated way\n"
        f"        _generated(self, {arguments})\n"
        "        return\n"
        "    _set(self, '__class__', _building)\n"
        f"{stores}"
        "    self.__class__ = _class\n"
    )
    exec(source, scope)  # the way `dataclasses` writes `__init__` itself
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
