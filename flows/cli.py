"""``automl``: train from the command line (runs the Prefect flow in this process)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import get_args

from automl.schemas import Metric, SearchSpacePreset, TrainingRequest

# Quiet, offline-friendly defaults for the libraries underneath; the environment wins.
_QUIET_DEFAULTS = {
    "PREFECT_LOGGING_EXTRA_LOGGERS": "automl",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DASK_LOGGING__DISTRIBUTED": "warning",
    "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "warning",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="automl",
        description="AutoML training on Prefect: TPOT's search on Dask, results in MLflow.",
        epilog="Environment: TPOT__GENERATIONS, TPOT__POPULATION_SIZE, TPOT__TIME_LEFT, TPOT__PER_RUN_LIMIT, "
        "TPOT__CV_FOLDS, TPOT__EARLY_STOP, TPOT__CONFIG_DICT, TPOT_PARALLEL_MODE, TPOT__N_JOBS, TPOT__MEMORY_LIMIT_MB, "
        "MLFLOW_TRACKING_URI, MLFLOW_EXPERIMENT_NAME, AUTOML_ARTIFACTS_URI, AWS_ENDPOINT_URL_S3 (see README).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser(
        "train",
        help="train and register a model",
        description="Search for the best scikit-learn pipeline for a table and register it in MLflow. "
        "Options left out take their value from the environment (TPOT__*), then the built-in default.",
    )
    train.add_argument("--data", required=True, help="CSV or Parquet file: local path or URI (s3://bucket/key.parquet)")
    train.add_argument("--target", required=True, help="name of the column to predict")
    train.add_argument("--task", choices=["auto", "classification", "regression"], default="auto",
                       help="auto (default) infers it from the target column")
    train.add_argument("--metric", choices=get_args(Metric), default=None,
                       help="scorer to optimise (default: roc_auc binary, balanced_accuracy multiclass, r2 regression)")
    train.add_argument("--time-left", type=int, default=None, metavar="SECONDS",
                       help="wall-clock budget of the whole run: load, search, final fit, registration; start-up and registration "
                       "take 10-15 s, and a budget leaving the search under 6 s ends late, with a warning (default: TPOT__TIME_LEFT or 600)")
    train.add_argument("--generations", type=int, default=None, help="generations (default: TPOT__GENERATIONS or 40)")
    train.add_argument("--population-size", type=int, default=None,
                       help="pipelines per generation (default: TPOT__POPULATION_SIZE, else 8 per Dask worker, 16 to 64)")
    train.add_argument("--per-run-limit", type=int, default=None, metavar="SECONDS",
                       help="time limit of one pipeline evaluation (default: TPOT__PER_RUN_LIMIT or 60)")
    train.add_argument("--cv-folds", type=int, default=None, help="cross-validation folds (default: TPOT__CV_FOLDS, else 5; 3 from 20,000 rows on)")
    train.add_argument("--early-stop", type=int, default=None, metavar="GENERATIONS",
                       help="stop the search once the best score has not risen by 0.001 for more than this many "
                       "generations in a row (default: TPOT__EARLY_STOP, else never: the time budget decides)")
    train.add_argument("--final-fits", type=int, default=None, metavar="N",
                       help="the registered model averages N fits on all rows, each without another 1/N of them "
                       "(bagging; forests are fitted once), and the training-rows model; 1: one fit (default: TPOT__FINAL_FITS or 5)")
    train.add_argument("--search-space", choices=get_args(SearchSpacePreset), default=None,
                       help="search-space preset (default: TPOT__CONFIG_DICT or 'default'); 'fast' for quick runs")
    train.add_argument("--parallel-mode", choices=["local", "distributed", "off"], default=None,
                       help="where the search runs (default: TPOT_PARALLEL_MODE or local)")
    train.add_argument("--model-name", default=None, help="MLflow registered model name (default: automl-<dataset name>)")
    train.add_argument("--random-state", type=int, default=0, help="seed for the split and the search (default: 0)")
    train.add_argument("--holdout-fraction", type=float, default=0.2, help="share of rows held out to report an unbiased score (default: 0.2)")
    train.add_argument("--json", action="store_true", help="print the full result as JSON instead of a summary")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    for key, value in _QUIET_DEFAULTS.items():
        os.environ.setdefault(key, value)
    from pydantic import ValidationError

    from automl.errors import AutoMLError

    try:
        request = TrainingRequest(
            dataset_uri=args.data, target_column=args.target, task=args.task, metric=args.metric or "auto",
            generations=args.generations, population_size=args.population_size, time_left=args.time_left,
            per_run_limit=args.per_run_limit, parallel_mode=args.parallel_mode or "auto", cv_folds=args.cv_folds,
            early_stop=args.early_stop, final_fits=args.final_fits, search_space=args.search_space or "auto",
            model_name=args.model_name, random_state=args.random_state, holdout_fraction=args.holdout_fraction,
        )
    except ValidationError as exc:
        print(f"automl: invalid options:\n{exc}", file=sys.stderr)
        return 2
    from flows.train import train

    started = time.monotonic()
    try:
        result = train(request)
    except AutoMLError as exc:
        print(f"automl: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(result.model_dump_json(indent=2) if args.json else describe(result, time.monotonic() - started))
    return 0


_CHOSEN_AS = {
    "best": "the search's best pipeline",
    "default": "the default configuration",
    "ensemble": "a weighted ensemble of the best pipelines",
}
_DEFAULT_KEPT = "the search found nothing better beyond fold-to-fold noise"


def describe(result, call_seconds: float | None = None) -> str:
    """A short human summary of a TrainingResult, ending with where to look.

    ``call_seconds`` is the whole ``train`` call, which the time budget counts: the flow run and,
    before it, Prefect's start-up (its temporary API, without a server).
    """
    flow_seconds = result.timings.get("total", 0)
    lines = [
        "",
        f"Task:            {result.task} ({result.task_reason})",
        f"Metric:          {result.metric}",
        f"Final model:     {result.best_pipeline}",
        f"Chosen as:       {_CHOSEN_AS[result.final_choice]}"
        + (f" (nothing compared: {result.final_choice_skipped})" if result.final_choice_skipped
           else f" ({_DEFAULT_KEPT})" if result.final_choice == "default" else ""),
        f"Final fits:      {result.final_model_fits} averaged in the registered model (when > 1: each on all rows but one fold, one on all but the holdout)",
        f"CV score:        {result.cv_score:.4f}",
        f"Holdout score:   {result.holdout_score:.4f}  ({result.n_rows} rows in all, {result.n_evaluated} pipelines evaluated)",
        f"Search:          {result.generations} generations, stopped by {result.stopped_by}",
        f"MLflow run:      {result.mlflow_run_id} (experiment {result.mlflow_experiment_id})",
        f"Registered:      {result.model_name} version {result.model_version}, alias @{result.model_alias}",
        f"Model URI:       {result.model_uri}",
        f"Artifacts:       {_folder(result.artifacts)}",
        f"Wall time:       {call_seconds:.0f} s (the flow run {flow_seconds:.0f} s, after Prefect's start-up)"
        if call_seconds is not None else f"Flow run:        {flow_seconds:.0f} s",
        "",
        "Open the MLflow UI on this store:",
        f"  mlflow ui --backend-store-uri {result.mlflow_tracking_uri}",
    ]
    return "\n".join(lines)


def _folder(uris: dict[str, str]) -> str:
    any_uri = next(iter(uris.values()), "")
    return any_uri.rsplit("/", 1)[0]


if __name__ == "__main__":
    sys.exit(main())
