import pytest
from pydantic import ValidationError

from automl.config import Settings
from automl.schemas import TrainingRequest


def test_defaults_match_the_documented_values():
    settings = Settings()
    assert settings.tpot.generations == 40
    assert settings.tpot.population_size is None  # sized from the cluster at fit time
    assert settings.tpot.time_left == 600
    assert settings.tpot.per_run_limit == 60
    assert settings.tpot.cv_folds is None  # chosen from the table's size
    assert settings.tpot.early_stop is None  # the time budget decides
    assert settings.tpot.final_fits == 5
    assert settings.tpot.memory_limit_mb == 3072
    assert settings.parallel_mode == "local"
    assert settings.enable_fallback is True
    assert settings.mlflow_tracking_uri.startswith("sqlite:///") and settings.mlflow_tracking_uri.endswith("mlflow.db")


def test_environment_names_are_read(monkeypatch):
    monkeypatch.setenv("TPOT__GENERATIONS", "7")
    monkeypatch.setenv("TPOT__MEMORY_LIMIT_MB", "1024")
    monkeypatch.setenv("TPOT__CONFIG_DICT", "fast")
    monkeypatch.setenv("TPOT__DASK_SCHEDULER_FILE", "/tmp/scheduler.json")
    monkeypatch.setenv("TPOT_PARALLEL_MODE", "off")
    monkeypatch.setenv("ENABLE_AUTOML_FALLBACK", "false")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    settings = Settings()
    assert settings.tpot.generations == 7
    assert settings.tpot.memory_limit_mb == 1024
    assert settings.tpot.config_dict == "fast"
    assert str(settings.tpot.dask_scheduler_file) == "/tmp/scheduler.json"
    assert settings.parallel_mode == "off"
    assert settings.enable_fallback is False
    assert settings.mlflow_tracking_uri == "http://127.0.0.1:5000"


def test_bad_environment_value_is_rejected_with_its_name(monkeypatch):
    monkeypatch.setenv("TPOT_PARALLEL_MODE", "cloud")
    with pytest.raises(ValidationError, match="TPOT_PARALLEL_MODE"):
        Settings()


def test_request_fields_override_settings_and_unset_fields_fall_back(monkeypatch):
    monkeypatch.setenv("TPOT__GENERATIONS", "9")
    monkeypatch.setenv("TPOT__TIME_LEFT", "120")
    monkeypatch.setenv("TPOT__EARLY_STOP", "5")
    monkeypatch.setenv("TPOT__FINAL_FITS", "3")
    request = TrainingRequest(dataset_uri="data/x.csv", target_column="y", time_left=30).resolve(Settings())
    assert request.final_fits == 3
    assert TrainingRequest(dataset_uri="x.csv", target_column="y", final_fits=1).resolve(Settings()).final_fits == 1
    assert request.generations == 9
    assert request.early_stop == 5
    assert request.time_left == 30
    assert request.parallel_mode == "local"
    assert request.search_space == "default"
    assert request.model_name == "automl-x"


def test_large_tables_default_to_three_folds(monkeypatch):
    def folds(n_rows, **fields):
        request = TrainingRequest(dataset_uri="x.csv", target_column="y", **fields).resolve(Settings())
        return request.with_folds_for(n_rows).cv_folds

    assert (folds(3_000), folds(19_999), folds(20_000)) == (5, 5, 3)
    assert folds(50_000, cv_folds=10) == 10
    monkeypatch.setenv("TPOT__CV_FOLDS", "4")
    assert folds(50_000) == 4
