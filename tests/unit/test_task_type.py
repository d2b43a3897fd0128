import numpy as np
import pandas as pd
import pytest

from automl.errors import ClassTooSmallError, MetricMismatchError, TargetColumnError, TooFewClassesError
from automl.task_type import infer_task


@pytest.mark.parametrize(
    "name, target, kind, metric",
    [
        ("credit_data", "Status", "binary", "roc_auc"),
        ("mlc_churn", "churn", "binary", "roc_auc"),
        ("penguins", "species", "multiclass", "balanced_accuracy"),
        ("ames", "Sale_Price", "regression", "r2"),
        ("diamonds", "price", "regression", "r2"),
    ],
)
def test_inference_on_the_bundled_datasets(dataset_path, name, target, kind, metric):
    spec = infer_task(pd.read_parquet(dataset_path(name))[target])
    assert (spec.kind, spec.metric) == (kind, metric)
    assert spec.reason


def test_small_integer_targets_are_classes_and_floats_are_not():
    assert infer_task(pd.Series([0, 1, 2] * 20, name="y")).kind == "multiclass"
    assert infer_task(pd.Series(np.linspace(0, 1, 60), name="y")).kind == "regression"
    assert infer_task(pd.Series(range(100), name="y")).kind == "regression"


def test_metric_must_fit_the_task():
    with pytest.raises(MetricMismatchError, match="'roc_auc' does not fit a regression task.*r2"):
        infer_task(pd.Series(np.linspace(0, 1, 60), name="y"), metric="roc_auc")
    with pytest.raises(MetricMismatchError, match="multiclass"):
        infer_task(pd.Series(["a", "b", "c"] * 10, name="y"), metric="roc_auc")


def test_single_class_target_is_an_error():
    with pytest.raises(TooFewClassesError, match="single class \\('yes'\\)"):
        infer_task(pd.Series(["yes"] * 30, name="y"))


def test_class_smaller_than_the_folds_is_an_error():
    target = pd.Series(["a"] * 50 + ["b"] * 3, name="y")
    with pytest.raises(ClassTooSmallError, match="'b': 3.*lower cv_folds"):
        infer_task(target, cv_folds=5)
    assert infer_task(target, cv_folds=2).kind == "binary"


def test_requested_task_is_checked_against_the_values():
    with pytest.raises(TargetColumnError, match="regression needs numbers"):
        infer_task(pd.Series(["a", "b"] * 10, name="y"), requested="regression")
    with pytest.raises(TargetColumnError, match="classification needs labels"):
        infer_task(pd.Series(np.linspace(0, 1, 60), name="y"), requested="classification")
    assert infer_task(pd.Series(range(60), name="y"), requested="regression").kind == "regression"
