"""Test-split scores from predictions, and how far the test split's sampling moves a difference.

Each system reports the values its metric scores (the positive class's probability for ROC
AUC, labels for balanced accuracy, values for R²), so that two systems can be compared on the
same resampled test rows: a paired bootstrap of the rows gives an interval for the difference
of their scores. A test split of a thousand rows moves ROC AUC by about a point; differences
smaller than their interval are not found by that split.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from sklearn.metrics import balanced_accuracy_score, r2_score, roc_auc_score

RESAMPLES = 1000


def positive_class(classes: Any) -> Any:
    """ROC AUC's positive class: the second of the sorted classes (the same for every system)."""
    return sorted(classes)[1] if classes is not None and len(classes) == 2 else None


def scored_values(metric: str, predict: Callable[[], Any], predict_proba: Callable[[], Any], classes: Any) -> list:
    """What ``metric`` scores, as a JSON-ready list: the positive class's probability for ROC AUC, else the predictions."""
    if metric == "roc_auc":
        column = list(classes).index(positive_class(classes))
        return np.asarray(predict_proba())[:, column].astype(float).tolist()
    return np.asarray(predict()).tolist()


def score(metric: str, y_true: Any, values: Any, positive: Any = None) -> float:
    """``metric`` of ``values`` (from :func:`scored_values`) against ``y_true``; ``positive`` is ROC AUC's positive class."""
    y_true, values = np.asarray(y_true), np.asarray(values)
    if metric == "roc_auc":
        return float(roc_auc_score(y_true == positive, values))
    if metric == "balanced_accuracy":
        return float(balanced_accuracy_score(y_true, values))
    if metric == "r2":
        return float(r2_score(y_true, values))
    raise SystemExit(f"no scorer for metric {metric!r}")


def paired_interval(metric: str, y_true: Any, ours: list[Any], theirs: list[Any], positive: Any = None,
                    resamples: int = RESAMPLES, seed: int = 0) -> tuple[float, float, float]:
    """Mean score of the runs ``ours`` minus that of ``theirs``, and its 95 % paired-bootstrap interval over the test rows."""
    y_true = np.asarray(y_true)
    ours, theirs = [np.asarray(v) for v in ours], [np.asarray(v) for v in theirs]

    def difference(rows: Any) -> float:
        mean = lambda runs: np.mean([score(metric, y_true[rows], v[rows], positive) for v in runs])  # noqa: E731
        return float(mean(ours) - mean(theirs))

    rng = np.random.default_rng(seed)
    drawn = [difference(rng.integers(0, len(y_true), len(y_true))) for _ in range(resamples)]
    low, high = np.percentile(drawn, [2.5, 97.5])
    return difference(slice(None)), float(low), float(high)
