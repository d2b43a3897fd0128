"""Where the tpot-fit task runs: the one place that chooses a runner for a training run.

The policy, in order:
- ``off``: no Dask runner; the fit runs in the flow process.
- ``distributed``: find the scheduler (address, or scheduler file once it appears) and check
  it answers with at least one worker, within ``TPOT__CONNECT_TIMEOUT`` seconds. If it does
  not and ``ENABLE_AUTOML_FALLBACK`` is true, log one WARNING, count the fallback, and go on
  as ``local``; if false, fail with ClusterUnavailableError naming the address and the cause.
- ``local``: start a LocalCluster owned by this run. A flow called from Python starts it
  while Prefect starts the flow run (``cluster_started_early``): the temporary API takes
  seconds in which the second core would sit idle.
Clusters the run starts are closed when it ends, fails or is cancelled; after a fit that
succeeded, in the background while the run writes and registers its model.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Iterator

from distributed import LocalCluster
from prefect.context import get_run_context
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect_dask import DaskTaskRunner

from automl.cluster import check_scheduler, default_workers, scheduler_address, start_local_cluster
from automl.config import ParallelMode, Settings
from automl.errors import ClusterUnavailableError
from automl.metrics import PARALLEL_FALLBACKS
from automl.report import ParallelInfo

log = logging.getLogger(__name__)

# Modules local workers import while they start: the fit task's own (with Prefect).
WORKER_PRELOAD = ["flows.train"]

_EARLY_CLUSTER: ContextVar[Future[LocalCluster] | None] = ContextVar("early_cluster", default=None)


@dataclass
class Placement:
    """The runner chosen for the fit, and how it came to be chosen.

    ``closing`` is the close of a cluster the run started, begun when the fit ended and
    finished in the background while the run writes and registers its model.
    """

    info: ParallelInfo
    runner: DaskTaskRunner | None
    closing: Future[None] | None = None

    def wait_closed(self) -> None:
        """Wait for the cluster's close, if one is under way; a failed close is logged, not raised."""
        if self.closing is None:
            return
        try:
            self.closing.result()
        except Exception as exc:  # the model is registered; only the cleanup failed
            log.warning("Closing the run's Dask cluster failed: %s: %s", type(exc).__name__, exc)

    def run(self, task: Any, **parameters: Any) -> Any:
        """Run ``task`` on the chosen runner and return its result (raising its error)."""
        if self.runner is None:
            return task(**parameters)
        # Workers report the task run to this flow's API, even a temporary one: without it
        # each worker process would start a temporary API server of its own (tens of seconds).
        with temporary_settings({PREFECT_API_URL: flow_api_url()}):
            future = self.runner.submit(task, parameters=parameters)
        return future.result()


@contextmanager
def fit_placement(mode: ParallelMode, settings: Settings) -> Iterator[Placement]:
    """A ready runner for ``mode``; everything it started is stopped on exit."""
    if mode == "off":
        yield Placement(ParallelInfo(requested=mode, effective="off"), runner=None)
        return
    fallback_reason = None
    if mode == "distributed":
        try:
            address = find_cluster(settings)
        except ClusterUnavailableError as exc:
            if not settings.enable_fallback:
                raise
            fallback_reason = str(exc)
            log.warning("Falling back to a local Dask cluster: %s", fallback_reason)
            PARALLEL_FALLBACKS.inc()
        else:
            runner = DaskTaskRunner(address=address, client_kwargs={"timeout": f"{settings.tpot.connect_timeout}s"})
            with runner:
                yield Placement(ParallelInfo(requested=mode, effective="distributed"), runner)
            return
    early = _EARLY_CLUSTER.get()
    cluster = early.result() if early is not None else local_cluster(settings)
    try:
        with DaskTaskRunner(cluster=cluster) as runner:
            placement = Placement(ParallelInfo(requested=mode, effective="local", fallback_reason=fallback_reason), runner)
            yield placement
    except BaseException:
        cluster.close()
        raise
    # Workers still busy with evaluations the search cancelled take seconds to stop (up to 4 s,
    # then they are killed): the run goes on meanwhile, and waits for the close at its end.
    placement.closing = _close_in_background(cluster)


def _close_in_background(cluster: LocalCluster) -> Future[None]:
    pool = ThreadPoolExecutor(1, thread_name_prefix="automl-cluster-close")
    try:
        return pool.submit(cluster.close)
    finally:
        pool.shutdown(wait=False)


def local_cluster(settings: Settings) -> LocalCluster:
    """A LocalCluster for one run, sized by the settings."""
    workers = settings.tpot.n_jobs or default_workers()
    return start_local_cluster(workers, settings.tpot.memory_limit_mb, env=worker_env(), preload=WORKER_PRELOAD)


@contextmanager
def cluster_started_early(mode: ParallelMode, settings: Settings) -> Iterator[Future[LocalCluster] | None]:
    """In ``local`` mode, start the run's cluster now, in the background, for ``fit_placement`` to use.

    The cluster is closed on exit, if the run did not get as far as using (and closing) it.
    """
    if mode != "local":
        yield None
        return
    with ThreadPoolExecutor(1, thread_name_prefix="automl-cluster-start") as pool:
        future = pool.submit(local_cluster, settings)
        token = _EARLY_CLUSTER.set(future)
        try:
            yield future
        finally:
            _EARLY_CLUSTER.reset(token)
            if future.exception() is None:
                future.result().close()


def find_cluster(settings: Settings) -> str:
    """The address of a reachable scheduler with workers, or ClusterUnavailableError."""
    tpot = settings.tpot
    address = scheduler_address(tpot.dask_address, tpot.dask_scheduler_file, tpot.scheduler_file_wait)
    workers = check_scheduler(address, tpot.connect_timeout)
    log.info("Using Dask scheduler %s with %d workers.", address, workers)
    return address


def flow_api_url() -> str | None:
    """The Prefect API this flow run reports to (a temporary one included)."""
    try:
        return str(get_run_context().client.api_url).rstrip("/")
    except RuntimeError:
        return None


def worker_env() -> dict[str, str]:
    """Environment for local worker processes: automl's log lines in the run, quiet Dask logs."""
    return {"PREFECT_LOGGING_EXTRA_LOGGERS": "automl", "DASK_LOGGING__DISTRIBUTED": "warning"}
