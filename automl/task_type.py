"""Classification or regression, binary or multiclass; the metric that fits.

(``tasks`` is Prefect's word, hence ``task_type``.)
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import pandas as pd
from pandas.api import types as ptypes

from automl.errors import ClassTooSmallError, MetricMismatchError, TargetColumnError, TooFewClassesError
from automl.schemas import Metric, MetricChoice, TaskChoice, TaskKind

log = logging.getLogger(__name__)

DEFAULT_METRIC: dict[TaskKind, Metric] = {
    "binary": "roc_auc",
    "multiclass": "balanced_accuracy",
    "regression": "r2",
}
METRICS_FOR: dict[TaskKind, tuple[Metric, ...]] = {
    "binary": ("roc_auc", "roc_auc_ovr", "balanced_accuracy", "accuracy", "f1", "f1_macro", "neg_log_loss"),
    "multiclass": ("roc_auc_ovr", "balanced_accuracy", "accuracy", "f1_macro", "neg_log_loss"),
    "regression": ("r2", "neg_root_mean_squared_error", "neg_mean_absolute_error"),
}
# An integer target with at most this many distinct values is taken as class labels.
MAX_INTEGER_CLASSES = 20


@dataclass(frozen=True)
class TaskSpec:
    """The inferred task, why, and the metric the search optimises."""

    kind: TaskKind
    reason: str
    metric: Metric
    classes: tuple[str, ...] = ()

    @property
    def is_classification(self) -> bool:
        return self.kind != "regression"


def infer_task(
    target: pd.Series,
    requested: TaskChoice = "auto",
    metric: MetricChoice | None = None,
    cv_folds: int = 5,
    holdout_fraction: float = 0.2,
) -> TaskSpec:
    """Decide the task for ``target``, check the metric and that every class can be split."""
    kind, reason = _kind(target, requested)
    chosen = DEFAULT_METRIC[kind] if metric in (None, "auto") else metric
    if chosen not in METRICS_FOR[kind]:
        raise MetricMismatchError(
            f"Metric {chosen!r} does not fit a {kind} task on target {target.name!r}. "
            f"Choose one of: {', '.join(METRICS_FOR[kind])}."
        )
    classes: tuple[str, ...] = ()
    if kind != "regression":
        _check_class_sizes(target, cv_folds, holdout_fraction)
        classes = tuple(str(c) for c in sorted(target.unique(), key=str))
    log.info("Task for target %r: %s (%s); metric: %s.", target.name, kind, reason, chosen)
    return TaskSpec(kind=kind, reason=reason, metric=chosen, classes=classes)


def _kind(target: pd.Series, requested: TaskChoice) -> tuple[TaskKind, str]:
    n_unique = target.nunique()
    numeric = ptypes.is_numeric_dtype(target) and not ptypes.is_bool_dtype(target)
    integral = numeric and bool((target.dropna() % 1 == 0).all())
    if requested == "regression":
        if not numeric:
            raise TargetColumnError(
                f"Target {target.name!r} has non-numeric values (dtype {target.dtype}); regression needs "
                "numbers. Use task='classification' or convert the column."
            )
        return "regression", "requested"
    if requested == "classification":
        if numeric and not integral:
            raise TargetColumnError(
                f"Target {target.name!r} has non-integer numbers ({n_unique} distinct); classification needs "
                "labels. Use task='regression' or bin the column first."
            )
        return _classes_kind(target, n_unique), "requested"
    if not numeric:
        return _classes_kind(target, n_unique), f"target dtype {target.dtype} holds labels ({n_unique} classes)"
    if integral and n_unique <= MAX_INTEGER_CLASSES:
        reason = f"integer target with {n_unique} distinct values (≤ {MAX_INTEGER_CLASSES}) read as classes"
        return _classes_kind(target, n_unique), reason
    return "regression", f"numeric target with {n_unique} distinct values"


def _classes_kind(target: pd.Series, n_unique: int) -> TaskKind:
    if n_unique < 2:
        only = target.dropna().iloc[0] if len(target.dropna()) else None
        raise TooFewClassesError(
            f"Target {target.name!r} has a single class ({only!r}) in {len(target)} rows; classification "
            "needs at least two. Check the filter that produced the table, or choose another target."
        )
    return "binary" if n_unique == 2 else "multiclass"


def _check_class_sizes(target: pd.Series, cv_folds: int, holdout_fraction: float) -> None:
    """Each class needs one holdout row and ``cv_folds`` training rows."""
    needed = max(cv_folds + 1, math.ceil(cv_folds / (1 - holdout_fraction)))
    counts = target.value_counts()
    small = counts[counts < needed]
    if not small.empty:
        listed = ", ".join(f"{label!r}: {count}" for label, count in small.items())
        raise ClassTooSmallError(
            f"Target {target.name!r} has classes with fewer than {needed} rows ({listed}); "
            f"{cv_folds}-fold cross-validation plus a {holdout_fraction:.0%} holdout need {needed}. "
            "Add rows, merge rare classes, or lower cv_folds."
        )
