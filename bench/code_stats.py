"""Figures a newcomer feels when reading the code: function length and module size.

Function length counts the lines from `def` to the function's last line (docstring
included, decorators not); nested functions count on their own as well. Module size
counts every line of the file. Migrations are left out: they are generated-style tables.
Run: .venv/bin/python bench/code_stats.py [src]
"""

from __future__ import annotations

import argparse
import ast
import statistics
from pathlib import Path

from rich.console import Console
from rich.table import Table

SKIP = ("migrations",)


def modules(root: Path) -> list[Path]:
    """Every Python file under `root` outside the skipped folders."""
    return [p for p in sorted(root.rglob("*.py")) if not any(part in SKIP for part in p.parts)]


def functions(path: Path) -> list[tuple[int, str]]:
    """The length in lines and the place (`path:line name`) of every function and method
    defined in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        ((node.end_lineno or node.lineno) - node.lineno + 1, f"{path}:{node.lineno} {node.name}")
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def percentile(values: list[int], share: float) -> float:
    """The `share` quantile (0..1) by the inclusive method, as `statistics` computes it."""
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[round(share * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", nargs="?", default="src", type=Path)
    parser.add_argument("--over", type=int, default=400, help="list modules longer than this")
    parser.add_argument("--longest", type=int, default=5, help="list this many longest functions")
    args = parser.parse_args()
    files = modules(args.root)
    found = sorted(f for path in files for f in functions(path))
    lengths = [n for n, _ in found]
    sizes = sorted((len(p.read_text(encoding="utf-8").splitlines()), p) for p in files)
    table = Table(title=f"{args.root}: {len(files)} modules, {len(lengths)} functions")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("function length, median (lines)", f"{statistics.median(lengths):g}")
    table.add_row("function length, p90 (lines)", f"{percentile(lengths, 0.9):g}")
    longest = [f"{n} {place}" for n, place in reversed(found[-args.longest :])]
    table.add_row("longest functions (lines)", "\n".join(longest))
    table.add_row("largest module (lines)", f"{sizes[-1][0]} {sizes[-1][1]}")
    over = [f"{n} {p}" for n, p in sizes if n > args.over]
    table.add_row(f"modules over {args.over} lines", "\n".join(over) or "none")
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
