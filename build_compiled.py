"""Compile the simulator's hot path with mypyc, in place (docs/adr/0018-compiled-hot-path.md).

Run by `make compile` with the venv's Python (mypyc ships with the pinned mypy). Each
module listed below gets a C extension (`src/parity/**/<module>.cpython-*.so`) beside its
source, and Python imports the extension before the source; `make clean-compiled` deletes
them and Parity runs as pure Python again. The modules form one compilation group, so
their calls to one another are C calls.

Run: .venv/bin/python build_compiled.py [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SRC = ROOT / "src"

# What a booking decision runs through (ADR 0014's profiles): the domain, the services,
# the in-memory store and the simulation engine. Left out: modules that only load data,
# drive other processes or plot (they run once a run, not once a decision).
PACKAGES = ("parity/domain", "parity/services", "parity/simulation")
ADAPTERS = ("parity/adapters/clock.py", "parity/adapters/memory*.py")
LEFT_OUT = frozenset(
    {
        "parity/simulation/montecarlo.py",
    }
)


def modules() -> list[str]:
    """The source files to compile, relative to the repository root, in a stable order."""
    found: list[Path] = []
    for package in PACKAGES:
        found.extend(p for p in (SRC / package).glob("*.py") if p.name != "__init__.py")
    for pattern in ADAPTERS:
        found.extend(SRC.glob(pattern))
    chosen = {p for p in found if p.relative_to(SRC).as_posix() not in LEFT_OUT}
    return sorted(p.relative_to(ROOT).as_posix() for p in chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    # Imported here so that `--help` works without mypy installed.
    from mypyc.build import mypycify
    from setuptools import Distribution

    os.chdir(ROOT)
    sys.path.insert(0, str(SRC))
    os.environ["MYPYPATH"] = str(SRC)
    extensions = mypycify(
        modules(),
        opt_level="3",
        debug_level="1",
        multi_file=True,
        target_dir="build/mypyc",
        group_name="parity_hot",
    )
    # A bare Distribution: setuptools' `setup()` would also read pyproject.toml's project
    # table, which is none of this build's business.
    distribution = Distribution(
        {"name": "parity-hot-path", "package_dir": {"": "src"}, "ext_modules": extensions}
    )
    build_ext = distribution.get_command_obj("build_ext")
    build_ext.inplace = True
    build_ext.parallel = args.jobs
    build_ext.build_temp = "build/mypyc/temp"
    distribution.run_command("build_ext")


if __name__ == "__main__":
    main()
