"""Gradient boosting on a target never negative: squared error, a log scale, or a Poisson loss.

Measured on each regression dataset's *train* split only (the test splits stay for the
comparison with the peers), by repeated 5-fold cross-validation, for the default and the
slow-learning boosting configuration, each fitted with the squared error on the raw target
(the default), on ``log(1 + y)`` (predictions mapped back), or with a Poisson loss (a log link
that still predicts the mean). Prints each one's mean score and the mean paired difference
from the squared error, with its standard error:

    .venv/bin/python benchmarks/losses.py [--datasets ames diamonds] [--repeats 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.metrics import get_scorer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from automl.preprocessing import build_preprocessor, category_codes  # noqa: E402
from automl.tabular_space import SLOW_BOOSTING  # noqa: E402
import train_split  # noqa: E402


def compare(name: str, repeats: int) -> None:
    table, y, manifest = train_split.load(name)
    preprocessor = build_preprocessor(table, "ordinal").fit(table, y)
    matrix, codes = preprocessor.transform(table), category_codes(preprocessor) or None
    scorer = get_scorer(manifest["metric"])
    for configuration, params in (("default", {}), ("slow", SLOW_BOOSTING)):
        boosting = HistGradientBoostingRegressor(categorical_features=codes, random_state=0, **params)
        variants = {
            "squared": boosting,
            "log": TransformedTargetRegressor(boosting, func=np.log1p, inverse_func=np.expm1),
            "poisson": clone(boosting).set_params(loss="poisson"),
        }
        scores = train_split.paired_scores(variants, matrix, y, manifest, repeats, scorer)
        train_split.print_differences(f"{name:12s} {configuration:8s}", scores, "squared")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=train_split.names("regression"))
    parser.add_argument("--repeats", type=int, default=2, help="repeats of the 5-fold cross-validation")
    args = parser.parse_args()
    for name in args.datasets:
        compare(name, args.repeats)


if __name__ == "__main__":
    main()
