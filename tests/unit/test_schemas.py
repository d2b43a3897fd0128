import pytest
from pydantic import ValidationError

from automl.schemas import CustomSearchSpace, TrainingRequest, default_model_name


@pytest.mark.parametrize(
    "field, value",
    [("time_left", -1), ("cv_folds", 1), ("holdout_fraction", 0.9), ("population_size", 1), ("metric", "auc"), ("early_stop", 0),
     ("final_fits", 0)],
)
def test_out_of_range_request_fields_are_rejected(field, value):
    with pytest.raises(ValidationError, match=field):
        TrainingRequest(dataset_uri="d.csv", target_column="y", **{field: value})


def test_blank_target_is_rejected():
    with pytest.raises(ValidationError, match="target_column"):
        TrainingRequest(dataset_uri="d.csv", target_column="  ")


def test_unknown_field_is_rejected_not_ignored():
    with pytest.raises(ValidationError, match="generation"):
        TrainingRequest(dataset_uri="d.csv", target_column="y", generation=3)


def test_search_space_is_a_preset_and_a_custom_space_is_its_own_field():
    assert TrainingRequest(dataset_uri="d.csv", target_column="y", search_space="fast").search_space == "fast"
    with pytest.raises(ValidationError, match="search_space"):
        TrainingRequest(dataset_uri="d.csv", target_column="y", search_space="turbo")
    custom = TrainingRequest(
        dataset_uri="d.csv", target_column="y", custom_search_space={"estimators": ["LogisticRegression"], "layout": "choice"}
    ).custom_search_space
    assert isinstance(custom, CustomSearchSpace)


def test_form_friendly_schema_enums_have_no_null_branch():
    properties = TrainingRequest.model_json_schema()["properties"]
    for name in ("task", "metric", "parallel_mode", "search_space"):
        assert "enum" in properties[name] and "anyOf" not in properties[name], name


@pytest.mark.parametrize(
    "uri, name",
    [
        ("examples/data/credit_data/train.parquet", "automl-credit_data"),
        ("s3://bucket/sales 2024.csv.gz", "automl-sales-2024"),
        ("churn.csv", "automl-churn"),
    ],
)
def test_default_model_name(uri, name):
    assert default_model_name(uri) == name
