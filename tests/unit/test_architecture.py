"""The pure core stays pure: the domain imports only the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import parity.domain

DOMAIN = Path(parity.domain.__file__).parent


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module)
    return roots


def test_the_domain_imports_only_the_standard_library() -> None:
    offenders = {
        f"{path.name}: {name}"
        for path in DOMAIN.glob("*.py")
        for name in _imported_roots(path)
        if name.split(".")[0] not in sys.stdlib_module_names
        and not name.startswith("parity.domain")
    }
    assert not offenders, f"non-stdlib imports in the domain: {sorted(offenders)}"


def test_the_domain_never_reads_the_wall_clock() -> None:
    calls = [
        f"{path.name}:{node.lineno}"
        for path in DOMAIN.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in {"now", "utcnow", "today"}
    ]
    assert not calls, f"the domain must take `now` as a parameter: {calls}"
