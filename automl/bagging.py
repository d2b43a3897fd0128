"""The registered model: the chosen pipeline fitted on all rows several times, each time without another fold, and averaged.

Averaging fits that each saw other rows lowers the variance of the predictions (bagging, as
with the fold models of AutoGluon's bagged ensembles); ``benchmarks/final_fits.py`` measures
it against one fit on all rows. An ensemble (soft voting, or averaging regressors) is bagged
member by member: averaging is linear, so this is the same model, and a forest member is
fitted once (forests average their own trees already; copies would only multiply their size)
while the others are still bagged. Each fit is one Dask task; fits not ready by the deadline
are left out. The model already fitted on the training rows (all rows but the holdout) joins
the average (:func:`with_fit`).
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


def parts(model: Any) -> list[Any]:
    """What is bagged separately: an averaging ensemble's members, else the model itself."""
    if isinstance(model, VotingRegressor) or (isinstance(model, VotingClassifier) and model.voting == "soft"):
        return [member for _, member in model.estimators]
    return [model]


def fits_for(model: Any, folds: int) -> int:
    """How many fits to average: ``folds``, or one for a model that holds a forest."""
    pieces = [model, *model.get_params(deep=True).values()]
    return 1 if any(isinstance(piece, _FORESTS) for piece in pieces) else folds


def submit(model: Any, X: Any, y: np.ndarray, folds: int, classification: bool, random_state: int, client: Any) -> list[list[Any]]:
    """Start the fits of each of ``model``'s parts on ``client``'s workers: all rows, or all rows but one fold each.

    Returns one list of futures per part. The first fit of every part is queued before the
    second of any, so that each part has a fit early.
    """
    data = client.scatter([X, y], hash=False, broadcast=True)
    splitter = (StratifiedKFold if classification else KFold)(max(2, folds), shuffle=True, random_state=random_state)
    bags = [train for train, _ in splitter.split(X, y)] if folds > 1 else []
    rows = [[None] if fits_for(part, folds) == 1 else bags for part in parts(model)]
    futures: list[list[Any]] = [[] for _ in rows]
    for k in range(max(len(r) for r in rows)):
        for part, part_rows, part_futures in zip(parts(model), rows, futures):
            if k < len(part_rows):
                part_futures.append(client.submit(fit_rows, part, data[0], data[1], part_rows[k], pure=False))
    return futures


def collect(futures: list[list[Any]], seconds: float) -> list[list[Any]]:
    """Each part's fitted models ready within ``seconds``; the others are cancelled. A failed fit raises."""
    every = [f for per_part in futures for f in per_part]
    try:
        wait(every, timeout=max(0.0, seconds))
    except TimeoutError:
        pass  # use what is ready
    try:
        return [[f.result() for f in per_part if f.status in ("finished", "error")] for per_part in futures]
    finally:
        for future in every:
            future.cancel()


def with_fit(model: Any, fitted: Any, fits: list[list[Any]], folds: int) -> list[list[Any]]:
    """``fits`` (:func:`collect`) and, in each bagged part, that part of ``fitted``: ``model`` fitted on the training rows.

    The training rows are all rows but the holdout: one more fit that left out a share of the
    rows, already made, so one more in the average at no cost. It counts most when few fits
    are ready: one fit on all rows but a fold scores below one on all rows, two averaged do not.
    Added only when every part has a fit ready (otherwise the training-rows model stands).
    """
    if folds <= 1 or not all(fits):
        return fits
    pieces = [fitted] if parts(model)[0] is model else list(fitted.estimators_)
    return [part_fits + [piece] if fits_for(part, folds) > 1 else part_fits
            for part, piece, part_fits in zip(parts(model), pieces, fits)]


def combine(model: Any, fitted: list[list[Any]], X: Any, y: np.ndarray, classification: bool) -> Any | None:
    """``model`` made of its parts' fits (:func:`collect`), each part's fits averaged; None if a part has none."""
    if not all(fitted):
        return None
    averaged = [average(fits, X, y, classification) for fits in fitted]
    if parts(model)[0] is model:
        return averaged[0]
    members = [(name, FrozenEstimator(member)) for (name, _), member in zip(model.estimators, averaged)]
    return type(model)(**{**model.get_params(deep=False), "estimators": members}).fit(X, y)


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
