"""Ridge regression as it was (plain) and with its predictions kept within its training targets' range.

Measured on each regression dataset's *train* split only (the test splits stay for the
comparison with the peers), by repeated 5-fold cross-validation, for the linear family's
default (ridge on one-hot encoded, standardized columns) and the boosting+linear blend seed,
each on the raw target and on ``log(1 + y)``. Prints each bounded variant's mean score, the
plain one's, their mean paired difference with its standard error, and each one's worst fold:

    .venv/bin/python benchmarks/linear_bounds.py [--datasets ames diamonds] [--repeats 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
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
        for variant, found in scores.items():
            if variant.endswith("bounded"):
                plain = scores[variant.replace("bounded", "plain")]
                lead = found - plain
                print(f"{name} {variant:20s} {found.mean():.4f} (plain {plain.mean():.4f}): "
                      f"{lead.mean():+.4f} ± {lead.std(ddof=1) / np.sqrt(len(lead)):.4f}; "
                      f"worst fold {found.min():.4f} (plain {plain.min():.4f})", flush=True)


if __name__ == "__main__":
    main()
