"""Settings: the only place that reads the environment.

Build one ``Settings()`` at an entry point (CLI, flow, test) and pass it down. Flow
parameters (the training request) override these values field by field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ParallelMode = Literal["local", "distributed", "off"]


def _default_tracking_uri() -> str:
    return f"sqlite:///{Path.cwd() / 'mlflow.db'}"


class TpotSettings(BaseModel):
    """Search budgets and cluster sizing (environment: ``TPOT__<FIELD>``)."""

    generations: int = Field(40, ge=1, le=10_000, description="Generations of the evolutionary search.")
    population_size: int | None = Field(
        None, ge=2, le=10_000, description="Pipelines per generation; default 8 per Dask worker, 16 to 64."
    )
    time_left: int = Field(600, ge=10, le=7 * 24 * 3600, description="Wall-clock budget of a training run (load, search, final fit, registration), seconds.")
    per_run_limit: int = Field(60, ge=1, le=24 * 3600, description="Time limit of one pipeline evaluation, seconds.")
    cv_folds: int | None = Field(
        None, ge=2, le=20, description="Cross-validation folds; default 5, or 3 from 20,000 rows on (cheaper evaluations)."
    )
    early_stop: int | None = Field(
        None, ge=1, le=10_000,
        description="Stop the search once the best score has not risen by 0.001 for more than this many generations in a row; default: never.",
    )
    final_fits: int = Field(
        5, ge=1, le=20,
        description="The registered model averages this many fits on all rows, each without another 1/n of them (bagging), and the training-rows model; 1: one fit on all rows.",
    )
    config_dict: str = Field("default", description="Search-space preset (see automl.search_space.PRESETS).")
    n_jobs: int | None = Field(None, ge=1, le=256, description="Dask workers for local mode; default one per core, at most 8.")
    memory_limit_mb: int = Field(3072, ge=256, le=1_048_576, description="Memory limit per Dask worker, MiB.")
    dask_address: str | None = Field(None, description="Scheduler address for distributed mode, e.g. tcp://10.0.0.5:8786.")
    dask_scheduler_file: Path | None = Field(None, description="Scheduler file for distributed mode.")
    connect_timeout: float = Field(
        5.0, gt=0, le=300, description="Seconds to reach the scheduler and find a worker before deciding it is unavailable."
    )
    scheduler_file_wait: float = Field(
        30.0, ge=0, le=3600, description="Seconds to wait for the scheduler file to appear."
    )


class Settings(BaseSettings):
    """Where and how training runs; what to train comes from the request."""

    model_config = SettingsConfigDict(
        env_nested_delimiter="__",
        env_file=None,
        extra="ignore",
        populate_by_name=True,
    )

    tpot: TpotSettings = Field(default_factory=TpotSettings)
    parallel_mode: ParallelMode = Field(
        "local",
        validation_alias=AliasChoices("TPOT_PARALLEL_MODE", "parallel_mode"),
        description="local: own LocalCluster; distributed: existing scheduler; off: one process.",
    )
    enable_fallback: bool = Field(
        True,
        validation_alias=AliasChoices("ENABLE_AUTOML_FALLBACK", "enable_fallback"),
        description="Fall back to local mode when the distributed scheduler is unreachable.",
    )
    mlflow_tracking_uri: str = Field(
        default_factory=_default_tracking_uri,
        validation_alias=AliasChoices("MLFLOW_TRACKING_URI", "mlflow_tracking_uri"),
        description="MLflow tracking store; default: mlflow.db (SQLite) in the working directory.",
    )
    mlflow_experiment: str = Field(
        "automl",
        validation_alias=AliasChoices("MLFLOW_EXPERIMENT_NAME", "mlflow_experiment"),
        description="MLflow experiment that receives training runs.",
    )
    artifacts_uri: str = Field(
        default_factory=lambda: str(Path.cwd() / "artifacts"),
        validation_alias=AliasChoices("AUTOML_ARTIFACTS_URI", "artifacts_uri"),
        description="Folder or fsspec URI under which each run writes its artifacts.",
    )
    s3_endpoint_url: str | None = Field(
        None,
        validation_alias=AliasChoices("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "s3_endpoint_url"),
        description="Endpoint of an S3-compatible store (MinIO, moto, Ceph...).",
    )
    aws_access_key_id: SecretStr | None = Field(None, validation_alias="AWS_ACCESS_KEY_ID")
    aws_secret_access_key: SecretStr | None = Field(None, validation_alias="AWS_SECRET_ACCESS_KEY")

    def storage_options(self, uri: str) -> dict:
        """fsspec options for ``uri``: credentials and endpoint for s3://, nothing otherwise."""
        if not uri.startswith(("s3://", "s3a://")):
            return {}
        options: dict = {}
        if self.s3_endpoint_url:
            options["client_kwargs"] = {"endpoint_url": self.s3_endpoint_url}
        if self.aws_access_key_id and self.aws_secret_access_key:
            options["key"] = self.aws_access_key_id.get_secret_value()
            options["secret"] = self.aws_secret_access_key.get_secret_value()
        return options
