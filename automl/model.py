"""Pieces of the exported model that scikit-learn lacks.

This module imports only numpy and scikit-learn: MLflow pickles it by value into the
model, so a registered model loads where automl is not installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import Ridge


class DecodeLabels(ClassifierMixin, BaseEstimator):
    """Wraps a classifier trained on label codes so it predicts the original labels."""

    def __init__(self, estimator: Any = None, classes: Any = None):
        self.estimator = estimator
        self.classes = classes

    def fit(self, X, y):
        codes = np.searchsorted(self.classes, y)
        self.estimator.fit(X, codes)
        return self

    @property
    def classes_(self) -> np.ndarray:
        return np.asarray(self.classes)

    def predict(self, X):
        return self.classes_[np.asarray(self.estimator.predict(X), dtype=int)]

    def predict_proba(self, X):
        return self.estimator.predict_proba(X)

    def __sklearn_is_fitted__(self) -> bool:
        return True


class BoundedRidge(Ridge):
    """Ridge regression whose predictions stay within the range of the targets it was fitted on.

    A linear model extrapolates: a row beyond the training rows (a house larger than any
    seen) gets a prediction beyond any value seen, several times too large on a log scale,
    where errors are exponentiated; one such row can cost a model most of its R².
    """

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight)
        self.target_range_ = (float(np.min(y)), float(np.max(y)))
        return self

    def predict(self, X):
        return np.clip(super().predict(X), *self.target_range_)
