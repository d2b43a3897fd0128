import numpy as np
import pandas as pd

from automl.preprocessing import build_preprocessor, encoded_columns


def _frame():
    return pd.DataFrame(
        {
            "age": [30, 40, np.nan, 50, 60, 35],
            "income": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "home": ["rent", "own", None, "rent", "own", "other"],
            "flag": [True, False, True, True, False, False],
        }
    )


def test_raw_columns_with_missing_values_become_a_numeric_matrix():
    frame = _frame()
    matrix = build_preprocessor(frame).fit(frame).transform(frame)
    assert matrix.dtype == np.float64 and not np.isnan(matrix).any()


def test_unseen_categories_and_missing_values_at_predict_time():
    frame = _frame()
    fitted = build_preprocessor(frame).fit(frame)
    new = pd.DataFrame({"age": [np.nan], "income": [np.nan], "home": ["castle"], "flag": [None]})
    assert fitted.transform(new).shape == (1, fitted.transform(frame).shape[1])


def test_encoded_columns_map_each_input_to_its_outputs():
    frame = _frame()
    fitted = build_preprocessor(frame).fit(frame)
    width = fitted.transform(frame).shape[1]
    found = encoded_columns(fitted)
    assert set(found) == set(frame.columns)
    assert len(found["age"]) == 2  # value + missing indicator
    assert len(found["income"]) == 1
    assert len(found["home"]) == 4  # own, other, rent, (missing)
    assert sorted(i for idx in found.values() for i in idx) == list(range(width))
