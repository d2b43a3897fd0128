"""Train one system on one dataset's train split and score its test split, in this process.

    python systems.py SYSTEM DATASET_DIR BUDGET_SECONDS [REQUEST_JSON]

Systems: ``automl`` (this platform's train flow), ``tpot`` (plain TPOT 1.x, its defaults),
``hgb`` (a default HistGradientBoosting model, native categoricals), ``flaml`` (FLAML's
AutoML, from the ``bench`` extra), ``autogluon`` (AutoGluon's TabularPredictor, medium quality,
in its own virtual environment: ``make bench-autogluon``). ``REQUEST_JSON`` holds the platform's
request fields; its ``random_state`` (default 0) seeds every system but AutoGluon, which has no
such option. Prints one ``RESULT {json}`` line with ``test_score`` and ``test_values`` (what was scored).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from scoring import positive_class, score, scored_values


def _split(frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, pd.Series]:
    return frame.drop(columns=[target]), frame[target]


def _score(metric: str, y_true: pd.Series, predict, predict_proba, classes) -> dict:
    """The test score, and the values it scored (for a paired comparison of systems)."""
    values = scored_values(metric, predict, predict_proba, classes)
    return {"test_score": score(metric, y_true, values, positive_class(classes)), "test_values": values}


def _as_categories(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Text columns as pandas categories with the training table's categories."""
    train, test = train.copy(), test.copy()
    for column in train.columns:
        if not pd.api.types.is_numeric_dtype(train[column]):
            train[column] = train[column].astype("category")
            test[column] = pd.Categorical(test[column], categories=train[column].cat.categories)
    return train, test


def run_automl(train, test, manifest, budget, request):
    import mlflow

    from automl.schemas import TrainingRequest
    from flows.train import train as train_flow

    fields = {"dataset_uri": str(Path(manifest["folder"]) / "train.parquet"), "target_column": manifest["target"],
              "model_name": f"bench-{manifest['name']}", "time_left": budget, **request}
    started = time.monotonic()
    result = train_flow(TrainingRequest.model_validate(fields))
    call = time.monotonic() - started
    model = mlflow.sklearn.load_model(result.model_uri)
    X, y = _split(test, manifest["target"])
    scored = _score(manifest["metric"], y, lambda: model.predict(X), lambda: model.predict_proba(X), getattr(model, "classes_", None))
    summary = json.loads(Path(result.artifacts["summary.json"]).read_text())
    return {**json.loads(result.model_dump_json()), **scored, "call_wall": call, "final_choice_detail": summary["final_choice"],
            "search_detail": summary["search"]}


def run_tpot(train, test, manifest, budget, request):
    from tpot import TPOTClassifier, TPOTRegressor

    X, y = _split(train, manifest["target"])
    Xt, yt = _split(test, manifest["target"])
    text = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    X, Xt = X.astype({c: object for c in text}), Xt.astype({c: object for c in text})
    classification = manifest["task"] != "regression"
    classes = np.unique(y) if classification else None
    if classification:
        y, yt = pd.Series(np.searchsorted(classes, y)), yt
    estimator = (TPOTClassifier if classification else TPOTRegressor)(
        scorers=[manifest["metric"]], scorers_weights=[1], max_time_mins=budget / 60, n_jobs=2,
        preprocessing=True, verbose=0, random_state=request.get("random_state", 0),
    )
    estimator.fit(X, y)
    decode = (lambda codes: classes[codes]) if classification else (lambda values: values)
    scored = _score(manifest["metric"], yt, lambda: decode(estimator.predict(Xt)), lambda: estimator.predict_proba(Xt), classes)
    return {**scored, "best_pipeline": repr(estimator.fitted_pipeline_)[:300]}


def run_hgb(train, test, manifest, budget, request):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    X, y = _split(train, manifest["target"])
    Xt, yt = _split(test, manifest["target"])
    X, Xt = _as_categories(X, Xt)
    model = (HistGradientBoostingRegressor if manifest["task"] == "regression" else HistGradientBoostingClassifier)(random_state=request.get("random_state", 0))
    model.fit(X, y)
    scored = _score(manifest["metric"], yt, lambda: model.predict(Xt), lambda: model.predict_proba(Xt), getattr(model, "classes_", None))
    return {**scored, "best_pipeline": repr(model)}


def run_flaml(train, test, manifest, budget, request):
    from flaml import AutoML

    X, y = _split(train, manifest["target"])
    Xt, yt = _split(test, manifest["target"])
    X, Xt = _as_categories(X, Xt)
    automl = AutoML()
    task = "regression" if manifest["task"] == "regression" else "classification"
    metric = {"roc_auc": "roc_auc", "r2": "r2", "balanced_accuracy": _balanced_error}[manifest["metric"]]
    automl.fit(X, y, task=task, metric=metric, time_budget=budget, n_jobs=2, verbose=0, seed=request.get("random_state", 0))
    scored = _score(manifest["metric"], yt, lambda: automl.predict(Xt), lambda: automl.predict_proba(Xt), getattr(automl, "classes_", None))
    return {**scored, "best_pipeline": f"{automl.best_estimator} {automl.best_config}"[:300]}


def _balanced_error(X_val, y_val, estimator, *args, **kwargs):
    """Balanced accuracy in FLAML's custom-metric form (it has none built in): the error to minimize, nothing more to log."""
    from sklearn.metrics import balanced_accuracy_score

    return 1 - balanced_accuracy_score(y_val, estimator.predict(X_val)), {}


def run_autogluon(train, test, manifest, budget, request):
    from autogluon.tabular import TabularPredictor

    Xt, yt = _split(test, manifest["target"])
    with tempfile.TemporaryDirectory() as path:
        predictor = TabularPredictor(label=manifest["target"], problem_type=manifest["task"],
                                     eval_metric=manifest["metric"], path=path, verbosity=0)
        predictor.fit(train, time_limit=budget, presets="medium_quality", num_cpus=2)
        classes = getattr(predictor, "class_labels", None)
        scored = _score(manifest["metric"], yt, lambda: predictor.predict(Xt).to_numpy(),
                        lambda: predictor.predict_proba(Xt)[classes].to_numpy(), classes)
        return {**scored, "best_pipeline": predictor.model_best}


SYSTEMS = {"automl": run_automl, "tpot": run_tpot, "hgb": run_hgb, "flaml": run_flaml, "autogluon": run_autogluon}


def main() -> None:
    system, folder, budget = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    request = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
    manifest = {**json.loads((folder / "manifest.json").read_text()), "folder": str(folder)}
    train, test = pd.read_parquet(folder / "train.parquet"), pd.read_parquet(folder / "test.parquet")
    result = SYSTEMS[system](train, test, manifest, budget, request)
    print("RESULT " + json.dumps({**result, "metric": manifest["metric"]}, default=str), flush=True)


if __name__ == "__main__":
    main()
