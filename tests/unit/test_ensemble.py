import time

import numpy as np
import pytest
from distributed import Client
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import balanced_accuracy_score, r2_score, roc_auc_score
from sklearn.model_selection import KFold, RepeatedKFold, StratifiedKFold
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from automl import ensemble

LATER = (time.time() + 3600, 0.01)  # deadline, seconds per extra ensemble member


@pytest.fixture(scope="module")
def client():
    with Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as c:
        yield c


def _data(n=400):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4))
    # A smooth part only a linear model sees well and a step only a tree sees well.
    signal = X[:, 0] + 2.0 * (X[:, 1] > 0.5) + rng.normal(scale=0.8, size=n)
    return X, signal


def test_scorer_scores_known_predictions_like_the_metric():
    y = np.array([0, 1, 1, 0, 1, 0])
    proba = np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.4, 0.6], [0.1, 0.9], [0.9, 0.1]])
    classes = np.array([0, 1])
    assert ensemble._scorer("roc_auc", y, classes)(proba) == pytest.approx(roc_auc_score(y, proba[:, 1]))
    labels = proba.argmax(axis=1)
    assert ensemble._scorer("balanced_accuracy", y, classes)(proba) == pytest.approx(balanced_accuracy_score(y, labels))
    values = np.array([1.0, 2.0, 3.0])
    assert ensemble._scorer("r2", np.array([1.0, 2.5, 2.5]), None)(values) == pytest.approx(
        r2_score([1.0, 2.5, 2.5], values)
    )
    folds = [np.array([0, 1, 2]), np.array([3, 4, 5])]
    per_fold = ensemble._fold_scorer("roc_auc", y, folds, 2, True)(proba[None])
    assert per_fold.tolist() == pytest.approx([roc_auc_score(y[f], proba[f, 1]) for f in folds])
    # Repeated folds: each repeat's predictions are scored on that repeat's folds.
    again = proba[::-1]
    twice = ensemble._fold_scorer("roc_auc", y, folds * 2, 2, True)(np.stack([proba, again]))
    assert twice.tolist() == pytest.approx(per_fold.tolist() + [roc_auc_score(y[f], again[f, 1]) for f in folds])


def test_complementary_models_blend_into_a_weighted_ensemble_that_beats_the_best(client):
    X, signal = _data()
    y = (signal > np.median(signal)).astype(int)
    candidates = [LogisticRegression(), DecisionTreeClassifier(max_depth=2, random_state=0)]
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    chosen = ensemble.select(candidates, X, y, cv, "roc_auc", True, client, *LATER)
    assert chosen.kind == "ensemble" and isinstance(chosen.model, VotingClassifier)
    assert chosen.score > chosen.scores["best"] and set(chosen.weights) == {0, 1}
    assert chosen.margin > chosen.standard_error > 0
    assert chosen.model.fit(X, y).predict_proba(X).shape == (len(y), 2)
    assert chosen.describe()["members"] == 2


def test_regression_and_the_cases_without_an_ensemble(client):
    X, signal = _data()
    cv = KFold(5, shuffle=True, random_state=0)
    pair = [LinearRegression(), DecisionTreeRegressor(max_depth=2, random_state=0)]
    chosen = ensemble.select(pair, X, signal, cv, "r2", False, client, *LATER)
    assert chosen.kind == "ensemble" and isinstance(chosen.model, VotingRegressor)
    alone = ensemble.select(pair[:1], X, signal, cv, "r2", False, client, *LATER)
    assert (alone.kind, alone.skipped, alone.model) == ("best", "one candidate", pair[0])
    late = ensemble.select(pair, X, signal, cv, "r2", False, client, time.time(), 0.01)
    assert late.kind == "best" and late.model is pair[0] and late.skipped.startswith("no time left")
    assert late.describe() == {"chosen": "best", "skipped": late.skipped}
    same = [LinearRegression(), LinearRegression(fit_intercept=True)]
    kept = ensemble.select(same, X, signal, cv, "r2", False, client, *LATER)
    assert kept.kind == "best" and kept.model is same[0]  # nothing to gain


def test_the_default_stays_unless_beaten_by_more_than_the_fold_noise(client):
    X, signal = _data()
    cv = KFold(5, shuffle=True, random_state=0)
    # A barely different challenger: within noise of the default, whichever scores higher.
    near = ensemble.select([Ridge(alpha=0.5)], X, signal, cv, "r2", False, client, *LATER, default=LinearRegression())
    assert near.kind == "default" and isinstance(near.model, LinearRegression)
    assert abs(near.margin) <= near.standard_error
    # A challenger far better than a weak default replaces it.
    stump = DecisionTreeRegressor(max_depth=1, random_state=0)
    far = ensemble.select([LinearRegression()], X, signal, cv, "r2", False, client, *LATER, default=stump)
    assert far.kind in ("best", "ensemble") and far.scores[far.kind] > far.scores["default"] + far.standard_error
    # The default found by the search itself is the incumbent, not a second contender.
    itself = ensemble.select([LinearRegression(), stump], X, signal, cv, "r2", False, client, *LATER,
                             default=LinearRegression())
    assert "default" not in itself.scores


def test_an_ensemble_is_scored_on_each_fold_with_members_chosen_on_the_others():
    rng = np.random.default_rng(1)
    y = rng.normal(size=300)
    weak = {i: 0.3 * y + rng.normal(size=(2, 300)) for i in range(6)}  # equally weak, noisy candidates, two repeats
    fold_scores = ensemble._fold_scorer("r2", y, [np.arange(k, 300, 5) for k in range(5)] * 2, 5, False)
    counts = ensemble._greedy(weak, lambda values: float(fold_scores(values).mean()))
    chosen_here = fold_scores(sum(weak[i] * n for i, n in counts.items()) / sum(counts.values()))
    honest = ensemble._cross_fitted(weak, fold_scores, 10, 5)
    assert honest.shape == chosen_here.shape == (10,)
    assert honest.mean() < chosen_here.mean()  # members chosen on a fold flatter it


def test_repeated_folds_give_a_comparison_fold_by_fold_over_every_repeat(client):
    X, signal = _data(120)
    stump = DecisionTreeRegressor(max_depth=1, random_state=0)
    chosen = ensemble.select([LinearRegression()], X, signal, RepeatedKFold(n_splits=5, n_repeats=3, random_state=0),
                             "r2", False, client, *LATER, default=stump)
    once = ensemble.select([LinearRegression()], X, signal, KFold(5, shuffle=True, random_state=0),
                           "r2", False, client, *LATER, default=stump)
    assert chosen.kind != "default" and once.kind != "default"
    assert chosen.margin > chosen.standard_error
    # Fifteen fold-by-fold differences instead of five: the standard error of their mean shrinks.
    assert 0 < chosen.standard_error < once.standard_error
    assert ensemble.repeats_for(100) == ensemble.MAX_REPEATS and ensemble.repeats_for(ensemble.REPEAT_ROWS) == 1


class _Slow(LinearRegression):
    """A default whose every fit takes a second."""

    seconds = 1.0

    def fit(self, X, y):
        time.sleep(self.seconds)
        return super().fit(X, y)


class _Slower(_Slow):
    seconds = 2.0


def test_a_default_not_ready_in_time_is_said_and_the_best_stands(client):
    X, signal = _data()
    cv = KFold(5, shuffle=True, random_state=0)
    chosen = ensemble.select([LinearRegression()], X, signal, cv, "r2", False, client, time.time() + 1.5, 0.01,
                             default=_Slow())
    assert chosen.kind == "best" and chosen.default_late and "default" not in chosen.scores
    assert chosen.describe()["default"] == "predictions not ready in time"


def test_the_default_predicted_before_the_search_is_not_predicted_again(client):
    X, signal = _data()
    cv = KFold(5, shuffle=True, random_state=0)
    assert ensemble.predict_default(_Slow(), X, signal, cv, False, client, 0.5) is None  # not ready: nothing half-made
    assert ensemble.predict_default(LinearRegression(), X, signal, cv, False, client, -0.03) is None  # no time: not tried
    known = ensemble.predict_default(LinearRegression(), X, signal, cv, False, client, 60)
    assert known.shape == (1, len(signal))
    # Its known predictions stand in for the default: a slow default is not fitted again, and is compared.
    chosen = ensemble.select([Ridge(alpha=0.5)], X, signal, cv, "r2", False, client, time.time() + 1.5, 0.01,
                             default=_Slow(), default_predictions=known)
    assert not chosen.default_late and chosen.kind == "default"
    fresh = ensemble.select([Ridge(alpha=0.5)], X, signal, cv, "r2", False, client, *LATER, default=LinearRegression())
    assert chosen.scores == pytest.approx(fresh.scores)


def test_a_short_deadline_compares_on_the_repeats_ready_for_the_best(client):
    X, signal = _data(120)
    cv = RepeatedKFold(n_splits=5, n_repeats=3, random_state=0)
    stump = DecisionTreeRegressor(max_depth=1, random_state=0)
    time.sleep(1.1)  # a slow fit cancelled while running still runs to its end
    # A repeat at a time: the fast pipeline's second repeat is ready after 4 s (behind the slow
    # one's first four 2 s fits on two threads), the slow one's first after 6 s, the fast one's
    # third not before 10 s.
    ready = ensemble._out_of_fold([LinearRegression(), _Slower()], X, signal, cv, False, client, 8)
    assert (len(ready[0]), len(ready[1])) == (2, 1)
    known = ensemble.predict_default(stump, X, signal, cv, False, client, 60)
    assert known.shape == (3, len(signal))
    time.sleep(2.1)
    chosen = ensemble.select([LinearRegression(), _Slower()], X, signal, cv, "r2", False, client, time.time() + 8, 0.01,
                             default=stump, default_predictions=known)
    assert chosen.folds == 10 and "default" in chosen.scores  # the best's two repeats; the slow one's one left out
    assert chosen.describe()["folds"] == 10
    assert ensemble.select([LinearRegression()], X, signal, cv, "r2", False, client, *LATER, default=stump).folds == 15
