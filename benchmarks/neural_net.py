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
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor, VotingClassifier, VotingRegressor
from sklearn.metrics import get_scorer
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from automl.preprocessing import build_preprocessor, category_codes  # noqa: E402
from automl.tabular_space import linear_classifier, linear_regressor  # noqa: E402
import train_split  # noqa: E402


def network(n_rows: int, categorical: list[int], classification: bool) -> Pipeline:
    """The linear family's pipeline (one-hot categories, everything standardized) with a perceptron of two hidden layers of 128 units."""
    settings = {"hidden_layer_sizes": (128, 128), "batch_size": min(512, max(32, n_rows // 100)),
                "early_stopping": True, "random_state": 0}
    if classification:
        return linear_classifier(categorical).set_params(model=MLPClassifier(**settings))
    return linear_regressor(categorical).set_params(model=TransformedTargetRegressor(MLPRegressor(**settings), transformer=StandardScaler()))


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
        seconds: dict[str, list[float]] = {}
        scores = train_split.paired_scores(models, matrix, y, described, args.repeats, scorer, seconds)
        train_split.print_differences(f"{name:11s}", scores, "boosting")
        print(f"{name:11s} seconds per fold: " + ", ".join(f"{v} {np.mean(s):.1f}" for v, s in seconds.items()), flush=True)


if __name__ == "__main__":
    main()
