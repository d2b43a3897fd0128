"""Dask clusters the project owns, and the client TPOT's search runs on."""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from typing import Any, Iterator

from distributed import Client, LocalCluster
from distributed.core import Status

log = logging.getLogger(__name__)


def default_workers() -> int:
    """min(cpus - 1, 8), at least 1: one core stays free for the scheduler and the flow."""
    return max(1, min((os.cpu_count() or 2) - 1, 8))


def start_local_cluster(n_workers: int, memory_limit_mb: int, env: dict[str, str] | None = None) -> LocalCluster:
    """Worker processes on loopback, one thread each, each under ``memory_limit_mb``."""
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        memory_limit=f"{memory_limit_mb}MiB",
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        env=env or {},
    )
    log.info("Started LocalCluster %s: %d workers, %d MiB each.", cluster.scheduler_address, n_workers, memory_limit_mb)
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

    On a Dask worker (the fit task submitted by the flow's task runner) it is the worker's
    own client, which secedes this thread so evaluations can use the same worker. Anywhere
    else a small in-process cluster (one thread) keeps the search in this process.
    """
    from distributed import get_worker, worker_client

    try:
        get_worker()
    except ValueError:
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
            with Client(cluster) as client:
                yield TpotClient(client)
        return
    with worker_client() as client:
        yield TpotClient(client)
