"""Raw table → numeric matrix: the first step of every exported pipeline.

Imputation and encoding live inside the model, so it takes the raw columns users have
(strings, missing values) and scores new rows the same way it was trained. Only
scikit-learn classes are used, so the model loads anywhere scikit-learn does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

# Categories beyond this many per column fold into one "infrequent" column.
MAX_CATEGORIES = 20


def split_columns(features: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(numeric, categorical) column names; booleans count as categorical."""
    types = pd.api.types
    numeric = [
        c for c in features.columns if types.is_numeric_dtype(features[c]) and not types.is_bool_dtype(features[c])
    ]
    categorical = [c for c in features.columns if c not in numeric]
    return numeric, categorical


def build_preprocessor(features: pd.DataFrame) -> ColumnTransformer:
    """Median-impute numeric columns (with missing indicators); impute and one-hot the rest."""
    numeric, categorical = split_columns(features)
    numeric_steps = SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)
    categorical_steps = Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value="(missing)", keep_empty_features=True)),
            (
                "one_hot",
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist",
                    max_categories=MAX_CATEGORIES,
                    sparse_output=False,
                    dtype=np.float64,
                ),
            ),
        ]
    )
    return ColumnTransformer(
        [("numeric", numeric_steps, numeric), ("categorical", categorical_steps, categorical)],
        remainder="drop",
        sparse_threshold=0.0,
    )


def encoded_columns(preprocessor: ColumnTransformer) -> dict[str, list[int]]:
    """Input column → indices of the encoded columns made from it (fitted ``preprocessor``)."""
    found: dict[str, list[int]] = {}
    numeric, categorical = preprocessor.transformers_[0][2], preprocessor.transformers_[1][2]
    start = preprocessor.output_indices_["numeric"].start
    for i, column in enumerate(numeric):
        found[column] = [start + i]
    imputer = preprocessor.named_transformers_["numeric"]
    if numeric and getattr(imputer, "indicator_", None) is not None:
        for offset, feature in enumerate(imputer.indicator_.features_):
            found[numeric[feature]].append(start + len(numeric) + offset)
    if categorical:
        start = preprocessor.output_indices_["categorical"].start
        encoder = preprocessor.named_transformers_["categorical"].named_steps["one_hot"]
        names = encoder.get_feature_names_out([f"f{i}" for i in range(len(categorical))])
        for offset, name in enumerate(names):
            found.setdefault(categorical[int(name[1 : name.index("_")])], []).append(start + offset)
    return found
