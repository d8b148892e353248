"""A serving process sets the cyclic collector up once its app is built: what was built is
frozen out of the collector's sight, and young objects pile up to 20,000 before a
collection, the older generations keeping their ratios
(docs/adr/0017-booking-api-speed.md)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from parity.entrypoints.api.asgi import settle


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector as the test found it, afterwards."""
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    yield
    gc.set_threshold(*before)
    if gc.get_freeze_count() > frozen:
        gc.unfreeze()


@pytest.mark.usefixtures("collector")
def test_settling_raises_only_the_young_generations_threshold() -> None:
    gc.set_threshold(700, 10, 10)
    settle()
    assert gc.get_threshold() == (20_000, 10, 10)


@pytest.mark.usefixtures("collector")
def test_settling_keeps_older_generations_ratios_as_they_were() -> None:
    gc.set_threshold(700, 7, 30)
    settle()
    assert gc.get_threshold() == (20_000, 7, 30)


@pytest.mark.usefixtures("collector")
def test_what_was_built_before_serving_is_frozen() -> None:
    built = [{"a": [n]} for n in range(100)]
    settle()
    assert gc.get_freeze_count() >= len(built)
    assert all(seen is not built for seen in gc.get_objects())  # the collector's generations
