"""Where the tpot-fit task runs: the one place that chooses a runner for a training run.

``local`` starts a LocalCluster the run owns; ``off`` runs the fit in the flow process.
Either way the cluster is closed when the run ends, fails or is cancelled.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from prefect.context import get_run_context
from prefect_dask import DaskTaskRunner

from automl.cluster import default_workers, start_local_cluster
from automl.config import ParallelMode, Settings
from automl.report import ParallelInfo

log = logging.getLogger(__name__)


@dataclass
class Placement:
    """The runner chosen for the fit, and how it came to be chosen."""

    info: ParallelInfo
    runner: DaskTaskRunner | None

    def run(self, task: Any, **parameters: Any) -> Any:
        """Run ``task`` on the chosen runner and return its result (raising its error)."""
        if self.runner is None:
            return task(**parameters)
        return self.runner.submit(task, parameters=parameters).result()


@contextmanager
def fit_placement(mode: ParallelMode, settings: Settings) -> Iterator[Placement]:
    """A ready runner for ``mode``; everything it started is stopped on exit."""
    with ExitStack() as stack:
        if mode == "off":
            yield Placement(ParallelInfo(requested=mode, effective="off"), runner=None)
            return
        workers = settings.tpot.n_jobs or default_workers()
        cluster = stack.enter_context(start_local_cluster(workers, settings.tpot.memory_limit_mb, env=worker_env()))
        runner = stack.enter_context(DaskTaskRunner(cluster=cluster))
        yield Placement(ParallelInfo(requested=mode, effective="local"), runner=runner)


def worker_env() -> dict[str, str]:
    """Environment for worker processes: this run's Prefect API, quiet Dask logs.

    Without ``PREFECT_API_URL`` every worker process would start its own temporary API
    server (tens of seconds each); pointing them at the flow's server avoids that.
    """
    env = {
        "PREFECT_LOGGING_EXTRA_LOGGERS": "automl",
        "DASK_LOGGING__DISTRIBUTED": "warning",
    }
    try:
        env["PREFECT_API_URL"] = str(get_run_context().client.api_url).rstrip("/")
    except RuntimeError:  # not inside a flow run: workers find the API themselves
        pass
    return env
