"""The built-in presets: estimator families for tabular data, their ranges and their seeds.

The model's input is the imputed table with one code column per categorical column. Each
family treats those codes its own way: gradient boosting as native categories, forests as
numbers, linear models one-hot encoded and standardized (a linear regressor's predictions
kept within its training targets' range: it would extrapolate). Ranges are log-scaled around the
library defaults and bounded by the number of training rows. Every family's default
configuration, plus a few known-good ones, are *seeds*: TPOT evaluates them first, so a
strong model exists within seconds and the search only has to improve on it. Native category
splits over many levels can overfit: when a column has more than ``FEW_LEVELS`` codes,
gradient boosting may also read only the columns with few levels as categories and the others
as ordered codes (a searched choice, with a seed of its own). A regression
target that is never negative (prices, counts, durations: errors that grow with the value)
may also be learned on a log scale, as one more choice of every family, and gradient
boosting may fit it with a Poisson loss (a log link that still predicts the mean), a choice
with a seed of its own.
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ConfigSpace import Categorical, Configuration, ConfigurationSpace, Float, Integer
from ConfigSpace.util import get_random_neighbor
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
    VotingClassifier,
    VotingRegressor,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from tpot.search_spaces.nodes import EstimatorNode
from tpot.search_spaces.nodes.estimator_node import EstimatorNodeIndividual
from tpot.search_spaces.pipelines import ChoicePipeline

from automl.model import BoundedRidge

# Rows per tree beyond which forests subsample (bounds their cost on large tables).
FOREST_MAX_ROWS = 20_000
# A slow-learning, small-tree, feature-subsampled configuration: the second boosting seed.
SLOW_BOOSTING = {"learning_rate": 0.03, "max_iter": 300, "max_leaf_nodes": 8, "min_samples_leaf": 20,
                 "l2_regularization": 1.0, "max_features": 0.5}
# Category columns with at most this many codes stay native categories in either choice of
# ``native_categories``.
FEW_LEVELS = 16
# Chance that a mutation moves one hyperparameter to a neighbouring value (else resample all).
LOCAL_MUTATION = 0.7


@dataclass(frozen=True)
class Family:
    """One estimator family: how to build it, what to tune, which configurations to try first."""

    name: str
    make: Any
    space: dict[str, Any] | ConfigurationSpace
    fixed: dict[str, Any] = field(default_factory=dict)
    seeds: tuple[dict[str, Any], ...] = ({},)


def linear_classifier(categorical: list[int], **params: Any) -> Pipeline:
    """One-hot categories, standardize everything, logistic regression."""
    return Pipeline([("encode", _one_hot(categorical)), ("model", LogisticRegression(**params))])


def linear_regressor(categorical: list[int], **params: Any) -> Pipeline:
    """One-hot categories, standardize everything, ridge regression predicting within the training targets' range."""
    return Pipeline([("encode", _one_hot(categorical)), ("model", BoundedRidge(**params))])


def gradient_boosting(make: Any, native: dict[str, list[int]], native_categories: str = "all", **params: Any) -> Any:
    """``make(**params)`` reading the code columns ``native[native_categories]`` as categories, the others as ordered codes."""
    return make(categorical_features=native[native_categories] or None, **params)


def blend_classifier(boosting: dict[str, Any], linear: dict[str, Any]) -> VotingClassifier:
    """Average of a gradient-boosting model's and a linear model's probabilities."""
    members = [("boosting", gradient_boosting(HistGradientBoostingClassifier, **boosting)), ("linear", linear_classifier(**linear))]
    return VotingClassifier(members, voting="soft")


def blend_regressor(boosting: dict[str, Any], linear: dict[str, Any]) -> VotingRegressor:
    """Average of a gradient-boosting model's and a linear model's predictions."""
    return VotingRegressor([("boosting", gradient_boosting(HistGradientBoostingRegressor, **boosting)), ("linear", linear_regressor(**linear))])


def on_target_scale(make: Any, target: str, **params: Any) -> Any:
    """``make(**params)``, learning ``log(1 + y)`` when ``target`` is "log" (predictions go back to ``y``)."""
    model = make(**params)
    return model if target == "raw" else TransformedTargetRegressor(model, func=np.log1p, inverse_func=np.expm1)


def _one_hot(categorical: list[int]) -> ColumnTransformer:
    encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    return ColumnTransformer([("one_hot", encoder, categorical)], remainder=StandardScaler())


def families(
    preset: str, classification: bool, n_rows: int, n_features: int, categorical: list[int], random_state: int | None,
    nonnegative: bool = False, levels: list[int] | None = None,
) -> list[Family]:
    """The families of ``preset`` ("fast" or "default"), with ranges scaled to the data.

    With ``nonnegative`` (a regression target never negative), every family may learn the
    target on a log scale, and boosting may use a Poisson loss (its default with that loss is
    one more seed). ``levels`` (codes per column of ``categorical``) decides whether boosting
    may read only the columns with few levels as categories.
    """
    seed = {"random_state": random_state} if random_state is not None else {}
    max_leaf = max(8, min(128, n_rows // 10))
    max_min_leaf = max(4, min(200, n_rows // 20))
    balance = {"class_weight": Categorical("class_weight", ["none", "balanced"], default="none")} if classification else {}
    few = [column for column, n in zip(categorical, levels) if n <= FEW_LEVELS] if levels else categorical
    native = {"native_categories": Categorical("native_categories", ["all", "few"], default="all")} if few != categorical else {}
    poisson = {"loss": Categorical("loss", ["squared_error", "poisson"], default="squared_error")} if nonnegative else {}
    boosting = Family(
        name="gradient boosting",
        make=_boosting(HistGradientBoostingClassifier if classification else HistGradientBoostingRegressor),
        space={
            "learning_rate": Float("learning_rate", (0.01, 0.3), log=True, default=0.1),
            "max_iter": Integer("max_iter", (30, 500), log=True, default=100),
            "max_leaf_nodes": Integer("max_leaf_nodes", (4, max_leaf), log=True, default=min(31, max_leaf)),
            "min_samples_leaf": Integer("min_samples_leaf", (2, max_min_leaf), log=True, default=min(20, max_min_leaf)),
            "l2_regularization": Float("l2_regularization", (1e-4, 10.0), log=True, default=1e-4),
            "max_features": Float("max_features", (0.3, 1.0), default=1.0),
            **balance,
            **native,
            **poisson,
        },
        fixed={"native": {"all": categorical, "few": few}, "early_stopping": "auto", **seed},
        seeds=({}, SLOW_BOOSTING, *([{"native_categories": "few"}] if native else []),
               *([{"loss": "poisson"}] if poisson else [])),
    )
    sqrt_share = max(0.1, min(1.0, round(math.sqrt(n_features) / max(n_features, 1), 2)))
    forest_space = {
        "max_features": Float("max_features", (0.1, 1.0), default=sqrt_share if classification else 1.0),
        "min_samples_leaf": Integer("min_samples_leaf", (1, max(2, max_min_leaf // 4)), log=True, default=1),
        **balance,
    }
    subsample = FOREST_MAX_ROWS / n_rows if n_rows > FOREST_MAX_ROWS else None
    forest_fixed = {"n_estimators": 100, "max_samples": subsample, "n_jobs": 1, **seed}
    forests = [
        Family("random forest", RandomForestClassifier if classification else RandomForestRegressor, forest_space, forest_fixed),
        Family("extra trees", ExtraTreesClassifier if classification else ExtraTreesRegressor, forest_space,
               {**forest_fixed, "bootstrap": subsample is not None}),
    ]
    if classification:
        linear = Family("linear", linear_classifier,
                        {"C": Float("C", (1e-3, 100.0), log=True, default=1.0), **balance},
                        {"categorical": categorical, "max_iter": 1000})
    else:
        linear = Family("linear", linear_regressor, {"alpha": Float("alpha", (1e-3, 1000.0), log=True, default=1.0)},
                        {"categorical": categorical})
    chosen = [boosting, linear] if preset == "fast" else [boosting, *forests, linear, _blend(boosting, linear, classification)]
    return [_on_log_scale(f) for f in chosen] if nonnegative else chosen


def _on_log_scale(family: Family) -> Family:
    """``family`` with the choice of target scale ("raw" by default, so its seeds stay as they were)."""
    scale = Categorical("target", ["raw", "log"], default="raw")
    if isinstance(family.space, ConfigurationSpace):
        space = copy.deepcopy(family.space)
        space.add(scale)
    else:
        space = {**family.space, "target": scale}
    make = _named(functools.partial(on_target_scale, family.make), family.make.__name__)
    return Family(family.name, make, space, family.fixed, family.seeds)


def _boosting(make: type) -> functools.partial:
    """The boosting family's builder: :func:`gradient_boosting` of ``make``, named after it."""
    return _named(functools.partial(gradient_boosting, make), make.__name__)


def _named(make: functools.partial, name: str) -> functools.partial:
    """``make`` named ``name``: TPOT names an individual after its method's ``__name__``."""
    make.__name__ = name
    return make


_MEMBERS = {"gradient boosting": "boosting", "linear": "linear"}


def _blend(boosting: Family, linear: Family, classification: bool) -> Family:
    """Boosting and linear averaged: both spaces, tuned together (``boosting:…``, ``linear:…``)."""
    space = ConfigurationSpace()
    for member in (boosting, linear):
        space.add_configuration_space(_MEMBERS[member.name], ConfigurationSpace(member.space), delimiter=":")
    seed = {f"boosting:{k}": v for k, v in SLOW_BOOSTING.items()}
    return Family("blend", blend_classifier if classification else blend_regressor, space,
                  {"boosting": boosting.fixed, "linear": linear.fixed}, seeds=(seed,))


def build(
    preset: str, classification: bool, n_rows: int, n_features: int, categorical: list[int], random_state: int | None,
    nonnegative: bool = False, levels: list[int] | None = None,
) -> tuple[ChoicePipeline, list[Any]]:
    """The TPOT search space of ``preset`` and its seed individuals, to be evaluated first."""
    chosen = families(preset, classification, n_rows, n_features, categorical, random_state, nonnegative, levels)
    nodes = [
        TabularNode(f.make, f.space if isinstance(f.space, ConfigurationSpace) else ConfigurationSpace(f.space),
                    functools.partial(_parameters, f.fixed))
        for f in chosen
    ]
    space = ChoicePipeline(nodes)
    rng = np.random.default_rng(random_state)
    seeds = []
    for family, node in zip(chosen, nodes):
        for overrides in family.seeds:
            individual = space.generate(rng)
            individual.node = node.generate(rng)
            defaults = dict(node.space.get_default_configuration())
            chosen_values = {k: _clip(node.space[k], v) for k, v in overrides.items() if k in defaults}
            individual.node.hyperparameters = {**defaults, **chosen_values}
            seeds.append(individual)
    return space, seeds


def _clip(hyperparameter: Any, value: Any) -> Any:
    """``value`` moved inside a numeric hyperparameter's bounds (ranges shrink on small tables)."""
    if hasattr(hyperparameter, "lower"):
        return type(value)(min(max(value, hyperparameter.lower), hyperparameter.upper))
    return value


def _parameters(fixed: dict[str, Any], tuned: dict[str, Any]) -> dict[str, Any]:
    """Estimator arguments: tuned values (``"none"`` meaning None) plus the family's fixed ones.

    Names ``member:name`` go to that member's arguments (the blend's).
    """
    arguments = {k: v for k, v in fixed.items() if k not in _MEMBERS.values()}
    members = {k: dict(v) for k, v in fixed.items() if k in _MEMBERS.values()}
    for name, value in tuned.items():
        value = None if value == "none" else value
        member, _, inner = name.rpartition(":")
        (members[member] if member else arguments)[inner] = value
    return {**arguments, **members}


class TabularIndividual(EstimatorNodeIndividual):
    """An estimator configuration whose mutations are mostly small steps (one neighbouring value)."""

    def mutate(self, rng=None):
        rng = np.random.default_rng(rng)
        if rng.random() >= LOCAL_MUTATION:
            return super().mutate(rng)
        current = Configuration(self.space, values=self.hyperparameters)
        self.hyperparameters = dict(get_random_neighbor(current, seed=int(rng.integers(0, 2**31))))
        return True


class TabularNode(EstimatorNode):
    """TPOT's estimator node, producing :class:`TabularIndividual`."""

    def generate(self, rng=None):
        return TabularIndividual(self.method, self.space, hyperparameter_parser=self.hyperparameter_parser, rng=rng)
