"""The real train flow reading its table from, and writing its artifacts to, an S3-compatible server (moto)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from mlflow import MlflowClient

from automl.errors import DatasetNotFoundError
from automl.schemas import TrainingRequest
from flows.train import train

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TINY = dict(time_left=40, generations=2, population_size=6, cv_folds=3, search_space="fast", per_run_limit=20,
            parallel_mode="off")
KEY, SECRET = "automl-test-key", "s3cr3t-must-never-leak-7f3a9c"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the server is up
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory):
    """A moto S3 server on a free loopback port for this module; stopped (and reaped) afterwards."""
    exe = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which("moto_server")
    if exe is None:
        pytest.skip("S3-compatible server unavailable: `moto_server` (pip install 'moto[server]') not found")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("moto") / "moto_server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _answers(endpoint):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(errors="replace")[-3000:]
                pytest.fail(f"moto_server did not answer on {endpoint} (exit code {proc.poll()}):\n{tail}")
            time.sleep(0.1)
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def s3(s3_endpoint, tmp_path, monkeypatch, clean_env):
    """A fresh bucket, an s3fs client on it, and the project's environment pointing at the server."""
    import s3fs

    bucket = f"automl-{uuid.uuid4().hex[:12]}"
    fs = s3fs.S3FileSystem(key=KEY, secret=SECRET, client_kwargs={"endpoint_url": s3_endpoint},
                           skip_instance_cache=True)
    fs.mkdir(bucket)
    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    for name, value in {
        "AWS_ENDPOINT_URL_S3": s3_endpoint,
        "AWS_ACCESS_KEY_ID": KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AUTOML_ARTIFACTS_URI": f"s3://{bucket}/artifacts",
        "MLFLOW_TRACKING_URI": tracking_uri,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return {"fs": fs, "bucket": bucket, "tracking_uri": tracking_uri}


def test_table_read_from_s3_and_artifacts_written_back(s3, dataset_path):
    """Dataset and artifacts live in S3; lineage is the s3 URI and the secret key is never recorded."""
    fs, bucket = s3["fs"], s3["bucket"]
    uri = f"s3://{bucket}/tables/credit.parquet"
    fs.put(str(dataset_path("credit_data")), uri)

    result = train(TrainingRequest(dataset_uri=uri, target_column="Status", **TINY))

    assert result.dataset_uri == uri
    assert {"model.joblib", "summary.json", "leaderboard.json"} <= set(result.artifacts)
    fs.invalidate_cache()
    for name, artifact_uri in result.artifacts.items():
        assert artifact_uri.startswith(f"s3://{bucket}/artifacts/"), (name, artifact_uri)
        assert fs.exists(artifact_uri), artifact_uri
    summary_text = fs.cat(result.artifacts["summary.json"]).decode()
    assert json.loads(summary_text)["dataset"]["fingerprint"] == result.dataset_fingerprint

    run = MlflowClient(s3["tracking_uri"]).get_run(result.mlflow_run_id)
    assert run.data.tags["dataset_uri"] == uri
    recorded = [summary_text, result.model_dump_json(), *map(str, run.data.params.items()),
                *map(str, run.data.tags.items())]
    assert not [text for text in recorded if SECRET in text]


def test_missing_object_fails_fast_with_dataset_not_found(s3):
    """A key that is not in the bucket is a typed input error before any search; nothing is registered."""
    started = time.monotonic()
    with pytest.raises(DatasetNotFoundError, match="nope.parquet"):
        train(TrainingRequest(dataset_uri=f"s3://{s3['bucket']}/tables/nope.parquet", target_column="Status", **TINY))
    assert time.monotonic() - started < 30
    assert MlflowClient(s3["tracking_uri"]).search_registered_models() == []
    s3["fs"].invalidate_cache()
    assert not s3["fs"].exists(f"s3://{s3['bucket']}/artifacts")
