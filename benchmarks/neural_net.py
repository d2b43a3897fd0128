"""A neural network (scikit-learn's multi-layer perceptron) beside gradient boosting: measured, and left out of the presets.

Measured on each dataset's *train* split only (the test splits stay for the comparison with
the peers), by repeated 5-fold cross-validation: the boosting family's default, a network as
a ``default`` preset family would have it (one-hot categories and standardized columns as the
linear family's, two hidden layers of 128 units, minibatches of a hundredth of the rows
between 32 and 512, early stopping on a tenth of them; a regressor learns the standardized
target), and the average of the two's predictions (what the final choice's ensemble of them
would be). Prints each one's mean score, the mean paired difference from boosting with its
standard error, its worst fold, and the mean seconds to fit and score one fold:

    .venv/bin/python benchmarks/neural_net.py [--datasets penguins ames] [--repeats 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor, VotingClassifier, VotingRegressor
from sklearn.metrics import get_scorer
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from automl.preprocessing import build_preprocessor, category_codes  # noqa: E402
import train_split  # noqa: E402


def network(n_rows: int, categorical: list[int], classification: bool) -> Pipeline:
    """One-hot categories, standardize everything, a perceptron of two hidden layers of 128 units."""
    settings = {"hidden_layer_sizes": (128, 128), "batch_size": min(512, max(32, n_rows // 100)),
                "early_stopping": True, "random_state": 0}
    model = MLPClassifier(**settings) if classification else TransformedTargetRegressor(
        MLPRegressor(**settings), transformer=StandardScaler())
    encode = ColumnTransformer([("one_hot", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical)],
                               remainder=StandardScaler())
    return Pipeline([("encode", encode), ("model", model)])


def variants(n_rows: int, categorical: list[int], classification: bool) -> dict[str, object]:
    """Boosting's default, the network, and the two averaged."""
    boosting = (HistGradientBoostingClassifier if classification else HistGradientBoostingRegressor)(
        categorical_features=categorical or None, random_state=0)
    vote = (lambda members: VotingClassifier(members, voting="soft")) if classification else VotingRegressor
    net = network(n_rows, categorical, classification)
    return {"boosting": boosting, "network": net, "average": vote([("boosting", boosting), ("network", clone(net))])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=train_split.names())
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    for name in args.datasets:
        X, y, described = train_split.load(name)
        scorer = get_scorer(described["metric"])
        preprocessor = build_preprocessor(X, "ordinal").fit(X, y)
        matrix = preprocessor.transform(X)
        rows = len(y) * 4 // 5  # what each fold trains on
        models = variants(rows, category_codes(preprocessor), described["task"] != "regression")
        scores = {variant: [] for variant in models}
        seconds = {variant: [] for variant in models}
        for repeat in range(args.repeats):
            for train, test in train_split.folds(described, matrix, y, repeat):
                for variant, model in models.items():
                    start = time.perf_counter()
                    scores[variant].append(scorer(clone(model).fit(matrix[train], y[train]), matrix[test], y[test]))
                    seconds[variant].append(time.perf_counter() - start)
        train_split.print_differences(f"{name:11s}", {v: np.array(s) for v, s in scores.items()}, "boosting")
        print(f"{name:11s} seconds per fold: " + ", ".join(f"{v} {np.mean(s):.1f}" for v, s in seconds.items()), flush=True)


if __name__ == "__main__":
    main()
