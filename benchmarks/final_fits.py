"""One fit on all rows against the average of several fits, each on all rows but one fold.

Measured on each dataset's *train* split only (the test splits stay for the comparison with
the peers): an outer cross-validation holds out a fifth of the rows, and on the other four
fifths each configuration is fitted once, or bagged as ``automl.bagging`` bags the registered
model (``--fits`` fits on all rows but one fold, averaged; an ensemble member by member, its
forest fitted once), on a local Dask cluster of two workers. The configurations: the default
gradient boosting, a slow-learning one, and an average of the default boosting and extra
trees. Prints each one's mean score on the held-out rows and the mean paired difference from
one fit, with its standard error:

    .venv/bin/python benchmarks/final_fits.py [--datasets credit_data ames] [--repeats 2] [--fits 5]
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np
from distributed import Client, LocalCluster
from sklearn.base import clone
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    VotingClassifier,
    VotingRegressor,
)
from sklearn.metrics import get_scorer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from automl import bagging  # noqa: E402
from automl.preprocessing import build_preprocessor, category_codes  # noqa: E402
from automl.tabular_space import FOREST_MAX_ROWS, SLOW_BOOSTING  # noqa: E402
import train_split  # noqa: E402

CONFIGURATIONS = ("default", "slow", "boosting+forest")


def compare(name: str, repeats: int, fits: int, client: Client) -> None:
    table, y, manifest = train_split.load(name)
    classification = manifest["task"] != "regression"
    scorer = get_scorer(manifest["metric"])
    scores = {c: {"one fit": [], f"{fits} fits": []} for c in CONFIGURATIONS}
    for repeat in range(repeats):
        for train, test in train_split.folds(manifest, table, y, repeat):
            X, X_test = table.iloc[train], table.iloc[test]
            preprocessor = build_preprocessor(X, "ordinal").fit(X, y[train])
            matrix, matrix_test = preprocessor.transform(X), preprocessor.transform(X_test)
            for configuration in CONFIGURATIONS:
                model = _model(configuration, classification, category_codes(preprocessor) or None, len(train))
                scores[configuration]["one fit"].append(scorer(clone(model).fit(matrix, y[train]), matrix_test, y[test]))
                futures = bagging.submit(model, matrix, y[train], fits, classification, 100 + repeat, client)
                bagged = bagging.combine(model, bagging.collect(futures, 3600), matrix, y[train], classification)
                scores[configuration][f"{fits} fits"].append(scorer(bagged, matrix_test, y[test]))
    for configuration, found in scores.items():
        one = np.array(found["one fit"])
        many = np.array(found[f"{fits} fits"])
        lead = many - one
        print(f"{name:12s} {configuration:16s} one fit {one.mean():.4f}  {fits} fits {many.mean():.4f}  "
              f"difference {lead.mean():+.4f} ± {lead.std(ddof=1) / np.sqrt(len(lead)):.4f}", flush=True)


def _model(configuration: str, classification: bool, categorical: list[int] | None, n_rows: int):
    boosting = HistGradientBoostingClassifier if classification else HistGradientBoostingRegressor
    if configuration != "boosting+forest":
        return boosting(categorical_features=categorical, random_state=0, **(SLOW_BOOSTING if configuration == "slow" else {}))
    subsample = FOREST_MAX_ROWS / n_rows if n_rows > FOREST_MAX_ROWS else None
    forest = (ExtraTreesClassifier if classification else ExtraTreesRegressor)(
        n_estimators=100, max_samples=subsample, bootstrap=subsample is not None, n_jobs=1, random_state=0)
    members = [("boosting", boosting(categorical_features=categorical, random_state=0)), ("forest", forest)]
    return VotingClassifier(members, voting="soft") if classification else VotingRegressor(members)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=train_split.names())
    parser.add_argument("--repeats", type=int, default=2, help="repeats of the outer 5-fold cross-validation")
    parser.add_argument("--fits", type=int, default=5, help="fits averaged")
    args = parser.parse_args()
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        for name in args.datasets:
            compare(name, args.repeats, args.fits, client)


if __name__ == "__main__":
    main()
