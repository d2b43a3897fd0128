"""Ridge regression as it was (plain) and with its predictions kept within its training targets' range.

Measured on each regression dataset's *train* split only (the test splits stay for the
comparison with the peers), by repeated 5-fold cross-validation, for the linear family's
default (ridge on one-hot encoded, standardized columns) and the boosting+linear blend seed,
each on the raw target and on ``log(1 + y)``. Prints, for each, the plain and the bounded
ridge's mean score, their mean paired difference from the plain one with its standard error,
and their worst fold:

    .venv/bin/python benchmarks/linear_bounds.py [--datasets ames diamonds] [--repeats 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sklearn.ensemble import HistGradientBoostingRegressor, VotingRegressor
from sklearn.linear_model import Ridge
from sklearn.metrics import get_scorer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from automl.preprocessing import build_preprocessor, category_codes  # noqa: E402
from automl.tabular_space import SLOW_BOOSTING, linear_regressor, on_target_scale  # noqa: E402
import train_split  # noqa: E402


def variants(categorical: list[int]) -> dict[str, object]:
    """Linear and blend, raw and log scale, each bounded (as built) and plain (a ridge in its place)."""
    def linear() -> object:
        return linear_regressor(categorical, alpha=1.0)

    def blend() -> object:
        boosting = HistGradientBoostingRegressor(categorical_features=categorical or None, random_state=0, **SLOW_BOOSTING)
        return VotingRegressor([("boosting", boosting), ("linear", linear())])

    found = {}
    for scale in ("raw", "log"):
        prefix = "regressor__" if scale == "log" else ""
        for name, make, step in (("linear", linear, "model"), ("blend", blend, "linear__model")):
            found[f"{name} {scale} bounded"] = on_target_scale(make, scale)
            found[f"{name} {scale} plain"] = on_target_scale(make, scale).set_params(**{prefix + step: Ridge(alpha=1.0)})
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=train_split.names("regression"))
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    scorer = get_scorer("r2")
    for name in args.datasets:
        X, y, described = train_split.load(name)
        preprocessor = build_preprocessor(X, None).fit(X, y)
        matrix = preprocessor.transform(X)
        scores = train_split.paired_scores(variants(category_codes(preprocessor)), matrix, y, described, args.repeats, scorer)
        for pair in dict.fromkeys(variant.rsplit(" ", 1)[0] for variant in scores):
            found = {kind: scores[f"{pair} {kind}"] for kind in ("plain", "bounded")}
            train_split.print_differences(f"{name:8s} {pair:10s}", found, "plain")


if __name__ == "__main__":
    main()
