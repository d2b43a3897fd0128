"""Dask clusters the project owns, and the client TPOT's search runs on."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from distributed import Client, LocalCluster
from distributed.core import Status

from automl.errors import ClusterUnavailableError

log = logging.getLogger(__name__)


def default_workers() -> int:
    """One worker per core, at most 8.

    The scheduler and the waiting flow process use little CPU: on 2 cores, 2 workers
    evaluated 120 pipelines a minute against 63 for 1 (benchmarks/parallel.py).
    """
    return max(1, min(os.cpu_count() or 1, 8))


def start_local_cluster(
    n_workers: int, memory_limit_mb: int, env: dict[str, str] | None = None, preload: Sequence[str] = ()
) -> LocalCluster:
    """Worker processes on loopback, one thread each, each under ``memory_limit_mb``.

    Workers run at a lower CPU priority (:mod:`automl.worker_priority`) and import TPOT and
    ``preload`` while the cluster starts.
    """
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        memory_limit=f"{memory_limit_mb}MiB",
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        env=env or {},
        # Import TPOT and scikit-learn on every worker while the cluster starts, in parallel,
        # rather than one worker after the other once the search has begun; niced first.
        preload=["automl.worker_priority", "automl.evolver", *preload],
        preload_nanny=["automl.nanny"],
    )
    # Debug: the flow starts its cluster before its run begins, and Prefect's task runner says the same.
    log.debug("Started LocalCluster %s: %d workers, %d MiB each.", cluster.scheduler_address, n_workers, memory_limit_mb)
    return cluster


class TpotClient:
    """A client as TPOT 1.x expects it.

    TPOT sizes its queue with ``len(client.cluster.workers)``, which only clients made from
    a cluster object have; clients made from an address (or on a worker) get a stand-in.
    """

    def __init__(self, client: Client):
        self._client = client
        slots = sum(w.get("nthreads", 1) for w in client.scheduler_info().get("workers", {}).values())
        self.cluster = _Slots(max(1, slots))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class _Slots:
    def __init__(self, n: int):
        self.workers = list(range(n))
        self.status = Status.running


@contextmanager
def search_client() -> Iterator[TpotClient]:
    """The client for TPOT's evaluations.

    On a Dask worker (the fit task submitted by the flow's task runner) this thread
    secedes from the worker's pool, so evaluations can use the same worker, and never
    rejoins: rejoining would wait for a free slot, which an evaluation past its time limit
    (a thread in C code cannot be stopped) may hold for many minutes. Anywhere else a small
    in-process cluster (one thread) keeps the search in this process.
    """
    from distributed import get_client, get_worker, secede

    try:
        get_worker()
    except ValueError:
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
            with Client(cluster) as client:
                yield TpotClient(client)
        return
    secede()
    yield TpotClient(get_client())


def scheduler_address(address: str | None, scheduler_file: Path | None, wait_seconds: float) -> str:
    """The scheduler's address: given directly, or read from a scheduler file once it appears."""
    if address:
        return address
    if scheduler_file is None:
        raise ClusterUnavailableError(
            "Distributed mode needs a scheduler: set TPOT__DASK_ADDRESS (tcp://host:8786) or TPOT__DASK_SCHEDULER_FILE."
        )
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            found = json.loads(scheduler_file.read_text()).get("address")
            if found:
                return found
        except (OSError, ValueError):
            pass
        if time.monotonic() >= deadline:
            raise ClusterUnavailableError(f"No readable scheduler file at {scheduler_file} after waiting {wait_seconds:.0f} s.")
        time.sleep(0.2)


def check_scheduler(address: str, timeout: float) -> int:
    """Number of workers at ``address``; ClusterUnavailableError if unreachable or empty within ``timeout``.

    The check runs in a helper thread with a hard deadline: a port that accepts connections
    but never answers would otherwise hang the client's handshake well past its timeout.
    """
    outcome: dict[str, Any] = {}

    def probe() -> None:
        try:
            with Client(address, timeout=timeout, set_as_default=False) as client:
                client.wait_for_workers(1, timeout=timeout)
                outcome["workers"] = len(client.scheduler_info()["workers"])
        except Exception as exc:  # reported below, with the address
            outcome["error"] = exc

    thread = threading.Thread(target=probe, name="automl-scheduler-check", daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    if "workers" in outcome:
        return outcome["workers"]
    error = outcome.get("error")
    if error is None:
        cause = f"no answer within {timeout:.0f} s (port open but silent?)"
    elif isinstance(error, (TimeoutError, asyncio.TimeoutError)) and "worker" in str(error).lower():
        cause = f"no workers joined within {timeout:.0f} s"
    else:
        cause = f"{type(error).__name__}: {error}"
    raise ClusterUnavailableError(f"Dask scheduler {address} unavailable: {cause}.") from error
