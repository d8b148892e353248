"""Monte Carlo over scenarios: replications in batches, fanned out over a Dask cluster.

Replication `i` of every scenario gets the same seed, derived from (base seed, i) by a
hash (common random numbers: scenarios are compared on the same synthetic regions and
the same streams of chance, so their differences are not drowned by noise). A seed never
depends on which worker runs it or in which batch, so the results are identical whatever
the number of workers; they are returned in job order, not in order of completion.
"""

from __future__ import annotations

import gc
import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from parity.domain.errors import InvalidInput
from parity.simulation.scenario_run import (
    ReplicationResult,
    RunSettings,
    check_spans,
    run_replication,
)
from parity.simulation.scenarios import Scenario

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Job:
    """One replication to run: which scenario, which replication, and its seed."""

    position: int
    scenario: Scenario
    replication: int
    seed: int


def replication_seed(base_seed: int, replication: int) -> int:
    """A 63-bit seed for replication `replication`, the same in every process."""
    digest = hashlib.blake2b(f"parity:{base_seed}:{replication}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def plan_jobs(scenarios: Sequence[Scenario], runs: int, base_seed: int) -> list[Job]:
    """Every (scenario, replication), scenario by scenario; replication i shares its seed."""
    jobs: list[Job] = []
    for scenario in scenarios:
        for replication in range(runs):
            seed = replication_seed(base_seed, replication)
            jobs.append(Job(len(jobs), scenario, replication, seed))
    return jobs


def batches(jobs: Sequence[Job], size: int) -> list[list[Job]]:
    if size < 1:
        raise ValueError("a batch holds at least one replication")
    return [list(jobs[i : i + size]) for i in range(0, len(jobs), size)]


def run_batch(batch: list[Job], settings: RunSettings) -> list[tuple[int, ReplicationResult]]:
    """Run a batch of replications one after another (one Dask task)."""
    done: list[tuple[int, ReplicationResult]] = []
    for job in batch:
        result = run_replication(job.scenario, settings, job.replication, job.seed)
        done.append((job.position, result))
        # The engine freezes its heap for speed (runtime.settle_heap); let the next
        # replication start from a clean one.
        gc.unfreeze()
        gc.collect()
    return done


def run_jobs(
    jobs: Sequence[Job],
    settings: RunSettings,
    *,
    batch_size: int = 1,
    client: object | None = None,
    progress: Progress | None = None,
) -> list[ReplicationResult]:
    """Run every job, in this process (`client=None`) or as one Dask task per batch."""
    check_spans({id(job.scenario): job.scenario for job in jobs}.values(), settings)
    found: dict[int, ReplicationResult] = {}
    tick = progress or (lambda _: None)
    if client is None:
        for batch in batches(jobs, batch_size):
            for position, result in run_batch(batch, settings):
                found[position] = result
                tick(1)
    else:
        for done in _fan_out(client, batches(jobs, batch_size), settings):
            for position, result in done:
                found[position] = result
                tick(1)
    return [found[job.position] for job in jobs]


def _fan_out(
    client: object, work: list[list[Job]], settings: RunSettings
) -> Iterator[list[tuple[int, ReplicationResult]]]:
    from distributed import Client, as_completed

    assert isinstance(client, Client)
    futures = client.map(run_batch, work, settings=settings, pure=False)
    for future in as_completed(futures):  # type: ignore[no-untyped-call]
        yield future.result()


# Seconds to wait for a named scheduler before saying it cannot be reached.
SCHEDULER_TIMEOUT = 10


@contextmanager
def dask_client(workers: int, scheduler: str | None = None) -> Iterator[object]:
    """A client on an existing scheduler (`tcp://HOST:8786`) or on a local cluster of
    single-threaded worker processes with no dashboard (its default port may be taken)."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)  # type: ignore[no-untyped-call]
        except (OSError, ValueError, TypeError) as error:
            raise InvalidInput(
                f"could not reach the Dask scheduler at {scheduler!r} ({error}); start it "
                "(`dask scheduler`) or leave out --scheduler to run on local workers"
            ) from None
        with client:
            yield client
        return
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client
