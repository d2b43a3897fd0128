"""Gradient boosting reading category columns as categories or as ordered codes.

Measured on each dataset's *train* split only (the test splits stay for the comparison with
the peers), by repeated 5-fold cross-validation, for the default and the slow-learning
boosting configuration, each reading: every category column as categories ("all", the
default), only those with at most ``FEW_LEVELS`` codes ("few", the searched alternative),
none (every column as ordered codes), or the few as categories and the others replaced by
their cross-fitted target means ("target", scikit-learn's ``TargetEncoder``; only where a
column has more codes). Prints each one's mean score and the mean paired difference from
"all", with its standard error:

    .venv/bin/python benchmarks/categories.py [--datasets mlc_churn ames] [--repeats 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import get_scorer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import TargetEncoder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from automl.preprocessing import build_preprocessor, category_codes, category_levels  # noqa: E402
from automl.tabular_space import FEW_LEVELS, SLOW_BOOSTING  # noqa: E402
import train_split  # noqa: E402


def compare(name: str, repeats: int) -> None:
    table, y, manifest = train_split.load(name)
    classification = manifest["task"] != "regression"
    preprocessor = build_preprocessor(table, "ordinal").fit(table, y)
    matrix, codes, levels = preprocessor.transform(table), category_codes(preprocessor), category_levels(preprocessor)
    few = [column for column, n in zip(codes, levels) if n <= FEW_LEVELS]
    print(f"{name}: codes per category column {levels}", flush=True)
    boosting = HistGradientBoostingClassifier if classification else HistGradientBoostingRegressor
    scorer = get_scorer(manifest["metric"])
    for configuration, params in (("default", {}), ("slow", SLOW_BOOSTING)):
        readings = {reading: boosting(categorical_features=columns or None, random_state=0, **params)
                    for reading, columns in (("all", codes), ("few", few), ("none", []))}
        many = [column for column in codes if column not in few]
        if many:  # the other columns first, as they were, then the target means
            rest = [column for column in range(matrix.shape[1]) if column not in many]
            encode = ColumnTransformer([("rest", "passthrough", rest), ("target", TargetEncoder(random_state=0), many)])
            readings["target"] = make_pipeline(encode, boosting(categorical_features=[rest.index(c) for c in few] or None,
                                                                random_state=0, **params))
        scores = train_split.paired_scores(readings, matrix, y, manifest, repeats, scorer)
        train_split.print_differences(f"{name:12s} {configuration:8s}", scores, "all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=train_split.names())
    parser.add_argument("--repeats", type=int, default=2, help="repeats of the 5-fold cross-validation")
    args = parser.parse_args()
    for name in args.datasets:
        compare(name, args.repeats)


if __name__ == "__main__":
    main()
