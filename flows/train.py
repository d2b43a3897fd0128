"""The train flow: load-dataset → infer-task → build-search-space → tpot-fit →
serialize-artifacts → register-in-mlflow.

Each task wraps one library call and carries its policy: I/O tasks retry infrastructure
errors only (never bad input); the fit has a timeout of its budget plus a grace period.
"""

from __future__ import annotations

import logging
import time
from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

from prefect import Flow, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from automl import artifacts, cluster, data, registry, report, search_space, task_type
from automl import train as trainer
from automl.config import Settings
from automl.errors import is_retryable
from automl.schemas import TrainingRequest, TrainingResult, default_model_name
from automl.storage import join
from flows import ui
from flows.placement import cluster_started_early, fit_placement


# Prefect gives its extra loggers (PREFECT_LOGGING_EXTRA_LOGGERS=automl) its API handler but
# not its level: without this, automl's INFO lines (the data loaded, the search's end, the
# final choice) would stay out of the run's logs.
logging.getLogger("automl").setLevel(logging.getLogger("prefect.extra").level or logging.INFO)


def retry_infrastructure_only(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a failed task only when its error is marked retryable."""
    return is_retryable(state.result(raise_on_failure=False))


# Seconds kept from the budget for what follows the fit: closing the cluster, writing
# artifacts, logging and registering the model in MLflow.
REGISTRATION_RESERVE = 6.0

IO_POLICY: dict[str, Any] = dict(
    retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=retry_infrastructure_only, cache_policy=NO_CACHE
)


@task(name="load-dataset", **IO_POLICY)
def load_dataset(request: TrainingRequest, settings: Settings) -> data.Dataset:
    return data.load_dataset(request.dataset_uri, request.target_column, settings.storage_options(request.dataset_uri))


@task(name="infer-task", cache_policy=NO_CACHE)
def infer_task(dataset: data.Dataset, request: TrainingRequest) -> task_type.TaskSpec:
    return task_type.infer_task(dataset.target, request.task, request.metric, request.cv_folds, request.holdout_fraction)


@task(name="build-search-space", cache_policy=NO_CACHE)
def build_search_space(request: TrainingRequest, spec: task_type.TaskSpec, dataset: data.Dataset) -> search_space.SearchSpacePlan:
    shape = search_space.shape_of(dataset.features, dataset.target, len(spec.classes), request.holdout_fraction)
    return search_space.build_search_space(
        request.custom_search_space or request.search_space, spec.is_classification, shape, request.random_state, list(dataset.features.columns)
    )


@task(name="tpot-fit", retries=1, retry_condition_fn=retry_infrastructure_only, cache_policy=NO_CACHE)
def tpot_fit(dataset: data.Dataset, spec: task_type.TaskSpec, space: search_space.SearchSpacePlan, budget: trainer.Budget) -> trainer.FitResult:
    with cluster.search_client() as client:
        return trainer.fit(dataset, spec, space, budget, client, on_generation=ui.progress_reporter(spec.metric, budget))


@task(name="serialize-artifacts", **IO_POLICY)
def serialize_artifacts(fitted: trainer.FitResult, summary: dict, destination: str, settings: Settings) -> artifacts.ArtifactSet:
    return artifacts.write_artifacts(
        fitted.model, fitted.leaderboard, fitted.pareto_front, fitted.evaluated, summary,
        destination, settings.storage_options(destination),
    )


@task(name="register-in-mlflow", **IO_POLICY)
def register_in_mlflow(**kwargs: Any) -> registry.Registration:
    return registry.register(**kwargs)


def run_name() -> str:
    """``<model name> on <dataset file>`` for the Prefect UI."""
    request = flow_run.parameters.get("request") or {}
    if isinstance(request, dict):
        request = TrainingRequest.model_validate(request)
    model_name = request.model_name or default_model_name(request.dataset_uri)
    return f"{model_name} on {request.dataset_uri.rstrip('/').rsplit('/', 1)[-1]}"


_CALLED_AT: ContextVar[float | None] = ContextVar("train_called_at", default=None)


class BudgetedFlow(Flow):
    """A flow whose time budget starts when it is called, before Prefect's API is reached.

    Called from Python, starting Prefect's temporary API takes seconds that belong to the
    run, and the local Dask cluster starts meanwhile; a deployment's run starts its clock
    (and its cluster) when the flow does.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        token = _CALLED_AT.set(time.time())
        try:
            with _cluster_for(kwargs.get("request", args[0] if args else None)):
                return super().__call__(*args, **kwargs)
        finally:
            _CALLED_AT.reset(token)


def _cluster_for(request: Any) -> AbstractContextManager:
    """The run's local cluster, started early; nothing if ``request`` or the settings are invalid (the flow run says why)."""
    try:
        settings = Settings()
        mode = TrainingRequest.model_validate(request).resolve(settings).parallel_mode
    except ValueError:
        return nullcontext()
    return cluster_started_early(mode, settings)


def _train(request: TrainingRequest) -> TrainingResult:
    """Train the best pipeline TPOT finds for ``request`` and register it in MLflow."""
    clock = report.Stopwatch()
    settings = Settings()
    request = request.resolve(settings)
    deadline = (_CALLED_AT.get() or time.time()) + request.time_left
    dataset = load_dataset(request, settings)
    request = request.with_folds_for(len(dataset.target))
    spec = infer_task(dataset, request)
    space = build_search_space(request, spec, dataset)
    clock.lap("prepare")
    budget = trainer.Budget(
        request.generations, request.population_size, deadline - REGISTRATION_RESERVE, request.per_run_limit,
        request.cv_folds, request.holdout_fraction, request.random_state, request.early_stop,
        request.final_fits,
    )
    fit_timeout = request.time_left + 2 * request.per_run_limit + 120
    with fit_placement(request.parallel_mode, settings) as placement:
        fitted = placement.run(tpot_fit.with_options(timeout_seconds=fit_timeout), dataset=dataset, spec=spec, space=space, budget=budget)
    clock.lap("fit")
    run_key = f"{request.model_name}/{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{dataset.fingerprint[7:15]}"
    summary = report.summary(request, dataset, spec, fitted, placement.info)
    files = serialize_artifacts(fitted, summary, join(settings.artifacts_uri, run_key), settings)
    clock.lap("serialize")
    registration = register_in_mlflow(
        tracking_uri=settings.mlflow_tracking_uri,
        experiment=settings.mlflow_experiment,
        run_name=run_key.replace("/", "-"),
        model=fitted.model,
        model_name=request.model_name,
        features=dataset.features,
        params=request.model_dump(exclude={"dataset_uri"}),
        metrics=report.metrics(fitted, dataset, clock.laps),
        tags=report.tags(dataset, spec, placement.info, flow_run.get_id()),
        artifacts_dir=files.local_dir,
    )
    clock.lap("register")
    result = report.result(
        dataset=dataset, spec=spec, fitted=fitted, parallel=placement.info, registration=registration,
        files=files, tracking_uri=settings.mlflow_tracking_uri, timings=clock.total(),
    )
    ui.publish(result)
    placement.wait_closed()  # the cluster closed meanwhile
    return result


train = BudgetedFlow(_train, name="train", flow_run_name=run_name, persist_result=False)
