"""Fixtures for the unit tests: the packaged rules, and the hand-built region of unit_support."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from unit_support import Region, build_region

from parity.adapters.rules_files import load_contract, load_rules
from parity.domain.standards import RuleSet
from parity.services.policy import Policy


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules()


@pytest.fixture(scope="session")
def policy(rules: RuleSet) -> Policy:
    return Policy(rules, load_contract("socal-2025"))


@pytest.fixture(scope="session")
def make_region(policy: Policy) -> Callable[[], Region]:
    """A factory, so Hypothesis tests can build a fresh region for every example."""
    return lambda: build_region(policy)


@pytest.fixture
def region(make_region: Callable[[], Region]) -> Region:
    return make_region()
