import subprocess
import sys


def _automl(*args):
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, timeout=120)


def test_train_help_explains_every_option_and_its_default():
    out = _automl("train", "--help")
    assert out.returncode == 0
    for option in ("--data", "--target", "--task", "--metric", "--time-left", "--generations",
                   "--population-size", "--early-stop", "--final-fits", "--search-space", "--model-name", "--parallel-mode"):
        assert option in out.stdout
    assert "TPOT__TIME_LEFT or 600" in " ".join(out.stdout.split())


def test_invalid_option_values_fail_before_training():
    out = _automl("train", "--data", "x.csv", "--target", "y", "--time-left", "-1")
    assert out.returncode == 2 and "time_left" in out.stderr


def test_the_summary_says_why_the_final_choice_compared_nothing():
    from automl.schemas import TrainingResult
    from flows.cli import describe
    from flows.ui import summary_markdown

    fields = dict(
        task="binary", task_reason="two classes", metric="roc_auc", best_pipeline="HistGradientBoostingClassifier()",
        final_choice="best", final_choice_skipped="no time left for out-of-fold predictions (-0.5 s)", final_model_fits=5,
        cv_score=0.84, holdout_score=0.85, n_rows=4454, n_evaluated=90, generations=6, stopped_by="time",
        mlflow_run_id="run", mlflow_experiment_id="1", model_name="automl-credit", model_version="1", model_alias="champion",
        model_uri="models:/automl-credit/1", artifacts={"model": "/runs/automl-credit/1/model.joblib"}, timings={"total": 55.0},
        mlflow_tracking_uri="sqlite:///mlflow.db", n_rows_dropped=0, parallel_mode_requested="local",
        parallel_mode_effective="local", dataset_uri="credit.parquet", dataset_fingerprint="sha256:" + "0" * 64,
    )
    skipped = describe(TrainingResult.model_construct(**fields))
    assert ("Chosen as:       the search's best pipeline "
            "(nothing compared: no time left for out-of-fold predictions (-0.5 s))") in skipped
    compared = describe(TrainingResult.model_construct(**{**fields, "final_choice_skipped": None}))
    assert "Chosen as:       the search's best pipeline\n" in compared
    # The budget counts the whole call: the summary says how long that was, and the flow run within it.
    assert "Flow run:        55 s" in compared
    assert "Wall time:       63 s (the flow run 55 s, after Prefect's start-up)" in describe(
        TrainingResult.model_construct(**fields), 62.8)
    assert "**Final model** (best; nothing compared: no time left" in summary_markdown(TrainingResult.model_construct(**fields))
