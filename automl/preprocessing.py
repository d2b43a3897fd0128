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
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

# Categories beyond this many per column fold into one "infrequent" column (one-hot) or
# code (ordinal; gradient boosting reads at most 255 category codes).
MAX_CATEGORIES = 20
MAX_CATEGORY_CODES = 64


def split_columns(features: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(numeric, categorical) column names; booleans count as categorical."""
    types = pd.api.types
    numeric = [
        c for c in features.columns if types.is_numeric_dtype(features[c]) and not types.is_bool_dtype(features[c])
    ]
    categorical = [c for c in features.columns if c not in numeric]
    return numeric, categorical


def build_preprocessor(features: pd.DataFrame, categories: str = "one_hot") -> ColumnTransformer:
    """Median-impute numeric columns (with missing indicators); impute and encode the rest.

    ``categories="one_hot"`` gives one column per category; ``"ordinal"`` one code column per
    categorical column (unknown categories become -1, which gradient boosting reads as missing),
    for search spaces whose estimators encode categories themselves.
    """
    numeric, categorical = split_columns(features)
    numeric_steps = SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)
    if categories == "ordinal":
        encoder = OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=-1, max_categories=MAX_CATEGORY_CODES, dtype=np.float64
        )
    else:
        encoder = OneHotEncoder(
            handle_unknown="infrequent_if_exist", max_categories=MAX_CATEGORIES, sparse_output=False, dtype=np.float64
        )
    categorical_steps = Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value="(missing)", keep_empty_features=True)),
            ("encode", encoder),
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
        encoder = preprocessor.named_transformers_["categorical"].named_steps["encode"]
        names = encoder.get_feature_names_out([f"f{i}_" for i in range(len(categorical))])
        for offset, name in enumerate(names):
            found.setdefault(categorical[int(name[1 : name.index("_")])], []).append(start + offset)
    return found


def category_codes(preprocessor: ColumnTransformer) -> list[int]:
    """Indices of the encoded columns that hold category codes (fitted ordinal ``preprocessor``)."""
    encoder = preprocessor.named_transformers_["categorical"]
    if not isinstance(encoder, Pipeline) or not isinstance(encoder.named_steps["encode"], OrdinalEncoder):
        return []
    return list(range(preprocessor.output_indices_["categorical"].start, preprocessor.output_indices_["categorical"].stop))


def category_levels(preprocessor: ColumnTransformer) -> list[int]:
    """How many codes each of :func:`category_codes`' columns holds (fitted ordinal ``preprocessor``)."""
    if not category_codes(preprocessor):
        return []
    encoder = preprocessor.named_transformers_["categorical"].named_steps["encode"]
    return [min(len(levels), MAX_CATEGORY_CODES) for levels in encoder.categories_]
