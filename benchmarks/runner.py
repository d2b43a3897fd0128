"""Run one system on one dataset in a fresh process; wall time, peak memory, test score."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
DATASETS = [ROOT.parent / "shared" / "bench" / "datasets", ROOT / "examples" / "data"]
NAMES = ("credit_data", "mlc_churn", "penguins", "ames", "diamonds")
SYSTEMS_SCRIPT = Path(__file__).with_name("systems.py")
# AutoGluon pins older scikit-learn and pandas than the platform: it runs from its own environment.
INTERPRETERS = {"autogluon": os.environ.get("AUTOML_BENCH_AUTOGLUON_PYTHON", str(ROOT / ".venv-autogluon" / "bin" / "python"))}


def dataset_dir(name: str) -> Path:
    for base in DATASETS:
        if (base / name / "manifest.json").exists():
            return base / name
    raise SystemExit(f"dataset {name!r} not found under {', '.join(map(str, DATASETS))}")


class TreeMemory(threading.Thread):
    """Peak resident memory of a process and all its descendants, sampled every 0.2 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root, self.peak, self.done = psutil.Process(pid), 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            try:
                tree = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for process in tree:
                try:
                    total += process.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            self.peak = max(self.peak, total)


def run_system(system: str, dataset: str | Path, budget: int, env: dict[str, str] | None = None, **request: object) -> dict:
    """``system`` trained on ``dataset``'s train split within ``budget`` s; adds wall, peak_mb, test_score.

    ``dataset`` is a shared dataset's name, or a folder laid out as one (train.parquet, test.parquet, manifest.json).
    """
    folder = dataset if isinstance(dataset, Path) else dataset_dir(dataset)
    with tempfile.TemporaryDirectory() as work:
        full_env = {
            **os.environ,
            "MLFLOW_TRACKING_URI": f"sqlite:///{work}/mlflow.db",
            "AUTOML_ARTIFACTS_URI": f"{work}/artifacts",
            "PREFECT_HOME": os.environ.get("PREFECT_HOME", str(ROOT / ".automl" / "prefect")),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DASK_LOGGING__DISTRIBUTED": "warning",
            "PYTHONPATH": str(ROOT),
            **(env or {}),
        }
        started = time.monotonic()
        process = subprocess.Popen(
            [INTERPRETERS.get(system, sys.executable), str(SYSTEMS_SCRIPT), system, str(folder), str(budget), json.dumps(request)],
            cwd=work, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        memory = TreeMemory(process.pid)
        memory.start()
        stdout, stderr = process.communicate()
        wall = time.monotonic() - started
        memory.done.set()
        memory.join()
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"{system} on {dataset} failed:\n{stderr[-4000:]}")
    return {**json.loads(lines[-1][len("RESULT "):]), "wall": wall, "peak_mb": memory.peak / 2**20}


def run_train(dataset: str, env: dict[str, str] | None = None, **request: object) -> dict:
    """The platform's train flow on ``dataset``; ``request`` fields go into its TrainingRequest."""
    return run_system("automl", dataset, int(request.pop("time_left", 60)), env, **request)
