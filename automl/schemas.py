"""Objects that cross the flow boundary: the training request and its results.

They are pydantic models so that the Prefect UI form, the CLI and Python callers get the
same validation, and results stay plain JSON.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from automl.config import ParallelMode, Settings

TaskChoice = Literal["auto", "classification", "regression"]
TaskKind = Literal["binary", "multiclass", "regression"]
Metric = Literal[
    "roc_auc",
    "roc_auc_ovr",
    "balanced_accuracy",
    "accuracy",
    "f1",
    "f1_macro",
    "neg_log_loss",
    "r2",
    "neg_root_mean_squared_error",
    "neg_mean_absolute_error",
]
MetricChoice = Literal["auto", Metric]
FinalChoice = Literal["best", "default", "ensemble"]
SearchStop = Literal["time", "generations", "early stop", "nothing scored"]
SearchSpacePreset = Literal["fast", "default", "linear-light", "linear", "graph-light", "graph"]

_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class CustomSearchSpace(BaseModel):
    """A search space assembled from TPOT's building blocks.

    ``estimators`` are TPOT component names (``RandomForestClassifier``, ``LogisticRegression``
    …); ``transformers`` and ``selectors`` likewise (``StandardScaler``, ``SelectFwe`` …).
    ``layout`` chooses how they combine: ``choice`` (one estimator), ``sequential``
    (selector → transformer → estimator), ``graph`` (TPOT's graph pipelines).
    ``feature_sets`` starts every pipeline with a choice among named groups of input columns.
    """

    model_config = ConfigDict(extra="forbid")

    estimators: list[str] = Field(min_length=1, description="TPOT estimator names to search over.")
    transformers: list[str] = Field(default_factory=list, description="TPOT transformer names (optional step).")
    selectors: list[str] = Field(default_factory=list, description="TPOT feature-selector names (optional step).")
    layout: Literal["choice", "sequential", "graph"] = Field("sequential", description="How the steps combine.")
    feature_sets: dict[str, list[str]] | None = Field(
        None, description="Named groups of the table's columns; each pipeline starts from one group."
    )


class TrainingRequest(BaseModel):
    """What to train. Unset fields take their value from the settings (environment)."""

    model_config = ConfigDict(extra="forbid")

    dataset_uri: str = Field(
        title="Dataset", description="CSV or Parquet file: a local path or an fsspec URI such as s3://bucket/key.parquet."
    )
    target_column: str = Field(title="Target column", min_length=1, description="Column to predict.")
    task: TaskChoice = Field("auto", title="Task", description="auto infers classification or regression from the target.")
    metric: MetricChoice = Field(
        "auto", title="Metric", description="scikit-learn scorer to optimise; auto: roc_auc (binary), balanced_accuracy (multiclass), r2 (regression)."
    )
    generations: int | None = Field(None, ge=1, le=10_000, title="Generations", description="Default: TPOT__GENERATIONS (40).")
    population_size: int | None = Field(None, ge=2, le=10_000, title="Population size", description="Default: TPOT__POPULATION_SIZE, else 8 per Dask worker (16 to 64).")
    time_left: int | None = Field(
        None, ge=10, le=7 * 24 * 3600, title="Time budget (s)", description="Wall-clock budget of the whole run: load, search, final fit, registration (start-up and registration take 10-15 s; a budget leaving the search under 6 s ends late, with a warning). Default: TPOT__TIME_LEFT (600)."
    )
    per_run_limit: int | None = Field(
        None, ge=1, le=24 * 3600, title="Per-pipeline limit (s)", description="Default: TPOT__PER_RUN_LIMIT (60)."
    )
    parallel_mode: Literal["auto", "local", "distributed", "off"] = Field(
        "auto", title="Parallel mode", description="auto: TPOT_PARALLEL_MODE (default local)."
    )
    cv_folds: int | None = Field(None, ge=2, le=20, title="CV folds", description="Default: TPOT__CV_FOLDS, else 5 (3 from 20,000 rows on).")
    early_stop: int | None = Field(
        None, ge=1, le=10_000, title="Early stop (generations)",
        description="Stop the search once the best score has not risen by 0.001 for more than this many generations in a row. Default: TPOT__EARLY_STOP, else never.",
    )
    final_fits: int | None = Field(
        None, ge=1, le=20, title="Final fits",
        description="The registered model averages this many fits on all rows, each without another 1/n of them (bagging; forests are fitted once), and the training-rows model; 1: one fit. Default: TPOT__FINAL_FITS (5).",
    )
    search_space: Literal["auto", SearchSpacePreset] = Field(
        "auto", title="Search space", description="Preset; auto: TPOT__CONFIG_DICT (default 'default'). 'fast' for quick runs."
    )
    custom_search_space: CustomSearchSpace | None = Field(
        None, title="Custom search space", description="Built from TPOT components; replaces the preset when given."
    )
    model_name: str | None = Field(
        None, title="Registered model name", description="MLflow registered model; default: automl- and the dataset's name."
    )
    random_state: int = Field(0, ge=0, le=2**32 - 1, title="Random seed", description="Fixes the split and the search.")
    holdout_fraction: float = Field(
        0.2, ge=0.05, le=0.5, title="Holdout fraction", description="Rows kept aside to report an unbiased score."
    )

    @field_validator("dataset_uri", "target_column")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    def resolve(self, settings: Settings) -> "TrainingRequest":
        """Fill every unset field from ``settings``; the request's own values win."""
        tpot = settings.tpot
        return self.model_copy(
            update={
                "generations": self.generations or tpot.generations,
                "population_size": self.population_size or tpot.population_size,
                "time_left": self.time_left or tpot.time_left,
                "per_run_limit": self.per_run_limit or tpot.per_run_limit,
                "parallel_mode": settings.parallel_mode if self.parallel_mode == "auto" else self.parallel_mode,
                "cv_folds": self.cv_folds or tpot.cv_folds,
                "early_stop": self.early_stop or tpot.early_stop,
                "final_fits": self.final_fits or tpot.final_fits,
                "search_space": tpot.config_dict if self.search_space == "auto" else self.search_space,
                "model_name": self.model_name or default_model_name(self.dataset_uri),
            }
        )


    def with_folds_for(self, n_rows: int) -> "TrainingRequest":
        """The request with ``cv_folds`` set: 5, or 3 from ``LARGE_TABLE`` rows on, unless given."""
        return self if self.cv_folds else self.model_copy(update={"cv_folds": 3 if n_rows >= LARGE_TABLE else 5})


# Tables with at least this many rows default to 3-fold cross-validation.
LARGE_TABLE = 20_000


def default_model_name(dataset_uri: str) -> str:
    """``automl-<name>``: the dataset file's stem, or its folder for ``…/train.parquet``."""
    path = PurePosixPath(dataset_uri.split("?", 1)[0].rstrip("/"))
    stem = path.name.split(".", 1)[0]
    if stem in {"train", "data", "dataset", "test"} and path.parent.name:
        stem = path.parent.name
    return "automl-" + (_NAME_UNSAFE.sub("-", stem).strip("-") or "model")


class ScoredPipeline(BaseModel):
    """One row of the leaderboard."""

    rank: int
    pipeline: str
    cv_score: float
    complexity: float | None = None
    generation: int | None = None


class TrainingResult(BaseModel):
    """What a training run produced, and where to find it."""

    task: TaskKind
    task_reason: str
    metric: Metric
    best_pipeline: str
    final_choice: FinalChoice = Field(
        "best", description="What the final model is: the search's best pipeline, the default configuration, or an ensemble."
    )
    final_choice_skipped: str | None = Field(
        None, description="Why the final choice compared nothing: the search's best stands (no time left, one candidate), or the default configuration does (the search scored no pipeline); None when it compared."
    )
    cv_score: float
    holdout_score: float
    final_model_fits: int = Field(
        1, description="Fits averaged in the registered model, each on all rows but one fold, plus the training-rows model (1: a single fit on all rows); an ensemble's are counted per member, its forests fitted once."
    )
    n_rows: int = Field(description="Rows used for training and holdout.")
    n_rows_dropped: int = Field(description="Rows dropped because the target was missing.")
    n_evaluated: int = Field(description="Pipelines the search evaluated (to a score, a failure or the per-pipeline limit).")
    generations: int = Field(description="Generations the search ran, the initial population included.")
    stopped_by: SearchStop = Field(
        description="What ended the search: the time budget, the generations, the early stop (no improvement), or "
        "no pipeline scored (each failed or reached the per-pipeline limit; the default configuration is the model)."
    )
    leaderboard: list[ScoredPipeline]
    dataset_uri: str
    dataset_fingerprint: str
    parallel_mode_requested: ParallelMode
    parallel_mode_effective: ParallelMode
    fallback_reason: str | None = None
    mlflow_tracking_uri: str
    mlflow_experiment_id: str
    mlflow_run_id: str
    model_name: str
    model_version: str
    model_alias: str
    model_uri: str
    artifacts: dict[str, str] = Field(description="Artifact name → URI.")
    timings: dict[str, float] = Field(description="Stage → seconds.")
