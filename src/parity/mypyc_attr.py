"""`mypy_extensions.mypyc_attr` when mypy is not installed (docs/adr/0018-compiled-hot-path.md).

mypyc reads the decorator from the source when it compiles a module; at run time it only
has to exist. A compiled build always has mypy (and so mypy_extensions) installed; a
pure-Python install from requirements.txt may not, and then this no-op stands in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def mypyc_attr(*_names: str, **_values: Any) -> Callable[[T], T]:
    """Leave the class (or function) as it is."""

    def unchanged(target: T) -> T:
        return target

    return unchanged
