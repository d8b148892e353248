"""Hooks for the whole suite.

`make test` runs the suite in two processes (pytest-xdist, docs/adr/0019-two-test-processes.md).
The FHIR conformance gate (tests/e2e/conformance_gate.py) counts what it checked in the
process that ran each test; every process hands its counts back when it finishes, and the
summary line adds them up, so the figure is the same whether one process ran the suite or
several.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

import pytest

CHECKED, EVALUATED = "fhir_checked", "fhir_evaluated"
_FROM_WORKERS: dict[str, Counter[str]] = {CHECKED: Counter(), EVALUATED: Counter()}


def _own_counts() -> dict[str, Counter[str]]:
    """This process's gate counts (none when no test here imported the gate)."""
    gate = sys.modules.get("conformance_gate")
    if gate is None:
        return {CHECKED: Counter(), EVALUATED: Counter()}
    return {CHECKED: gate.CHECKED, EVALUATED: gate.EVALUATED}


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a worker process: hand the counts to the controlling process."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        for key, counts in _own_counts().items():
            output[key] = dict(counts)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """In the controlling process: add up what a finished worker counted."""
    output = getattr(node, "workeroutput", {})
    for key, counts in _FROM_WORKERS.items():
        counts.update(output.get(key, {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The conformance gate's counts: resources checked against the R4 schema, by type."""
    own = _own_counts()
    checked = own[CHECKED] + _FROM_WORKERS[CHECKED]
    evaluated = own[EVALUATED] + _FROM_WORKERS[EVALUATED]
    if checked:
        counts = ", ".join(f"{kind} {n:,}" for kind, n in sorted(checked.items()))
        terminalreporter.write_line(
            f"FHIR R4 schema gate: {sum(checked.values()):,} resources valid ({counts})"
        )
        rules = ", ".join(f"{key} {n:,}" for key, n in sorted(evaluated.items()))
        terminalreporter.write_line(f"FHIRPath invariants held: {rules}")
