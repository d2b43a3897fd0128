"""One fit on all rows against the average of several fits, each on all rows but one fold.

Measured on each dataset's *train* split only (the test splits stay for the comparison with
the peers): an outer cross-validation holds out a fifth of the rows, and on the other four
fifths the default gradient boosting (and a slow-learning configuration) is fitted once, or
``--fits`` times on all rows but one fold and averaged, as ``automl.bagging`` does. Prints
each approach's mean score on the held-out rows and the mean paired difference from one fit,
with its standard error:

    .venv/bin/python benchmarks/final_fits.py [--datasets credit_data ames] [--repeats 2] [--fits 5]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import get_scorer
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from automl import bagging  # noqa: E402
from automl.preprocessing import build_preprocessor, category_codes  # noqa: E402
from automl.tabular_space import SLOW_BOOSTING  # noqa: E402

DATA = ROOT / "examples" / "data"
CONFIGURATIONS = {"default": {}, "slow": SLOW_BOOSTING}


def compare(name: str, repeats: int, fits: int) -> None:
    manifest = json.loads((DATA / name / "manifest.json").read_text())
    table = pd.read_parquet(DATA / name / "train.parquet")
    y = table.pop(manifest["target"])
    classification = manifest["task"] != "regression"
    y = LabelEncoder().fit_transform(y) if classification else y.to_numpy(float)
    scorer = get_scorer(manifest["metric"])
    splitter = StratifiedKFold if classification else KFold
    scores = {c: {"one fit": [], f"{fits} fits": []} for c in CONFIGURATIONS}
    for repeat in range(repeats):
        for train, test in splitter(5, shuffle=True, random_state=repeat).split(table, y):
            X, X_test = table.iloc[train], table.iloc[test]
            preprocessor = build_preprocessor(X, "ordinal").fit(X, y[train])
            for configuration, params in CONFIGURATIONS.items():
                model = _model(classification, category_codes(preprocessor) or None, params)
                pipeline = Pipeline([("preprocess", FrozenEstimator(preprocessor)), ("model", model)])
                scores[configuration]["one fit"].append(scorer(clone(pipeline).fit(X, y[train]), X_test, y[test]))
                folds = splitter(fits, shuffle=True, random_state=100 + repeat).split(X, y[train])
                members = [clone(pipeline).fit(X.iloc[rows], y[train][rows]) for rows, _ in folds]
                averaged = bagging.average(members, X, y[train], classification)
                scores[configuration][f"{fits} fits"].append(scorer(averaged, X_test, y[test]))
    for configuration, found in scores.items():
        one = np.array(found["one fit"])
        many = np.array(found[f"{fits} fits"])
        lead = many - one
        print(f"{name:12s} {configuration:8s} one fit {one.mean():.4f}  {fits} fits {many.mean():.4f}  "
              f"difference {lead.mean():+.4f} ± {lead.std(ddof=1) / np.sqrt(len(lead)):.4f}", flush=True)


def _model(classification: bool, categorical: list[int] | None, params: dict):
    make = HistGradientBoostingClassifier if classification else HistGradientBoostingRegressor
    return make(categorical_features=categorical, random_state=0, **params)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=sorted(p.name for p in DATA.iterdir() if p.is_dir()))
    parser.add_argument("--repeats", type=int, default=2, help="repeats of the outer 5-fold cross-validation")
    parser.add_argument("--fits", type=int, default=5, help="fits averaged")
    args = parser.parse_args()
    for name in args.datasets:
        compare(name, args.repeats, args.fits)


if __name__ == "__main__":
    main()
