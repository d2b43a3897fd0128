"""Named search-space presets and custom spaces, built from TPOT 1.x building blocks."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from automl.errors import SearchSpaceError
from automl.schemas import CustomSearchSpace, SearchSpacePreset

log = logging.getLogger(__name__)

# Our own presets (automl.tabular_space): "fast" tries gradient boosting and linear models,
# "default" adds random forests, extra trees and a boosting+linear blend.
TABULAR_PRESETS = ("fast", "default")
# Presets that TPOT itself defines; passed through by name.
TPOT_TEMPLATES = ("linear-light", "linear", "graph-light", "graph")
PRESETS: tuple[str, ...] = (*TABULAR_PRESETS, *TPOT_TEMPLATES)


@dataclass(frozen=True)
class DataShape:
    """What the search space is scaled and shaped by."""

    n_samples: int
    n_features: int
    n_classes: int | None
    nonnegative_target: bool = False


def shape_of(features: pd.DataFrame, target: pd.Series, classes: int, holdout_fraction: float) -> DataShape:
    """The shape of the training rows (``classes`` is 0 for regression)."""
    nonnegative = not classes and bool((pd.to_numeric(target) >= 0).all())
    return DataShape(int(len(target) * (1 - holdout_fraction)), features.shape[1], classes or None, nonnegative)


@dataclass(frozen=True)
class Encoding:
    """The model's input matrix, as the search space needs to know it.

    ``columns`` maps each input column to its encoded columns, ``categorical`` lists the
    category code columns and ``levels`` how many codes each of them holds.
    """

    columns: dict[str, list[int]]
    categorical: list[int]
    levels: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class SearchSpacePlan:
    """A checked search-space choice, built into a TPOT space once the model's inputs are known.

    Feature sets name the table's columns; the model sees encoded columns, so they are
    translated with ``columns`` (input column → encoded column indices) at build time.
    """

    spec: str | CustomSearchSpace
    classification: bool
    shape: DataShape
    random_state: int | None = None

    @property
    def categories(self) -> str:
        """How the model's input encodes categorical columns: "ordinal" codes or "one_hot"."""
        return "ordinal" if self.spec in TABULAR_PRESETS else "one_hot"

    def build(self, encoding: Encoding) -> tuple[Any, list[Any]]:
        """The TPOT search space and the individuals to evaluate first (none for TPOT's own spaces)."""
        params = {
            "n_classes": self.shape.n_classes or 2,
            "n_samples": self.shape.n_samples,
            "n_features": self.shape.n_features,
            "random_state": self.random_state,
        }
        if isinstance(self.spec, CustomSearchSpace):
            return _custom(self.spec, self.classification, params, encoding.columns), []
        if self.spec in TPOT_TEMPLATES:
            return self.spec, []
        from automl import tabular_space

        n_inputs = sum(len(i) for i in encoding.columns.values()) or self.shape.n_features
        return tabular_space.build(
            self.spec, self.classification, self.shape.n_samples, n_inputs, encoding.categorical, self.random_state,
            self.shape.nonnegative_target, encoding.levels,
        )


def build_search_space(
    spec: SearchSpacePreset | CustomSearchSpace | str,
    classification: bool,
    shape: DataShape,
    random_state: int | None = None,
    columns: list[str] | None = None,
) -> SearchSpacePlan:
    """Check ``spec`` against the task and the table's ``columns``; errors name the valid choices."""
    if not isinstance(spec, CustomSearchSpace) and spec not in PRESETS:
        raise SearchSpaceError(f"Unknown search-space preset {spec!r}. Choose one of: {', '.join(PRESETS)}.")
    if isinstance(spec, CustomSearchSpace) and spec.feature_sets and columns is not None:
        unknown = sorted({c for subset in spec.feature_sets.values() for c in subset} - set(columns))
        if unknown:
            raise SearchSpaceError(f"Feature sets name columns the table lacks: {unknown!r}. Columns: {columns!r}.")
    plan = SearchSpacePlan(spec, classification, shape, random_state)
    if isinstance(spec, CustomSearchSpace):  # fail now, not after the data is shipped to the cluster
        plan.build(Encoding({c: [i] for i, c in enumerate(columns or [])}, []))
    return plan


def _custom(spec: CustomSearchSpace, classification: bool, params: dict, columns: dict[str, list[int]] | None) -> Any:
    from tpot.search_spaces.nodes import FSSNode
    from tpot.search_spaces.pipelines import ChoicePipeline, GraphSearchPipeline, SequentialPipeline

    _check_task_family(spec.estimators, classification)
    optional = [_space([*names, "Passthrough"], params) for names in (spec.selectors, spec.transformers) if names]
    if spec.layout == "choice" and optional:
        raise SearchSpaceError(
            "layout 'choice' picks a single estimator; selectors and transformers need layout "
            "'sequential' or 'graph'."
        )
    estimators = _space(spec.estimators, params)
    if spec.layout == "graph":
        inner = ChoicePipeline(optional) if optional else None
        body = GraphSearchPipeline(root_search_space=estimators, inner_search_space=inner, max_size=8)
    else:
        body = SequentialPipeline([*optional, estimators]) if optional else estimators
    if spec.feature_sets:
        columns = columns or {}
        subsets = {
            name: sorted(i for column in subset for i in columns.get(column, [])) for name, subset in spec.feature_sets.items()
        }
        return SequentialPipeline([FSSNode(subsets=subsets), body])
    return body


def _space(names: list[str], params: dict) -> Any:
    from tpot.config import get_search_space

    try:
        return get_search_space(list(names), **params)
    except Exception as exc:  # TPOT raises bare errors for unknown names
        raise SearchSpaceError(
            f"TPOT has no component among {names!r} that it can build ({exc}). Use names from "
            "tpot.config (e.g. RandomForestClassifier, LogisticRegression, StandardScaler, SelectFwe)."
        ) from exc


def _check_task_family(estimators: list[str], classification: bool) -> None:
    from sklearn.base import is_classifier, is_regressor
    from tpot.config.get_configspace import STRING_TO_CLASS

    unknown = [n for n in estimators if n not in STRING_TO_CLASS]
    if unknown:
        raise SearchSpaceError(
            f"Unknown TPOT estimators {unknown!r}. Known: {', '.join(sorted(STRING_TO_CLASS))}."
        )
    fits = is_classifier if classification else is_regressor
    wrong = [n for n in estimators if not fits(STRING_TO_CLASS[n]())]
    if wrong:
        kind = "classification" if classification else "regression"
        raise SearchSpaceError(f"Estimators {wrong!r} do not fit a {kind} task; choose {kind} estimators.")
