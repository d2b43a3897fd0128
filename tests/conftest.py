"""Shared fixtures: a clean environment per test, the bundled datasets, temp stores."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "data"

# One Prefect home per test session, set before Prefect is imported anywhere.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="automl-prefect-home-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "automl")
os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")

_LEAKY_PREFIXES = ("TPOT__", "MLFLOW_", "AWS_", "AUTOML_")
_LEAKY_NAMES = ("TPOT_PARALLEL_MODE", "ENABLE_AUTOML_FALLBACK", "PREFECT_API_URL")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own TPOT/MLflow/AWS/Prefect settings never reach a test."""
    for name in list(os.environ):
        if name.startswith(_LEAKY_PREFIXES) or name in _LEAKY_NAMES:
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def dataset_path():
    """Path of a bundled dataset split: dataset_path('credit_data', 'train')."""

    def path(name: str, split: str = "train") -> Path:
        return DATA / name / f"{split}.parquet"

    return path


@pytest.fixture
def stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fresh MLflow SQLite store and artifact folder for this test, via the environment."""
    tracking = f"sqlite:///{tmp_path / 'mlflow.db'}"
    artifacts = str(tmp_path / "artifacts")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking)
    monkeypatch.setenv("AUTOML_ARTIFACTS_URI", artifacts)
    monkeypatch.chdir(tmp_path)
    return {"tracking_uri": tracking, "artifacts_uri": artifacts}


@pytest.fixture(scope="session", autouse=True)
def stop_ephemeral_prefect_api():
    """Stop the temporary Prefect API while the console is still open."""
    yield
    from prefect.server.api.server import SubprocessASGIServer

    SubprocessASGIServer().stop()
