"""Greedy ensemble selection over the best pipelines' out-of-fold predictions.

After the search, the best few distinct pipelines predict each cross-validation fold they
did not see (on the Dask workers, with the search's own folds). Members are then added one
at a time, with repetition, as long as the average of their predictions scores better
(Caruana et al., 2004). The result is a weighted soft-voting ensemble, kept only when its
out-of-fold score beats the best single pipeline's.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from distributed import wait
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.metrics import get_scorer
from sklearn.model_selection import cross_val_predict

log = logging.getLogger(__name__)

CANDIDATES = 4
MAX_MEMBERS = 20


@dataclass(frozen=True)
class Ensemble:
    """The chosen ensemble and how it compares with the best single pipeline."""

    model: Any
    score: float
    best_single_score: float
    weights: dict[int, int]


def select(
    pipelines: list[Any], X: Any, y: np.ndarray, cv: Any, metric: str, classification: bool, client: Any, seconds: float
) -> Ensemble | None:
    """The best weighted ensemble of ``pipelines`` (best first), or None if none beats the first alone.

    Out-of-fold predictions are computed on ``client``'s workers; those not ready within
    ``seconds`` are left out.
    """
    if len(pipelines) < 2 or seconds <= 0:
        return None
    method = "predict_proba" if classification else "predict"
    data = client.scatter([X, y], hash=False)
    futures = [client.submit(cross_val_predict, p, data[0], data[1], cv=cv, method=method, pure=False) for p in pipelines]
    try:
        wait(futures, timeout=seconds)
    except TimeoutError:
        pass  # use what is ready
    ready = {i: f.result() for i, f in enumerate(futures) if f.status == "finished"}
    for future in futures:
        future.cancel()
    if 0 not in ready or len(ready) < 2:
        log.info("Ensemble skipped: %d of %d out-of-fold predictions ready in %.0f s.", len(ready), len(pipelines), seconds)
        return None
    score = _scorer(metric, y, classification)
    counts, ensemble_score = _greedy(ready, score)
    single = score(ready[0])
    if len(counts) < 2 or ensemble_score <= single:
        return None
    members = [(f"member_{i}", clone(pipelines[i])) for i in sorted(counts)]
    weights = [counts[i] for i in sorted(counts)]
    model = (
        VotingClassifier(members, voting="soft", weights=weights) if classification else VotingRegressor(members, weights=weights)
    )
    return Ensemble(model=model, score=ensemble_score, best_single_score=single, weights=dict(counts))


def _greedy(predictions: dict[int, np.ndarray], score: Any) -> tuple[Counter, float]:
    """Members (with repetition) whose average scores best, added while the score improves."""
    chosen: Counter = Counter()
    total, best = 0.0, -np.inf
    for _ in range(MAX_MEMBERS):
        n = sum(chosen.values()) + 1
        trials = {i: score((total + p) / n) for i, p in predictions.items()}
        i = max(trials, key=trials.get)
        if trials[i] <= best:
            break
        chosen[i] += 1
        total, best = total + predictions[i], trials[i]
    return chosen, best


def _scorer(metric: str, y: np.ndarray, classification: bool) -> Any:
    scorer = get_scorer(metric)
    rows = np.zeros((len(y), 0))
    if classification:
        classes = np.unique(y)
        return lambda values: scorer(_KnownProbabilities(values, classes), rows, y)
    return lambda values: scorer(_KnownValues(values), rows, y)


class _KnownProbabilities(ClassifierMixin, BaseEstimator):
    """A classifier whose probabilities are already known, so that a scorer can score them."""

    def __init__(self, values: np.ndarray, classes: np.ndarray):
        self.values, self.classes_ = values, classes

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.values

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.values, axis=1)]


class _KnownValues(RegressorMixin, BaseEstimator):
    """A regressor whose predictions are already known, so that a scorer can score them."""

    def __init__(self, values: np.ndarray):
        self.values = values

    def predict(self, X: Any) -> np.ndarray:
        return self.values
