"""The real train flow: ephemeral Prefect API, a LocalCluster, a SQLite MLflow store."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import pytest
from mlflow import MlflowClient
from sklearn.ensemble import VotingClassifier

from automl.errors import (
    ClassTooSmallError,
    MetricMismatchError,
    SearchSpaceError,
    TargetColumnError,
    TooFewClassesError,
    UnsupportedFormatError,
)
from automl.schemas import TrainingRequest
from flows.cli import describe
from flows.train import train
from flows.ui import summary_markdown

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Tiny budgets: enough to find a good model on these tables, small enough for CI.
TINY = dict(time_left=30, generations=2, population_size=6, cv_folds=3, search_space="fast", per_run_limit=20)

SCORE_IN_FRESH_PROCESS = """
import json, sys
sys.modules["automl"] = None  # the registered model must not need automl to load
sys.modules["flows"] = None
import mlflow, pandas as pd
from sklearn.metrics import balanced_accuracy_score, r2_score, roc_auc_score
tracking_uri, model_uri, test_path, target, metric = sys.argv[1:6]
mlflow.set_tracking_uri(tracking_uri)
model = mlflow.pyfunc.load_model(model_uri)
test = pd.read_parquet(test_path)
X, y = test.drop(columns=[target]), test[target]
pred = model.predict(X)
if metric == "roc_auc":
    proba = model.get_raw_model().predict_proba(X)[:, 1]
    positive = model.get_raw_model().classes_[1]
    score = roc_auc_score(y == positive, proba)
elif metric == "balanced_accuracy":
    score = balanced_accuracy_score(y, pred)
else:
    score = r2_score(y, pred)
print(json.dumps({"score": float(score), "labels": sorted(map(str, set(pred)))[:5]}))
"""


def score_in_fresh_process(tracking_uri, model_uri, test_path, target, metric) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", SCORE_IN_FRESH_PROCESS, tracking_uri, model_uri, str(test_path), target, metric],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_binary_table_with_strings_and_gaps_is_trained_registered_and_served(stores, dataset_path):
    result = train(
        TrainingRequest(dataset_uri=str(dataset_path("credit_data")), target_column="Status", model_name="credit", **TINY)
    )
    assert (result.task, result.metric) == ("binary", "roc_auc")
    assert result.parallel_mode_effective == "local" and result.n_evaluated >= 6
    assert 0.5 < result.cv_score <= 1 and result.leaderboard[0].cv_score == pytest.approx(result.cv_score)

    client = MlflowClient(stores["tracking_uri"])
    version = client.get_model_version_by_alias("credit", "challenger")
    assert str(version.version) == result.model_version
    run = client.get_run(result.mlflow_run_id)
    assert run.data.tags["dataset_fingerprint"] == result.dataset_fingerprint
    assert run.data.tags["prefect_flow_run_id"]
    assert run.data.metrics["holdout_score"] == pytest.approx(result.holdout_score)
    assert run.data.metrics["ensemble_members"] >= 1  # 1: a single pipeline was kept
    assert run.data.params["target_column"] == "Status"
    logged = {a.path for a in client.list_artifacts(result.mlflow_run_id, "automl")}
    assert logged == {"automl/leaderboard.json", "automl/pareto_front.json", "automl/summary.json",
                      "automl/evaluated_individuals.parquet", "automl/evaluated_individuals.json"}  # the model once, as MLflow's
    assert "model.joblib" in result.artifacts

    # Floor: a default HistGradientBoosting model scores 0.83 on this split; 0.75 leaves room
    # for a 20-second search while still failing on a broken pipeline (0.5 = chance).
    served = score_in_fresh_process(
        stores["tracking_uri"], result.model_uri, dataset_path("credit_data", "test"), "Status", "roc_auc"
    )
    assert served["score"] >= 0.75, served
    assert set(served["labels"]) <= {"bad", "good"}


def test_multiclass_in_one_process_predicts_original_labels(stores, dataset_path, monkeypatch):
    monkeypatch.setenv("TPOT_PARALLEL_MODE", "off")
    result = train(TrainingRequest(dataset_uri=str(dataset_path("penguins")), target_column="species", **TINY))
    assert (result.task, result.parallel_mode_effective) == ("multiclass", "off")
    assert result.model_name == "automl-penguins"
    served = score_in_fresh_process(
        stores["tracking_uri"], result.model_uri, dataset_path("penguins", "test"), "species", "balanced_accuracy"
    )
    # Penguin species are nearly separable: every peer scores ≥ 0.97 on this split.
    assert served["score"] >= 0.9 and set(served["labels"]) <= {"Adelie", "Chinstrap", "Gentoo"}


def test_regression_with_many_categoricals(stores, dataset_path):
    result = train(TrainingRequest(dataset_uri=str(dataset_path("ames")), target_column="Sale_Price", **TINY))
    assert (result.task, result.metric) == ("regression", "r2")
    served = score_in_fresh_process(
        stores["tracking_uri"], result.model_uri, dataset_path("ames", "test"), "Sale_Price", "r2"
    )
    # Default HistGradientBoosting reaches R² 0.91; a linear baseline on one-hot data ~0.8.
    assert served["score"] >= 0.75, served


def test_the_budget_covers_the_whole_run_and_the_seeds_are_evaluated_first(stores, dataset_path):
    import pandas as pd

    budget = 50
    result = train(TrainingRequest(dataset_uri=str(dataset_path("credit_data")), target_column="Status",
                                   time_left=budget, generations=10_000, search_space="default"))
    assert result.timings["total"] <= 1.1 * budget, result.timings
    assert result.stopped_by == "time" and result.generations >= 1
    path = MlflowClient(stores["tracking_uri"]).download_artifacts(result.mlflow_run_id, "automl/evaluated_individuals.parquet")
    evaluated = pd.read_parquet(path).sort_values("Submitted Timestamp")
    seeds = evaluated.head(2)
    assert seeds["Pipeline"].str.startswith("HistGradientBoostingClassifier(").all(), seeds["Pipeline"].to_list()
    assert (seeds["Status"] == "OK").all()
    assert evaluated["roc_auc_score"].max() >= seeds["roc_auc_score"].max()  # the search only improves on its seeds
    summary_path = MlflowClient(stores["tracking_uri"]).download_artifacts(result.mlflow_run_id, "automl/summary.json")
    choice = json.loads(Path(summary_path).read_text())["final_choice"]
    assert choice["chosen"] in ("default", "best", "ensemble"), choice
    assert result.final_choice_skipped == choice.get("skipped")
    # TPOT checks its stop time only between evaluations: when the search leaves too little time,
    # the comparison is skipped or the default's predictions are late, and the summary says so.
    if "skipped" in choice:
        assert choice["chosen"] == "best", choice
        assert f"(nothing compared: {choice['skipped']})" in describe(result)
    elif choice.get("default") == "predictions not ready in time":
        assert choice["chosen"] in ("best", "ensemble") and "default" not in choice["cv_scores"], choice
    else:  # re-scored on other folds, the default stays unless beaten by more than one standard error
        assert "default" in choice["cv_scores"], choice
        assert choice["chosen"] == "default" or choice["margin"] > choice["standard_error"], choice
    if choice["chosen"] != "best":  # the search's best keeps the score it was ranked by
        assert result.cv_score == pytest.approx(choice["cv_scores"][choice["chosen"]])
    # The registered model averages the fits on all rows that were ready by the deadline.
    scores = json.loads(Path(summary_path).read_text())["scores"]
    assert scores["final_model_fits"] == result.final_model_fits >= 1
    model = mlflow.sklearn.load_model(result.model_uri).named_steps["model"].estimator
    if result.final_model_fits > 1:
        assert scores["final_model_rows"] == result.n_rows
        assert isinstance(model, VotingClassifier) and _most_fits(model) == result.final_model_fits
    assert f"Final fits:      {result.final_model_fits} averaged" in describe(result)
    assert f"| Final fits | {result.final_model_fits} averaged" in summary_markdown(result)


def _most_fits(model) -> int:
    """Fits averaged in a bagged model: its own (named fit_0, fit_1, …), or the most of an ensemble's members'."""
    if not isinstance(model, VotingClassifier):
        return 1
    if all(name.startswith("fit_") for name, _ in model.estimators):
        return len(model.estimators)
    return max(_most_fits(member.estimator) for member in model.estimators_)


@pytest.fixture
def tables(tmp_path, dataset_path):
    import pandas as pd

    credit = pd.read_parquet(dataset_path("credit_data"))
    paths = {"credit": tmp_path / "credit.parquet", "one_class": tmp_path / "one.csv", "rare": tmp_path / "rare.csv"}
    credit.to_parquet(paths["credit"])
    credit.assign(Status="good").to_csv(paths["one_class"], index=False)
    rare = credit.head(300).copy()
    rare.loc[rare.index[:2], "Status"] = "unknown"
    rare.to_csv(paths["rare"], index=False)
    (tmp_path / "credit.xlsx").write_bytes(b"PK")
    paths["xlsx"] = tmp_path / "credit.xlsx"
    return paths


@pytest.mark.parametrize(
    "table, overrides, error, message",
    [
        ("credit", {"target_column": "status"}, TargetColumnError, "Did you mean 'Status'"),
        ("xlsx", {}, UnsupportedFormatError, "unknown file format"),
        ("one_class", {}, TooFewClassesError, "single class"),
        ("rare", {}, ClassTooSmallError, "'unknown': 2"),
        ("credit", {"metric": "r2"}, MetricMismatchError, "does not fit a binary task"),
        ("credit", {"custom_search_space": {"estimators": ["LogisticRegression"], "feature_sets": {"g": ["Agee"]}}},
         SearchSpaceError, "lacks: \\['Agee'\\]"),
    ],
)
def test_bad_input_fails_fast_with_a_typed_error_and_registers_nothing(stores, tables, table, overrides, error, message):
    request = {"dataset_uri": str(tables[table]), "target_column": "Status", **TINY, **overrides}
    started = time.monotonic()
    with pytest.raises(error, match=message):
        train(TrainingRequest(**request))
    assert time.monotonic() - started < 30  # failed before any cluster or search started
    client = MlflowClient(stores["tracking_uri"])
    assert client.search_registered_models() == []
    assert not (stores["artifacts_uri"] and __import__("pathlib").Path(stores["artifacts_uri"]).exists())


def test_a_search_where_every_pipeline_fails_is_a_typed_error(dataset_path):
    """MultinomialNB rejects the negative values of this table: no pipeline can be evaluated."""
    import numpy as np
    import pandas as pd

    from automl.cluster import search_client
    from automl.data import Dataset
    from automl.errors import SearchFailedError
    from automl.schemas import CustomSearchSpace
    from automl.search_space import DataShape, build_search_space
    from automl.task_type import infer_task
    from automl.train import Budget, fit

    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.normal(size=(120, 4)), columns=list("abcd"))
    target = pd.Series(np.where(features["a"] > 0, "yes", "no"), name="y")
    dataset = Dataset("memory", "negative", "sha256:0", features, target, 0)
    plan = build_search_space(CustomSearchSpace(estimators=["MultinomialNB"], layout="choice"), True,
                              DataShape(96, 4, 2), 0, list(features.columns))
    # A custom space has no default configuration to fall back on.
    with search_client() as client, pytest.raises(
            SearchFailedError, match=r"No pipeline was scored on 'negative': of \d+ pipelines, \d+ failed\. To search, choose"):
        fit(dataset, infer_task(target, cv_folds=3), plan, Budget(2, 4, time.time() + 20, 10, 3, 0.2, 0), client)


def test_a_search_that_scores_no_pipeline_gives_the_default_configuration_and_says_why(caplog):
    """No evaluation meets a per-pipeline limit of 0 s; the default, scored on its own folds, is the model."""
    import logging

    import numpy as np
    import pandas as pd

    from automl.cluster import search_client
    from automl.data import Dataset
    from automl.search_space import DataShape, build_search_space
    from automl.task_type import infer_task
    from automl.train import Budget, fit

    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.normal(size=(200, 3)), columns=list("abc"))
    target = pd.Series(np.where(features["a"] > 0, "yes", "no"), name="y")
    dataset = Dataset("memory", "separable", "sha256:0", features, target, 0)
    plan = build_search_space("fast", True, DataShape(160, 3, 2), 0, list(features.columns))
    with search_client() as client, caplog.at_level(logging.WARNING, logger="automl.train"):
        fitted = fit(dataset, infer_task(target, cv_folds=3), plan, Budget(40, 6, time.time() + 30, 0, 3, 0.2, 0), client)
    assert set(fitted.evaluated["Status"]) == {"TIMEOUT"}
    assert fitted.search["stopped_by"] == "nothing scored"
    assert fitted.selection["chosen"] == "default" and fitted.selection["skipped"] == "the search scored no pipeline"
    assert fitted.selection["cv_scores"]["default"] == fitted.cv_score > 0.95 and fitted.holdout_score > 0.9
    assert fitted.leaderboard["pipeline"].to_list() == [fitted.best_pipeline] and "HistGradientBoosting" in fitted.best_pipeline
    warned = [r.getMessage() for r in caplog.records if r.getMessage().startswith("No pipeline was scored")]
    assert len(warned) == 1 and "reached the per-pipeline limit (0 s). To search, raise per_run_limit." in warned[0], warned
    assert fitted.model.predict(features.head(5)).tolist() == target.head(5).tolist()


def test_a_search_that_stops_improving_ends_early_and_says_so():
    """The seeds separate this table perfectly: no later generation can raise the best score."""
    import numpy as np
    import pandas as pd

    from automl.cluster import search_client
    from automl.data import Dataset
    from automl.search_space import DataShape, build_search_space
    from automl.task_type import infer_task
    from automl.train import Budget, fit

    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.normal(size=(200, 3)), columns=list("abc"))
    target = pd.Series(np.where(features["a"] > 0, "yes", "no"), name="y")
    dataset = Dataset("memory", "separable", "sha256:0", features, target, 0)
    plan = build_search_space("fast", True, DataShape(160, 3, 2), 0, list(features.columns))
    started = time.monotonic()
    with search_client() as client:
        fitted = fit(dataset, infer_task(target, cv_folds=3), plan,
                     Budget(1000, 6, time.time() + 120, 10, 3, 0.2, 0, early_stop=1), client)
    assert fitted.cv_score > 0.99
    # Generation 0 sets the best score; two generations in a row without a rise end the search.
    assert fitted.search == {"generations": 3, "stopped_by": "early stop", "seconds_past_stop": 0.0}, fitted.search
    assert time.monotonic() - started < 60


def test_the_seeds_are_scored_before_the_rest_of_the_first_generation_starts():
    """Their evaluation times size the time kept after the search before more is submitted."""
    import numpy as np
    import pandas as pd

    from distributed import Client, LocalCluster

    from automl.cluster import TpotClient
    from automl.data import Dataset
    from automl.search_space import DataShape, Encoding, build_search_space
    from automl.task_type import infer_task
    from automl.train import Budget, fit

    # Large enough that an evaluation takes a moment: two seeds never finish in the same instant.
    rng = np.random.default_rng(1)
    features = pd.DataFrame(rng.normal(size=(3000, 8)), columns=list("abcdefgh"))
    target = pd.Series(np.where(features["a"] + rng.normal(size=3000) > 0, "yes", "no"), name="y")
    dataset = Dataset("memory", "noisy", "sha256:0", features, target, 0)
    plan = build_search_space("fast", True, DataShape(2400, 8, 2), 0, list(features.columns))
    _, seeds = plan.build(Encoding({c: [i] for i, c in enumerate(features.columns)}, []))
    # Two workers: with one, every evaluation waits for the one before anyway.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, Client(cluster) as client:
        fitted = fit(dataset, infer_task(target, cv_folds=3), plan, Budget(1, 6, time.time() + 120, 10, 3, 0.2, 0),
                     TpotClient(client))
    first = fitted.evaluated[fitted.evaluated["Generation"] == 0].sort_values("Submitted Timestamp")
    scored_seeds, rest = first.head(len(seeds)), first.iloc[len(seeds):]
    assert len(rest) > 0 and (scored_seeds["Status"] == "OK").all()
    assert scored_seeds["Completed Timestamp"].max() <= rest["Submitted Timestamp"].min()


@pytest.mark.parametrize("left", [2, -2], ids=["2 s left", "spent"])
def test_a_budget_too_short_for_the_search_is_said_and_still_gives_a_model(caplog, left):
    """Less time left when the search begins than its shortest run, or none (a slow start spent it).

    The run says how much to add (5.9 s are needed) and still gives the best model it finds.
    """
    import logging

    import numpy as np
    import pandas as pd
    from distributed import Client, LocalCluster

    from automl.cluster import TpotClient
    from automl.data import Dataset
    from automl.search_space import DataShape, build_search_space
    from automl.task_type import infer_task
    from automl.train import Budget, fit

    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.normal(size=(200, 3)), columns=list("abc"))
    target = pd.Series(np.where(features["a"] > 0, "yes", "no"), name="y")
    dataset = Dataset("memory", "separable", "sha256:0", features, target, 0)
    plan = build_search_space("fast", True, DataShape(160, 3, 2), 0, list(features.columns))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client, caplog.at_level(logging.WARNING, logger="automl.train"):
        fitted = fit(dataset, infer_task(target, cv_folds=3), plan, Budget(40, 6, time.time() + left, 10, 3, 0.2, 0),
                     TpotClient(client))
    warned = [r.getMessage() for r in caplog.records if "budget is too short" in r.getMessage()]
    assert len(warned) == 1, warned
    seen = float(re.search(r"(-?[\d.]+) s were left", warned[0]).group(1))
    assert seen <= left, warned
    to_add = int(re.search(r"Raise time_left by (\d+) s or more", warned[0]).group(1))
    assert 5.88 - seen - 0.1 <= to_add < 5.88 - seen + 1.1, warned  # what is missing, rounded up
    assert fitted.cv_score > 0.9 and fitted.n_evaluated >= 1  # the best pipeline found in the time there was
    # The stop, set once the seeds were timed, was already past: the search ended then, not that late.
    assert fitted.search["seconds_past_stop"] < 3, fitted.search
