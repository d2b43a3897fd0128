import numpy as np
import pytest
from distributed import Client
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import balanced_accuracy_score, r2_score, roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from automl import ensemble


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
    assert ensemble._scorer("roc_auc", y, True)(proba) == pytest.approx(roc_auc_score(y, proba[:, 1]))
    labels = proba.argmax(axis=1)
    assert ensemble._scorer("balanced_accuracy", y, True)(proba) == pytest.approx(balanced_accuracy_score(y, labels))
    values = np.array([1.0, 2.0, 3.0])
    assert ensemble._scorer("r2", np.array([1.0, 2.5, 2.5]), False)(values) == pytest.approx(
        r2_score([1.0, 2.5, 2.5], values)
    )


def test_complementary_models_blend_into_a_weighted_ensemble_that_beats_the_best(client):
    X, signal = _data()
    y = (signal > np.median(signal)).astype(int)
    candidates = [LogisticRegression(), DecisionTreeClassifier(max_depth=2, random_state=0)]
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    chosen = ensemble.select(candidates, X, y, cv, "roc_auc", True, client, seconds=60)
    assert chosen is not None and isinstance(chosen.model, VotingClassifier)
    assert chosen.score > chosen.best_single_score and set(chosen.weights) == {0, 1}
    assert chosen.model.fit(X, y).predict_proba(X).shape == (len(y), 2)


def test_regression_and_the_cases_without_an_ensemble(client):
    X, signal = _data()
    cv = KFold(3, shuffle=True, random_state=0)
    pair = [LinearRegression(), DecisionTreeRegressor(max_depth=2, random_state=0)]
    chosen = ensemble.select(pair, X, signal, cv, "r2", False, client, seconds=60)
    assert chosen is not None and isinstance(chosen.model, VotingRegressor)
    assert ensemble.select(pair[:1], X, signal, cv, "r2", False, client, seconds=60) is None  # one candidate
    assert ensemble.select(pair, X, signal, cv, "r2", False, client, seconds=0) is None  # no time left
    same = [LinearRegression(), LinearRegression(fit_intercept=True)]
    assert ensemble.select(same, X, signal, cv, "r2", False, client, seconds=60) is None  # nothing to gain
