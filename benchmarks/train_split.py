"""A shared dataset's train split, as the cross-validation measurements read and report it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import LabelEncoder

DATA = Path(__file__).resolve().parents[1] / "examples" / "data"


def manifest(name: str, data: Path = DATA) -> dict:
    """``name``'s manifest: target, task, metric (``data``: the folder holding the datasets)."""
    return json.loads((data / name / "manifest.json").read_text())


def names(task: str | None = None, data: Path = DATA) -> list[str]:
    """The datasets in ``data``, the bundled ones by default (only those of ``task``, e.g. "regression", if given)."""
    found = sorted(p.name for p in data.iterdir() if (p / "manifest.json").exists())
    return [name for name in found if task is None or manifest(name, data)["task"] == task]


def load(name: str) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """Features, target (classes as integers, values as floats) and manifest of ``name``'s train split."""
    described = manifest(name)
    table = pd.read_parquet(DATA / name / "train.parquet")
    y = table.pop(described["target"])
    classification = described["task"] != "regression"
    return table, (LabelEncoder().fit_transform(y) if classification else y.to_numpy(float)), described


def folds(manifest: dict, rows: Any, y: np.ndarray, repeat: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Repeat ``repeat`` of a shuffled 5-fold split, stratified for classification."""
    splitter = KFold if manifest["task"] == "regression" else StratifiedKFold
    return list(splitter(5, shuffle=True, random_state=repeat).split(rows, y))


def outer_folds(name: str, data: Path = DATA) -> tuple[pd.DataFrame, dict, list[tuple[np.ndarray, np.ndarray]]]:
    """``name``'s train split (target included), its manifest, and the five folds of its repeat-0 5-fold split."""
    described = manifest(name, data)
    table = pd.read_parquet(data / name / "train.parquet")
    labels = table[described["target"]]
    return table, described, folds(described, labels, labels, 0)


def paired_scores(variants: dict[str, Any], matrix: np.ndarray, y: np.ndarray, manifest: dict, repeats: int,
                  scorer: Callable, seconds: dict[str, list[float]] | None = None) -> dict[str, np.ndarray]:
    """Each variant's score on every fold of ``repeats`` 5-fold splits, the same folds for all.

    Given ``seconds``, each variant's seconds to fit and score each fold are appended to it.
    """
    scores: dict[str, list[float]] = {variant: [] for variant in variants}
    for repeat in range(repeats):
        for train, test in folds(manifest, matrix, y, repeat):
            for variant, model in variants.items():
                start = time.perf_counter()
                scores[variant].append(scorer(clone(model).fit(matrix[train], y[train]), matrix[test], y[test]))
                if seconds is not None:
                    seconds.setdefault(variant, []).append(time.perf_counter() - start)
    return {variant: np.array(found) for variant, found in scores.items()}


def print_differences(label: str, scores: dict[str, np.ndarray], base: str) -> None:
    """Each variant's mean score, its mean paired difference from ``base``'s with its standard error, and its worst fold."""
    for variant, found in scores.items():
        lead = found - scores[base]
        print(f"{label} {variant:8s} {found.mean():.4f}  "
              f"difference {lead.mean():+.4f} ± {lead.std(ddof=1) / np.sqrt(len(lead)):.4f}  worst fold {found.min():.4f}",
              flush=True)
