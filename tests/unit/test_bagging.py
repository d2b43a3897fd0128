import time

import numpy as np
import pytest
from distributed import Client
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import (
    HistGradientBoostingRegressor,
    RandomForestRegressor,
    VotingClassifier,
    VotingRegressor,
)
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from automl import bagging


@pytest.fixture(scope="module")
def client():
    with Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as c:
        yield c


class _Slow(RegressorMixin, BaseEstimator):
    def __init__(self, seconds=2.0):
        self.seconds = seconds

    def fit(self, X, y):
        time.sleep(self.seconds)
        return self


class _Broken(RegressorMixin, BaseEstimator):
    def fit(self, X, y):
        raise ValueError("cannot fit")


def test_forests_are_fitted_once_wherever_they_are():
    assert bagging.fits_for(HistGradientBoostingRegressor(), 5) == 5
    assert bagging.fits_for(Pipeline([("scale", StandardScaler()), ("model", Ridge())]), 5) == 5
    assert bagging.fits_for(RandomForestRegressor(), 5) == 1
    blend = VotingRegressor([("ridge", Ridge()), ("forest", RandomForestRegressor())])
    assert bagging.fits_for(blend, 5) == 1
    assert bagging.parts(blend) == [m for _, m in blend.estimators] and isinstance(bagging.parts(Ridge())[0], Ridge)
    hard = VotingClassifier([("a", DummyClassifier()), ("b", DummyClassifier())], voting="hard")
    assert bagging.parts(hard) == [hard]  # majority votes do not average: bagged as a whole


def test_each_fit_leaves_out_another_fold_and_the_model_averages_them(client):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(100, 3)), rng.normal(size=100)
    futures = bagging.submit(DummyRegressor(), X, y, 4, False, 7, client)
    [fitted] = bagging.collect(futures, 30)
    # A constant model learns the mean of the rows it saw: all rows but one fold of four.
    expected = sorted(float(y[rows].mean()) for rows, _ in KFold(4, shuffle=True, random_state=7).split(X))
    assert sorted(float(m.constant_[0][0]) for m in fitted) == pytest.approx(expected)
    model = bagging.combine(DummyRegressor(), [fitted], X, y, False)
    assert isinstance(model, VotingRegressor) and all(isinstance(e, FrozenEstimator) for e in model.estimators_)
    assert model.predict(X[:3]) == pytest.approx(np.full(3, np.mean(expected)))


def test_a_classifier_averages_probabilities_over_every_class(client):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(90, 2)), np.repeat([0, 1, 2], 30)
    fitted = bagging.collect(bagging.submit(DummyClassifier(strategy="prior"), X, y, 3, True, 0, client), 30)
    model = bagging.combine(DummyClassifier(strategy="prior"), fitted, X, y, True)
    assert isinstance(model, VotingClassifier) and model.classes_.tolist() == [0, 1, 2]
    # Stratified folds: each fit saw the three classes in equal shares.
    assert model.predict_proba(X[:2]) == pytest.approx(np.full((2, 3), 1 / 3))


def test_one_fit_is_the_model_itself_on_all_rows(client):
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    [fitted] = bagging.collect(bagging.submit(DummyRegressor(), X, y, 1, False, 0, client), 30)
    assert len(fitted) == 1 and bagging.combine(DummyRegressor(), [fitted], X, y, False) is fitted[0]
    assert fitted[0].constant_[0][0] == pytest.approx(y.mean())


def test_an_ensemble_is_bagged_member_by_member_its_forest_fitted_once(client):
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(100, 3)), rng.normal(size=100)
    blend = VotingRegressor([("mean", DummyRegressor()), ("forest", RandomForestRegressor(n_estimators=5, random_state=0)),
                             ("median", DummyRegressor(strategy="median"))], weights=[2, 1, 1])
    fitted = bagging.collect(bagging.submit(blend, X, y, 4, False, 3, client), 30)
    assert [len(fits) for fits in fitted] == [4, 1, 4]
    model = bagging.combine(blend, fitted, X, y, False)
    assert isinstance(model, VotingRegressor) and model.weights == [2, 1, 1]
    # Averaging is linear: the ensemble of bagged members is the bag of ensembles.
    folds = [rows for rows, _ in KFold(4, shuffle=True, random_state=3).split(X)]
    means = np.mean([y[rows].mean() for rows in folds])
    medians = np.mean([np.median(y[rows]) for rows in folds])
    forest = RandomForestRegressor(n_estimators=5, random_state=0).fit(X, y).predict(X[:3])
    assert model.predict(X[:3]) == pytest.approx((2 * means + forest + medians) / 4)
    # A part without any fit ready leaves nothing to combine.
    assert bagging.combine(blend, [fitted[0], [], fitted[2]], X, y, False) is None


def test_fits_not_ready_by_the_deadline_are_left_out_and_a_failed_fit_raises(client):
    X, y = np.zeros((20, 2)), np.zeros(20)
    started = time.monotonic()
    assert bagging.collect(bagging.submit(_Slow(), X, y, 2, False, 0, client), 0.3) == [[]]
    assert time.monotonic() - started < 3
    with pytest.raises(ValueError, match="cannot fit"):
        bagging.collect(bagging.submit(_Broken(), X, y, 2, False, 0, client), 10)


def test_the_training_rows_model_joins_the_average_of_each_bagged_part():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    ridge, forest, other = Ridge().fit(X, y), RandomForestRegressor(n_estimators=2).fit(X, y), Ridge().fit(X, -y)
    assert bagging.with_fit(Ridge(), ridge, [[other]], 5) == [[other, ridge]]
    blend = VotingRegressor([("ridge", Ridge()), ("forest", RandomForestRegressor(n_estimators=2))])
    fitted_blend = VotingRegressor([("ridge", Ridge()), ("forest", RandomForestRegressor(n_estimators=2))]).fit(X, y)
    # The forest was fitted once on all rows: it keeps that fit alone.
    ridge_fits, forest_fits = bagging.with_fit(blend, fitted_blend, [[other], [forest]], 5)
    assert ridge_fits == [other, fitted_blend.estimators_[0]] and forest_fits == [forest]
    # Nothing to add to: a part without a fit ready, or a single fit on all rows asked for.
    assert bagging.with_fit(blend, fitted_blend, [[other], []], 5) == [[other], []]
    assert bagging.with_fit(Ridge(), ridge, [[other]], 1) == [[other]]
