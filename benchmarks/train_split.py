"""A shared dataset's train split, as the cross-validation measurements read it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import LabelEncoder

DATA = Path(__file__).resolve().parents[1] / "examples" / "data"


def names() -> list[str]:
    """The bundled datasets."""
    return sorted(p.name for p in DATA.iterdir() if p.is_dir())


def load(name: str) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """Features, target (classes as integers, values as floats) and manifest of ``name``'s train split."""
    manifest = json.loads((DATA / name / "manifest.json").read_text())
    table = pd.read_parquet(DATA / name / "train.parquet")
    y = table.pop(manifest["target"])
    classification = manifest["task"] != "regression"
    return table, (LabelEncoder().fit_transform(y) if classification else y.to_numpy(float)), manifest


def folds(manifest: dict, table: pd.DataFrame, y: np.ndarray, repeat: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Repeat ``repeat`` of a shuffled 5-fold split, stratified for classification."""
    splitter = KFold if manifest["task"] == "regression" else StratifiedKFold
    return list(splitter(5, shuffle=True, random_state=repeat).split(table, y))
