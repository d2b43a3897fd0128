"""Named search-space presets and custom spaces, built from TPOT 1.x building blocks."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from automl.errors import SearchSpaceError
from automl.schemas import CustomSearchSpace, SearchSpacePreset

log = logging.getLogger(__name__)

# Estimators per preset and task family. "fast" keeps to models that fit in well under a
# second on small tables; "default" adds the strong tabular learners.
_ESTIMATORS: dict[str, dict[bool, list[str]]] = {
    "fast": {
        True: ["LogisticRegression", "DecisionTreeClassifier", "RandomForestClassifier", "HistGradientBoostingClassifier"],
        False: ["RidgeCV", "DecisionTreeRegressor", "RandomForestRegressor", "HistGradientBoostingRegressor"],
    },
    "default": {
        True: [
            "HistGradientBoostingClassifier",
            "LGBMClassifier",
            "XGBClassifier",
            "RandomForestClassifier",
            "ExtraTreesClassifier",
            "LogisticRegression",
        ],
        False: [
            "HistGradientBoostingRegressor",
            "LGBMRegressor",
            "XGBRegressor",
            "RandomForestRegressor",
            "ExtraTreesRegressor",
            "ElasticNetCV",
        ],
    },
}
# Presets that TPOT itself defines; passed through by name.
TPOT_TEMPLATES = ("linear-light", "linear", "graph-light", "graph")
PRESETS: tuple[str, ...] = (*_ESTIMATORS, *TPOT_TEMPLATES)


@dataclass(frozen=True)
class DataShape:
    """What TPOT scales hyperparameter ranges by."""

    n_samples: int
    n_features: int
    n_classes: int | None


def build_search_space(
    spec: SearchSpacePreset | CustomSearchSpace | str,
    classification: bool,
    shape: DataShape,
    random_state: int | None = None,
) -> Any:
    """A TPOT search space (or template name) for ``spec``; errors name the valid choices."""
    params = {
        "n_classes": shape.n_classes or 2,
        "n_samples": shape.n_samples,
        "n_features": shape.n_features,
        "random_state": random_state,
    }
    if isinstance(spec, CustomSearchSpace):
        return _custom(spec, classification, params)
    if spec in TPOT_TEMPLATES:
        return spec
    if spec not in _ESTIMATORS:
        raise SearchSpaceError(f"Unknown search-space preset {spec!r}. Choose one of: {', '.join(PRESETS)}.")
    from tpot.search_spaces.pipelines import SequentialPipeline

    estimators = _space(_ESTIMATORS[spec][classification], params)
    if spec == "fast":
        return estimators
    scalers = _space(["StandardScaler", "Passthrough"], params)
    return SequentialPipeline([scalers, estimators])


def _custom(spec: CustomSearchSpace, classification: bool, params: dict) -> Any:
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
        return SequentialPipeline([FSSNode(subsets=spec.feature_sets), body])
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
