"""prefect.yaml deployed to a real `prefect server`, runs picked up by a real process worker."""

from __future__ import annotations

import time
from datetime import timezone

import pytest
from mlflow import MlflowClient

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def stack(prefect_stack):
    return prefect_stack


@pytest.fixture
def api(stack):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: stack["api"]}):
        yield


def test_deployments_carry_the_form_schema_schedule_and_concurrency_limit(stack, api):
    from prefect import get_client

    with get_client(sync_client=True) as client:
        train = client.read_deployment_by_name("train/train")
        retrain = client.read_deployment_by_name("train/retrain")
    schema = train.parameter_openapi_schema
    request = schema["definitions"]["TrainingRequest"]["properties"]
    assert request["time_left"]["anyOf"][0]["minimum"] == 10
    assert request["dataset_uri"]["title"] == "Dataset" and request["dataset_uri"]["description"]
    assert set(schema["definitions"]["TrainingRequest"]["properties"]) >= {
        "dataset_uri", "target_column", "task", "metric", "generations", "population_size", "time_left",
        "per_run_limit", "parallel_mode", "cv_folds", "early_stop", "final_fits", "search_space", "model_name", "random_state",
        "holdout_fraction",
    }
    assert train.enforce_parameter_schema and train.work_pool_name == "automl-process"
    assert [s.schedule.cron for s in retrain.schedules] == ["0 3 * * 1"]
    assert retrain.concurrency_limit == 1 or retrain.global_concurrency_limit.limit == 1
    assert retrain.parameters["request"]["model_name"] == "credit-retrain"


def test_the_server_schedules_the_weekly_retrain(stack, api):
    """The server's scheduler creates the retrain deployment's next runs: Mondays, 03:00 UTC."""
    from prefect import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    deadline = time.monotonic() + 90
    with get_client(sync_client=True) as client:
        retrain = client.read_deployment_by_name("train/retrain")
        only_retrain = DeploymentFilter(id=DeploymentFilterId(any_=[retrain.id]))
        while not (scheduled := [r for r in client.read_flow_runs(deployment_filter=only_retrain)
                                 if r.state_type == "SCHEDULED"]) and time.monotonic() < deadline:
            time.sleep(2)
    assert scheduled, "the server created no scheduled run of the retrain deployment in 90 s (its scheduler failed)"
    starts = [r.expected_start_time.astimezone(timezone.utc) for r in scheduled]
    assert all((start.weekday(), start.hour, start.minute) == (0, 3, 0) for start in starts), starts


def test_invalid_parameters_are_rejected_by_the_api(stack, api):
    from prefect import get_client
    from prefect.exceptions import PrefectHTTPStatusError

    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("train/train")
        with pytest.raises(PrefectHTTPStatusError) as info:
            client.create_flow_run_from_deployment(
                deployment.id,
                parameters={"request": {"dataset_uri": "x.csv", "target_column": "y", "time_left": -1}},
            )
    assert info.value.response.status_code in (409, 422)
    assert "time_left" in info.value.response.text or "-1" in info.value.response.text


def test_a_run_through_the_worker_completes_registers_and_shows_artifacts(stack, api, tmp_path, dataset_path):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, LogFilter, LogFilterFlowRunId
    from prefect.deployments import run_deployment

    env = {
        "MLFLOW_TRACKING_URI": stack["mlflow"],
        "AUTOML_ARTIFACTS_URI": str(tmp_path / "artifacts"),
        "PREFECT_LOGGING_EXTRA_LOGGERS": "automl",
        "DASK_LOGGING__DISTRIBUTED": "warning",
    }
    request = {"dataset_uri": str(dataset_path("penguins")), "target_column": "species", "model_name": "penguins-ui",
               "time_left": 15, "generations": 2, "population_size": 6, "cv_folds": 3, "search_space": "fast"}
    flow_run = run_deployment("train/train", parameters={"request": request}, job_variables={"env": env}, timeout=400)
    assert flow_run.state.is_completed(), flow_run.state
    assert flow_run.name == "penguins-ui on train.parquet"

    version = MlflowClient(stack["mlflow"]).get_model_version_by_alias("penguins-ui", "challenger")
    assert version.version

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run.id])))
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run.id])))
    by_key = {a.key: a for a in artifacts}
    assert {"leaderboard", "training-summary", "mlflow-run", "mlflow-model-version"} <= set(by_key)
    assert by_key["training-summary"].data.startswith("# penguins-ui v")
    progress = [a for a in artifacts if a.type == "progress"]
    assert progress and float(progress[0].data) > 0
    assert any("Generation" in log.message for log in logs)
