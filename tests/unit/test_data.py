import numpy as np
import pandas as pd
import pytest

from automl.data import file_format, load_dataset
from automl.errors import (
    DatasetNotFoundError,
    EmptyDatasetError,
    InputError,
    TargetColumnError,
    UnsupportedFormatError,
)


def test_loads_parquet_with_strings_and_missing_values(dataset_path):
    ds = load_dataset(str(dataset_path("credit_data")), "Status", {})
    assert len(ds.target) == 3340 and "Status" not in ds.features
    assert ds.features.isna().any().any()
    assert ds.fingerprint.startswith("sha256:") and ds.name == "train.parquet"


def test_csv_and_parquet_of_the_same_table_load_alike(dataset_path, tmp_path):
    frame = pd.read_parquet(dataset_path("penguins"))
    frame.to_csv(tmp_path / "penguins.csv.gz", index=False)
    from_csv = load_dataset(str(tmp_path / "penguins.csv.gz"), "species", {})
    from_parquet = load_dataset(str(dataset_path("penguins")), "species", {})
    assert from_csv.features.shape == from_parquet.features.shape
    assert list(from_csv.target) == list(from_parquet.target)


def test_fingerprint_follows_content(tmp_path):
    pd.DataFrame({"x": [1, 2], "y": [0, 1]}).to_csv(tmp_path / "a.csv", index=False)
    first = load_dataset(str(tmp_path / "a.csv"), "y", {}).fingerprint
    assert load_dataset(str(tmp_path / "a.csv"), "y", {}).fingerprint == first
    pd.DataFrame({"x": [1, 3], "y": [0, 1]}).to_csv(tmp_path / "a.csv", index=False)
    assert load_dataset(str(tmp_path / "a.csv"), "y", {}).fingerprint != first


def test_missing_target_column_suggests_the_close_match(dataset_path):
    with pytest.raises(TargetColumnError, match=r"'Status ' not found.*Did you mean 'Status'\?.*Columns: 'Status'"):
        load_dataset(str(dataset_path("credit_data")), "Status ", {})


def test_rows_without_target_are_dropped_and_counted(tmp_path):
    pd.DataFrame({"x": range(6), "y": [1.0, np.nan, 2.0, np.nan, 3.0, 4.0]}).to_csv(tmp_path / "t.csv", index=False)
    ds = load_dataset(str(tmp_path / "t.csv"), "y", {})
    assert ds.n_rows_dropped == 2 and len(ds.target) == 4


def test_all_missing_target_is_an_error(tmp_path):
    pd.DataFrame({"x": [1, 2], "y": [np.nan, np.nan]}).to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(TargetColumnError, match="all 2 values are missing"):
        load_dataset(str(tmp_path / "t.csv"), "y", {})


def test_empty_table_is_an_error(tmp_path):
    (tmp_path / "empty.csv").write_text("x,y\n")
    with pytest.raises(EmptyDatasetError, match="no rows"):
        load_dataset(str(tmp_path / "empty.csv"), "y", {})


def test_table_with_only_the_target_is_an_error(tmp_path):
    pd.DataFrame({"y": [1, 2]}).to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(EmptyDatasetError, match="no feature columns"):
        load_dataset(str(tmp_path / "t.csv"), "y", {})


@pytest.mark.parametrize("name", ["table.xlsx", "table", "table.json"])
def test_unknown_format_names_the_supported_ones(name):
    with pytest.raises(UnsupportedFormatError, match=r"\.csv, \.tsv or \.parquet"):
        file_format(name)


def test_missing_file_is_a_typed_input_error(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="No file at dataset URI") as info:
        load_dataset(str(tmp_path / "nope.csv"), "y", {})
    assert isinstance(info.value, InputError) and not info.value.retryable


def test_unparseable_file_is_reported(tmp_path):
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(UnsupportedFormatError, match="Could not parse"):
        load_dataset(str(tmp_path / "bad.parquet"), "y", {})
