"""What a finished run reports: summary, MLflow metrics and tags, the typed result."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from automl.artifacts import ArtifactSet
from automl.config import ParallelMode
from automl.data import Dataset
from automl.registry import Registration
from automl.schemas import ScoredPipeline, TrainingRequest, TrainingResult
from automl.storage import redact_uri
from automl.task_type import TaskSpec
from automl.train import FitResult


@dataclass
class Stopwatch:
    """Seconds per stage: ``lap(name)`` records the time since the previous lap."""

    laps: dict[str, float] = field(default_factory=dict)
    _start: float = field(default_factory=time.monotonic)
    _last: float = field(default_factory=time.monotonic)

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps[name] = round(now - self._last, 3)
        self._last = now

    def total(self) -> dict[str, float]:
        return {**self.laps, "total": round(time.monotonic() - self._start, 3)}


@dataclass(frozen=True)
class ParallelInfo:
    """How the search was parallelised, and why if not as asked."""

    requested: ParallelMode
    effective: ParallelMode
    fallback_reason: str | None = None


def summary(request: TrainingRequest, dataset: Dataset, spec: TaskSpec, fitted: FitResult, parallel: ParallelInfo) -> dict:
    """``summary.json``: the request, the task and why, scores, and the best pipeline."""
    return {
        "request": request.model_dump(mode="json") | {"dataset_uri": dataset.uri},
        "dataset": {"uri": dataset.uri, "fingerprint": dataset.fingerprint, "rows": len(dataset.target),
                    "rows_dropped_missing_target": dataset.n_rows_dropped, "features": dataset.features.shape[1]},
        "task": {"kind": spec.kind, "reason": spec.reason, "metric": spec.metric, "classes": list(spec.classes)},
        "scores": {"cv": fitted.cv_score, "holdout": fitted.holdout_score, "n_train": fitted.n_train, "n_holdout": fitted.n_holdout,
                   "final_model_rows": fitted.final_rows, "final_model_fits": fitted.final_fits},
        "best_pipeline": fitted.best_pipeline,
        "final_choice": fitted.selection,
        "n_evaluated": fitted.n_evaluated,
        "search": fitted.search,
        "parallel": {"requested": parallel.requested, "effective": parallel.effective, "fallback_reason": parallel.fallback_reason},
    }


def metrics(fitted: FitResult, dataset: Dataset, timings: dict[str, float]) -> dict[str, float]:
    """Numbers for the MLflow run."""
    return {
        "cv_score": fitted.cv_score,
        "holdout_score": fitted.holdout_score,
        "n_evaluated": float(fitted.n_evaluated),
        "generations": float(fitted.search["generations"]),
        "search_seconds_past_stop": float(fitted.search["seconds_past_stop"]),
        "ensemble_members": float((fitted.selection or {}).get("members", 1)),
        "final_model_fits": float(fitted.final_fits),
        "n_rows": float(len(dataset.target)),
        "n_rows_dropped": float(dataset.n_rows_dropped),
        **{f"seconds_{name}": value for name, value in {**fitted.timings, **timings}.items()},
    }


def tags(dataset: Dataset, spec: TaskSpec, parallel: ParallelInfo, flow_run_id: str | None) -> dict[str, str]:
    """Lineage and placement tags for the MLflow run."""
    found = {
        "dataset_uri": redact_uri(dataset.uri),
        "dataset_fingerprint": dataset.fingerprint,
        "task": spec.kind,
        "metric": spec.metric,
        "parallel_mode_requested": parallel.requested,
        "parallel_mode_effective": parallel.effective,
        "fallback_reason": parallel.fallback_reason or "",
        "prefect_flow_run_id": flow_run_id or "",
    }
    return {k: v for k, v in found.items() if v}


def result(
    *,
    dataset: Dataset,
    spec: TaskSpec,
    fitted: FitResult,
    parallel: ParallelInfo,
    registration: Registration,
    files: ArtifactSet,
    tracking_uri: str,
    timings: dict[str, float],
) -> TrainingResult:
    """The typed result the flow returns."""
    return TrainingResult(
        task=spec.kind,
        task_reason=spec.reason,
        metric=spec.metric,
        best_pipeline=fitted.best_pipeline,
        final_choice=(fitted.selection or {}).get("chosen", "best"),
        final_choice_skipped=(fitted.selection or {}).get("skipped"),
        cv_score=fitted.cv_score,
        holdout_score=fitted.holdout_score,
        final_model_fits=fitted.final_fits,
        n_rows=len(dataset.target),
        n_rows_dropped=dataset.n_rows_dropped,
        n_evaluated=fitted.n_evaluated,
        generations=fitted.search["generations"],
        stopped_by=fitted.search["stopped_by"],
        leaderboard=[ScoredPipeline(**row) for row in fitted.leaderboard.to_dict(orient="records")],
        dataset_uri=dataset.uri,
        dataset_fingerprint=dataset.fingerprint,
        parallel_mode_requested=parallel.requested,
        parallel_mode_effective=parallel.effective,
        fallback_reason=parallel.fallback_reason,
        mlflow_tracking_uri=redact_uri(tracking_uri),
        mlflow_experiment_id=registration.experiment_id,
        mlflow_run_id=registration.run_id,
        model_name=registration.model_name,
        model_version=registration.model_version,
        model_alias=registration.alias,
        model_uri=registration.model_uri,
        artifacts=files.uris,
        timings={**fitted.timings, **timings},
    )
