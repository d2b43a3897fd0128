"""The final choice: the default configuration, the search's best pipeline, or an ensemble.

The default configuration (the *incumbent*, before the search) and, after the search, the
best few distinct pipelines predict each cross-validation fold they did not see, on the Dask
workers and with other folds than the search's (the best pipeline was chosen on those: they favour it);
small tables repeat those folds with other shuffles, since on a few hundred rows one row
moves a fold's score by a point or more.
From those predictions, members are added one at a time, with repetition, while the average
of their predictions scores better (greedy ensemble selection, Caruana et al., 2004); the
ensemble's score on each fold is that of members chosen on the other folds, since members
chosen on a fold flatter the ensemble there. The better of the search's best pipeline and that
ensemble replaces the incumbent only if it beats it on the same folds by more than one
standard error of the fold-by-fold differences (over all folds of all repeats, as in the
usual one-standard-error rule for repeated cross-validation): the best of many noisy cross-validation
scores is biased upwards, the more so the more pipelines were tried, and a default that
is as good within noise is the safer model. Without a default (TPOT's own spaces, custom
spaces) the search's best pipeline is the incumbent.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from distributed import wait
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.metrics import get_scorer
from sklearn.utils import _safe_indexing

from automl import bagging

log = logging.getLogger(__name__)

CANDIDATES = 4
MAX_MEMBERS = 20
# Below this many rows the fresh folds are repeated, up to MAX_REPEATS times.
REPEAT_ROWS, MAX_REPEATS = 1000, 5


def repeats_for(n_rows: int) -> int:
    """How many times to repeat the fresh folds: enough for about ``REPEAT_ROWS`` predictions."""
    return max(1, min(MAX_REPEATS, math.ceil(REPEAT_ROWS / n_rows)))


@dataclass(frozen=True)
class Choice:
    """The chosen model (unfitted) and the comparison that chose it.

    ``kind`` is "default", "best" (the search's best pipeline) or "ensemble"; ``scores``
    holds each contender's mean fold score; ``margin`` and ``standard_error`` are those of
    the challenger's fold-by-fold lead over the incumbent. ``skipped`` says why nothing was
    compared (the search's best then stands, with the score it was ranked by; or the default
    does, scored alone, when the search scored nothing); ``default_late``
    that the default's predictions were not ready in time, so the search's best was the one to beat;
    ``folds`` how many folds the scores are over (the repeats ready in time, see :func:`select`).
    """

    model: Any
    kind: str
    score: float
    scores: dict[str, float]
    margin: float = 0.0
    standard_error: float = 0.0
    weights: dict[int, int] = field(default_factory=dict)
    skipped: str | None = None
    default_late: bool = False
    folds: int = 0

    def describe(self) -> dict[str, Any]:
        """The decision as recorded in ``summary.json``."""
        if self.skipped:
            return {"chosen": self.kind, "skipped": self.skipped} | ({"cv_scores": self.scores, "folds": self.folds} if self.scores else {})
        found: dict[str, Any] = {"chosen": self.kind, "cv_scores": self.scores, "folds": self.folds,
                                 "margin": self.margin, "standard_error": self.standard_error}
        if self.default_late:
            found["default"] = "predictions not ready in time"
        if self.weights:
            found |= {"members": len(self.weights), "weights": {str(k): v for k, v in self.weights.items()}}
        return found


def select(
    pipelines: list[Any], X: Any, y: np.ndarray, cv: Any, metric: str, classification: bool, client: Any,
    deadline: float, member_seconds: float, default: Any | None = None, default_predictions: np.ndarray | None = None,
) -> Choice:
    """The final model among ``pipelines`` (the search's best first), their ensemble and ``default``.

    ``cv`` gives the folds (a ``Repeated*`` splitter repeats them). Out-of-fold predictions are computed on ``client``'s workers, the best pipeline's and the
    default's first (the default's are ``default_predictions`` where already known, see
    :func:`predict_default`), one repeat of the folds at a time. Where the deadline (a
    ``time.time()`` value) leaves fewer repeats than ``cv`` has, they are compared on the repeats
    ready for the best pipeline; those with fewer are left out. An ensemble is a contender only if
    the final fits of its extra members (``member_seconds`` each) fit in before then. When not
    even the best pipeline's first repeat is ready, or there is nothing to compare, the search's
    best stands and ``skipped`` says why.
    """
    contenders = list(pipelines)
    incumbent = next((i for i, p in enumerate(contenders) if _same(p, default)), None)
    if default is not None and incumbent is None:
        contenders.insert(1, default)
        incumbent = 1
    seconds = deadline - time.time()
    if len(contenders) < 2:
        return _unchallenged(contenders[0], "one candidate")
    if seconds <= 0:
        return _unchallenged(contenders[0], f"no time left for out-of-fold predictions ({seconds:.1f} s)")
    known = {incumbent: default_predictions} if default_predictions is not None and incumbent is not None else {}
    ready = _out_of_fold(contenders, X, y, cv, classification, client, seconds, known)
    if 0 not in ready:
        return _unchallenged(contenders[0], f"out-of-fold predictions not ready in {seconds:.1f} s")
    # Compared on the repeats of the folds ready for the best pipeline (and the default, if ready):
    # a contender with fewer is left out.
    repeats = min(len(ready[i]) for i in (0, incumbent) if i in ready)
    ready = {i: values[:repeats] for i, values in ready.items() if len(values) >= repeats}
    fold_scores, folds, per_repeat = _repeats_scorer(cv, X, y, repeats, metric, classification)
    options = {"best": (fold_scores(ready[0]), contenders[0])}
    counts = _greedy(ready, lambda values: float(fold_scores(values).mean()))
    if len(counts) >= 2 and (len(counts) - 1) * member_seconds < deadline - time.time():
        members = sorted(counts)
        voting = _voting([(i, contenders[i]) for i in members], [counts[i] for i in members], classification)
        options["ensemble"] = (_cross_fitted(ready, fold_scores, len(folds), per_repeat), voting)
    challenger = max(options, key=lambda kind: options[kind][0].mean())
    held, late = "best", False
    if incumbent not in (None, 0):
        if incumbent in ready:
            options["default"], held = (fold_scores(ready[incumbent]), contenders[incumbent]), "default"
        else:
            late = True
    lead = options[challenger][0] - options[held][0]
    margin = float(lead.mean())
    error = float(lead.std(ddof=1) / math.sqrt(len(lead))) if len(lead) > 1 else 0.0
    kind = challenger if challenger != held and margin > error else held
    scores = {name: float(values.mean()) for name, (values, _) in options.items()}
    lead_text = f"; {challenger} leads {held} by {margin:.4f} ± {error:.4f}" if challenger != held else ""
    shown = ", ".join(f"{name} {value:.4f}" for name, value in scores.items())
    log.info("Final choice: %s (mean scores on %d folds: %s%s).", kind, len(folds), shown, lead_text)
    return Choice(model=options[kind][1], kind=kind, score=scores[kind], scores=scores, margin=margin,
                  standard_error=error, weights=dict(counts) if kind == "ensemble" else {}, default_late=late,
                  folds=len(folds))


def default_alone(default: Any, X: Any, y: np.ndarray, cv: Any, metric: str, classification: bool, client: Any, seconds: float,
                  predictions: np.ndarray | None = None) -> Choice | None:
    """The default configuration as the final model of a search that scored no pipeline; ``None`` if it cannot be scored either.

    It is scored on ``cv``'s folds from ``predictions`` (see :func:`predict_default`), made now
    within ``seconds`` where they were not ready before the search.
    """
    if predictions is None:
        predictions = predict_default(default, X, y, cv, classification, client, seconds)
    if predictions is None:
        return None
    fold_scores, folds, _ = _repeats_scorer(cv, X, y, len(predictions), metric, classification)
    score = float(fold_scores(predictions).mean())
    return Choice(model=default, kind="default", score=score, scores={"default": score},
                  skipped="the search scored no pipeline", folds=len(folds))


def _unchallenged(best: Any, reason: str) -> Choice:
    log.info("Final choice skipped (%s): the search's best pipeline stands.", reason)
    return Choice(model=best, kind="best", score=math.nan, scores={}, skipped=reason)


def _same(a: Any, b: Any) -> bool:
    """Whether two unfitted estimators are the same class with the same parameters."""
    if b is None or type(a) is not type(b):
        return False
    try:
        return bool(a.get_params(deep=False) == b.get_params(deep=False))
    except ValueError:  # parameters that are arrays
        return False


def predict_default(default: Any, X: Any, y: np.ndarray, cv: Any, classification: bool, client: Any, seconds: float) -> np.ndarray | None:
    """The default's out-of-fold predictions for :func:`select`, computed before the search; ``None`` if no repeat is ready within ``seconds``.

    The default is known before the search starts: with its predictions made then, the final
    choice always has its incumbent, however little time the search leaves it. With no time
    left (a slow start used the budget up), nothing is tried.
    """
    if seconds <= 0:
        return None
    return _out_of_fold([default], X, y, cv, classification, client, seconds).get(0)


def _out_of_fold(pipelines: list[Any], X: Any, y: np.ndarray, cv: Any, classification: bool, client: Any, seconds: float,
                 known: dict[int, np.ndarray] | None = None) -> dict[int, np.ndarray]:
    """Each pipeline's out-of-fold predictions (probabilities for classifiers) ready within ``seconds``, by index.

    A pipeline's predictions have one row of values per repeat of the folds (``cv.n_repeats``)
    ready, the first repeats first; a pipeline with none complete is left out. Those ``known``
    already are not computed again.

    One task per pipeline and fold, a repeat at a time and the pipelines in order within it:
    folds spread over the workers, what is still running at the deadline is one fold's fit, not
    a whole cross-validation, and a short deadline leaves every pipeline the same first repeats.
    """
    method = "predict_proba" if classification else "predict"
    known = known or {}
    # On every worker: scattered to one, all the tasks would queue there for the data.
    data = client.scatter([X, y], hash=False, broadcast=True)
    folds = list(cv.split(X, y))
    per_repeat = len(folds) // getattr(cv, "n_repeats", 1)
    todo = [i for i in range(len(pipelines)) if i not in known]
    futures: dict[int, list[Any]] = {i: [] for i in todo}
    order = 0  # Dask runs separate submissions in no set order: priorities set it
    for start in range(0, len(folds), per_repeat):
        for i in todo:
            for train, test in folds[start:start + per_repeat]:
                order -= 1
                futures[i].append(client.submit(_predict_fold, pipelines[i], data[0], data[1], train, test, method,
                                                pure=False, priority=order))
    try:
        wait([f for per_fold in futures.values() for f in per_fold], timeout=seconds)
    except TimeoutError:
        pass  # use what is ready
    ready = dict(known)
    for i, per_fold in futures.items():
        done = next((j for j, f in enumerate(per_fold) if f.status != "finished"), len(per_fold)) // per_repeat
        if done:
            parts = [f.result() for f in per_fold[:done * per_repeat]]
            ready[i] = np.empty((done, len(y), *parts[0].shape[1:]))
            for j, ((_, test), part) in enumerate(zip(folds, parts)):
                ready[i][j // per_repeat, test] = part
        for future in per_fold:
            future.cancel()
    return ready


def _predict_fold(pipeline: Any, X: Any, y: np.ndarray, train: np.ndarray, test: np.ndarray, method: str) -> np.ndarray:
    return getattr(bagging.fit_rows(pipeline, X, y, train), method)(_safe_indexing(X, test))


def _voting(members: list[tuple[int, Any]], weights: list[int], classification: bool) -> Any:
    named = [(f"member_{i}", clone(p)) for i, p in members]
    return VotingClassifier(named, voting="soft", weights=weights) if classification else VotingRegressor(named, weights=weights)


def _greedy(predictions: dict[int, np.ndarray], score: Any) -> Counter:
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
    return chosen


def _cross_fitted(predictions: dict[int, np.ndarray], fold_scores: Any, n_folds: int, per_repeat: int) -> np.ndarray:
    """The greedy ensemble's score on each of ``n_folds`` folds, its members chosen on the other folds of its repeat."""
    scores = []
    for k in range(n_folds):
        first = k - k % per_repeat
        others = [j for j in range(first, first + per_repeat) if j != k]
        counts = _greedy(predictions, lambda values: float(fold_scores(values, others).mean()))
        average = sum(predictions[i] * n for i, n in counts.items()) / sum(counts.values())
        scores.append(fold_scores(average, [k])[0])
    return np.array(scores)


def _repeats_scorer(cv: Any, X: Any, y: np.ndarray, repeats: int, metric: str, classification: bool) -> tuple[Any, list[np.ndarray], int]:
    """The fold scorer over ``cv``'s first ``repeats`` repeats of its folds, those folds' test rows, and folds per repeat."""
    folds = [test for _, test in cv.split(X, y)]
    per_repeat = len(folds) // getattr(cv, "n_repeats", 1)
    folds = folds[:repeats * per_repeat]
    return _fold_scorer(metric, y, folds, per_repeat, classification), folds, per_repeat


def _fold_scorer(metric: str, y: np.ndarray, folds: list[np.ndarray], per_repeat: int, classification: bool) -> Any:
    """Out-of-fold predictions (one row per repeat) → the metric on each fold (or on the folds given), as the search scored them."""
    classes = np.unique(y) if classification else None
    per_fold = [(_scorer(metric, y[test], classes), j // per_repeat, test) for j, test in enumerate(folds)]

    def scores(values: np.ndarray, only: list[int] | None = None) -> np.ndarray:
        chosen = per_fold if only is None else [per_fold[k] for k in only]
        return np.array([score(values[repeat, test]) for score, repeat, test in chosen])

    return scores


def _scorer(metric: str, y: np.ndarray, classes: np.ndarray | None) -> Any:
    """Predictions (probabilities for classifiers with ``classes``) → the metric against ``y``."""
    scorer = get_scorer(metric)
    rows = np.zeros((len(y), 0))
    if classes is not None:
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
