"""Run the real train flow in a fresh process with a throw-away MLflow store; shared by the benchmarks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASETS = [ROOT.parent / "shared" / "bench" / "datasets", ROOT / "examples" / "data"]
NAMES = ("credit_data", "mlc_churn", "penguins", "ames", "diamonds")

_RUN_ONE = """
import json, sys
import mlflow, pandas as pd
from sklearn.metrics import get_scorer
from automl.schemas import TrainingRequest
from flows.train import train
if __name__ == "__main__":
    request, test_path, metric = TrainingRequest.model_validate_json(sys.argv[1]), sys.argv[2], sys.argv[3]
    result = train(request)
    test = pd.read_parquet(test_path)
    X, y = test.drop(columns=[request.target_column]), test[request.target_column]
    model = mlflow.sklearn.load_model(result.model_uri)
    if metric == "roc_auc":
        y = (y == model.classes_[1]).astype(int)
        score = get_scorer("roc_auc")._score_func(y, model.predict_proba(X)[:, 1])
    else:
        score = get_scorer(metric)(model, X, y)
    print("RESULT " + json.dumps({**json.loads(result.model_dump_json()), "test_score": float(score)}))
"""


def dataset_dir(name: str) -> Path:
    for base in DATASETS:
        if (base / name / "manifest.json").exists():
            return base / name
    raise SystemExit(f"dataset {name!r} not found under {', '.join(map(str, DATASETS))}")


def run_train(dataset: str, env: dict[str, str] | None = None, **request: object) -> dict:
    """Train on ``dataset``'s train split, score its test split; adds ``wall`` and ``test_score``."""
    folder = dataset_dir(dataset)
    manifest = json.loads((folder / "manifest.json").read_text())
    fields = {"dataset_uri": str(folder / "train.parquet"), "target_column": manifest["target"],
              "model_name": f"bench-{dataset}", **request}
    with tempfile.TemporaryDirectory() as work:
        full_env = {
            **os.environ,
            "MLFLOW_TRACKING_URI": f"sqlite:///{work}/mlflow.db",
            "AUTOML_ARTIFACTS_URI": f"{work}/artifacts",
            "PREFECT_HOME": os.environ.get("PREFECT_HOME", str(ROOT / ".automl" / "prefect")),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DASK_LOGGING__DISTRIBUTED": "warning",
            **(env or {}),
        }
        started = time.monotonic()
        out = subprocess.run(
            [sys.executable, "-c", _RUN_ONE, json.dumps(fields), str(folder / "test.parquet"), manifest["metric"]],
            cwd=work, env=full_env, capture_output=True, text=True,
        )
        wall = time.monotonic() - started
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"training on {dataset} failed:\n{out.stderr[-4000:]}")
    return {**json.loads(lines[-1][len("RESULT "):]), "wall": wall}
