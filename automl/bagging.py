"""The registered model: the chosen pipeline fitted on all rows several times, each time without another fold, and averaged.

Averaging fits that each saw other rows lowers the variance of the predictions (bagging, as
with the fold models of AutoGluon's bagged ensembles); ``benchmarks/final_fits.py`` measures
it against one fit on all rows. Each fit is one Dask task; fits not ready by the deadline are
left out. Forests are fitted once: they average their own trees already, and copies would only
multiply their size.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from distributed import wait
from sklearn.base import clone
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
    VotingClassifier,
    VotingRegressor,
)
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils import _safe_indexing

_FORESTS = (RandomForestClassifier, RandomForestRegressor, ExtraTreesClassifier, ExtraTreesRegressor)


def fits_for(model: Any, folds: int) -> int:
    """How many fits to average: ``folds``, or one for a model that holds a forest."""
    parts = [model, *model.get_params(deep=True).values()]
    return 1 if any(isinstance(part, _FORESTS) for part in parts) else folds


def submit(model: Any, X: Any, y: np.ndarray, fits: int, classification: bool, random_state: int, client: Any) -> list[Any]:
    """Start ``fits`` fits of ``model`` on ``client``'s workers: all rows, or all rows but one fold each."""
    data = client.scatter([X, y], hash=False, broadcast=True)
    if fits == 1:
        return [client.submit(fit_rows, model, data[0], data[1], None, pure=False)]
    splitter = (StratifiedKFold if classification else KFold)(fits, shuffle=True, random_state=random_state)
    return [client.submit(fit_rows, model, data[0], data[1], rows, pure=False) for rows, _ in splitter.split(X, y)]


def collect(futures: list[Any], seconds: float) -> list[Any]:
    """The fitted models ready within ``seconds``; the others are cancelled. A failed fit raises."""
    try:
        wait(futures, timeout=max(0.0, seconds))
    except TimeoutError:
        pass  # use what is ready
    ready = [f.result() for f in futures if f.status in ("finished", "error")]
    for future in futures:
        future.cancel()
    return ready


def average(fitted: list[Any], X: Any, y: np.ndarray, classification: bool) -> Any:
    """One model from fitted ones: itself if alone, else the average of their predictions (probabilities for classifiers)."""
    if len(fitted) == 1:
        return fitted[0]
    members = [(f"fit_{i}", FrozenEstimator(m)) for i, m in enumerate(fitted)]
    voting = VotingClassifier(members, voting="soft") if classification else VotingRegressor(members)
    return voting.fit(X, y)  # frozen members: this only records the classes and the input's width


def fit_rows(model: Any, X: Any, y: np.ndarray, rows: np.ndarray | None) -> Any:
    """A clone of ``model`` fitted on ``rows`` of ``X``, ``y`` (all of them if None)."""
    if rows is None:
        return clone(model).fit(X, y)
    return clone(model).fit(_safe_indexing(X, rows), y[rows])
