"""Shared fixtures: a clean environment per test, the bundled datasets, temp stores."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "data"

# One Prefect home per test session, set before Prefect is imported anywhere.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="automl-prefect-home-"))
Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
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


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def prefect_stack(tmp_path_factory):
    """Prefect server, MLflow server and a Prefect worker, started by the project's stack
    script on free ports, with prefect.yaml deployed; stopped at the end of the session."""
    run_dir = tmp_path_factory.mktemp("stack")
    bin_dir = Path(sys.executable).parent
    prefect_port, mlflow_port = free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MLFLOW_", "TPOT"))},
        "AUTOML_RUN_DIR": str(run_dir),
        "AUTOML_BIN": str(bin_dir),
        "AUTOML_SERVICES": "prefect-server mlflow-server prefect-worker",
        "PREFECT_PORT": str(prefect_port),
        "MLFLOW_PORT": str(mlflow_port),
        "PREFECT_HOME": str(run_dir / "prefect-home"),
    }
    stack_script = ROOT / "infra" / "local-stack.sh"
    started = subprocess.run(["bash", str(stack_script), "start"], env=env, capture_output=True, text=True, timeout=400)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        api = f"http://127.0.0.1:{prefect_port}/api"
        deployed = subprocess.run(
            [str(bin_dir / "prefect"), "--no-prompt", "deploy", "--all"],
            cwd=ROOT,
            env={
                **env,
                "PREFECT_API_URL": api,
                "AUTOML_PROJECT_DIR": str(ROOT),
                "AUTOML_RETRAIN_DATASET_URI": str(DATA / "credit_data" / "train.parquet"),
                "AUTOML_RETRAIN_TARGET": "Status",
                "AUTOML_RETRAIN_MODEL_NAME": "credit-retrain",
            },
            capture_output=True, text=True, timeout=300,
        )
        assert deployed.returncode == 0, deployed.stdout[-3000:] + deployed.stderr[-3000:]
        yield {"api": api, "ui": f"http://127.0.0.1:{prefect_port}", "mlflow": f"http://127.0.0.1:{mlflow_port}",
               "run_dir": run_dir}
    finally:
        subprocess.run(["bash", str(stack_script), "stop"], env=env, capture_output=True, timeout=120)
