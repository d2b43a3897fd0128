"""What the Prefect UI shows for a training run: progress, leaderboard, summary, links."""

from __future__ import annotations

from typing import Callable
from uuid import UUID

from prefect import get_run_logger
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from automl.schemas import TrainingResult
from automl.train import Budget, Progress


def progress_reporter(metric: str, budget: Budget) -> Callable[[Progress], None]:
    """A callback for the search: one log line and a progress-artifact update per generation."""
    logger = get_run_logger()
    artifact_id: UUID = create_progress_artifact(
        progress=0.0, key="search-progress", description="Share of the search budget used (time or generations)."
    )

    def report(p: Progress) -> None:
        best = "n/a" if p.best_score is None else f"{p.best_score:.4f}"
        logger.info(
            "Generation %d: %d pipelines evaluated (%d failed), best %s %s, %.0f s elapsed, %.0f s left.",
            p.generation, p.evaluated, p.failed, metric, best, p.elapsed, p.time_left,
        )
        done = max(p.elapsed / max(p.elapsed + p.time_left, 1e-9), (p.generation + 1) / budget.generations)
        update_progress_artifact(artifact_id, progress=round(min(100.0, 100 * done), 1))

    return report


def publish(result: TrainingResult) -> None:
    """Leaderboard table, markdown summary, and links to MLflow when it has a web UI."""
    create_table_artifact(
        key="leaderboard",
        table=[
            {"rank": r.rank, "pipeline": r.pipeline, "cv_score": round(r.cv_score, 5), "complexity": r.complexity}
            for r in result.leaderboard
        ],
        description=f"Top pipelines by cross-validated {result.metric}.",
    )
    create_markdown_artifact(key="training-summary", markdown=summary_markdown(result), description="Training summary")
    web = result.mlflow_tracking_uri.rstrip("/")
    if web.startswith(("http://", "https://")):
        create_link_artifact(
            key="mlflow-run",
            link=f"{web}/#/experiments/{result.mlflow_experiment_id}/runs/{result.mlflow_run_id}",
            link_text=f"MLflow run {result.mlflow_run_id}",
            description="The MLflow run: params, metrics, artifacts.",
        )
        create_link_artifact(
            key="mlflow-model-version",
            link=f"{web}/#/models/{result.model_name}/versions/{result.model_version}",
            link_text=f"{result.model_name} v{result.model_version}",
            description=f"The registered model version (alias @{result.model_alias}).",
        )


def summary_markdown(result: TrainingResult) -> str:
    timings = ", ".join(f"{k} {v:.0f} s" for k, v in result.timings.items())
    lines = [
        f"# {result.model_name} v{result.model_version} (@{result.model_alias})",
        "",
        "| | |",
        "|---|---|",
        f"| Task | {result.task} — {result.task_reason} |",
        f"| Metric | {result.metric} |",
        f"| CV score | {result.cv_score:.4f} |",
        f"| Holdout score | {result.holdout_score:.4f} |",
        f"| Final fits | {result.final_model_fits} averaged in the registered model (when > 1: each on all rows but one fold, one on all but the holdout) |",
        f"| Rows used | {result.n_rows} ({result.n_rows_dropped} dropped: missing target) |",
        f"| Pipelines evaluated | {result.n_evaluated} in {result.generations} generations, stopped by {result.stopped_by} |",
        f"| Parallel mode | {result.parallel_mode_effective} (asked: {result.parallel_mode_requested}) |",
        f"| Dataset | `{result.dataset_uri}` ({result.dataset_fingerprint[:19]}…) |",
        f"| MLflow run | `{result.mlflow_run_id}` on `{result.mlflow_tracking_uri}` |",
        f"| Model URI | `{result.model_uri}` |",
        f"| Durations | {timings} |",
        "",
        f"**Final model** ({result.final_choice}"
        + (f"; nothing compared: {result.final_choice_skipped})" if result.final_choice_skipped else ")"),
        "",
        f"```\n{result.best_pipeline}\n```",
    ]
    if result.fallback_reason:
        lines[2:2] = [f"> Ran locally: {result.fallback_reason}", ""]
    return "\n".join(lines)
