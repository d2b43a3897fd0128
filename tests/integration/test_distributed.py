"""Distributed mode on real `dask scheduler` / `dask worker` processes, and the fallback policy."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import psutil
import pytest
from mlflow import MlflowClient

from automl.errors import ClusterUnavailableError
from automl.metrics import PARALLEL_FALLBACKS
from automl.schemas import TrainingRequest
from flows.train import train

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "infra" / "local-stack.sh"
TINY = dict(time_left=20, generations=2, population_size=6, cv_folds=3, search_space="fast", per_run_limit=20)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dask_processes(run_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(run_dir) in cmdline:
            found.append(proc)
    return found


@pytest.fixture
def dask_stack(tmp_path):
    """A scheduler and two one-thread workers, started and stopped by the project's stack script."""
    run_dir = tmp_path / "run"
    port = free_port()
    env = {**os.environ, "AUTOML_RUN_DIR": str(run_dir), "DASK_SCHEDULER_PORT": str(port),
           "AUTOML_SERVICES": "dask-scheduler dask-workers",
           "DASK_WORKERS": "2", "DASK_WORKER_MEMORY": "2GiB"}
    started = subprocess.run(["bash", str(STACK), "start"], env=env, capture_output=True, text=True, timeout=60)
    assert started.returncode == 0, started.stdout + started.stderr
    from distributed import Client

    try:
        with Client(f"tcp://127.0.0.1:{port}", timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
    except Exception as exc:  # noqa: BLE001 - report the workers' log with any start-up failure
        log = (run_dir / "dask-workers.log").read_text()[-3000:]
        subprocess.run(["bash", str(STACK), "stop"], env=env, timeout=60)
        pytest.fail(f"Dask workers did not start: {exc}\n{log}")
    yield {"address": f"tcp://127.0.0.1:{port}", "scheduler_file": run_dir / "dask-scheduler.json", "run_dir": run_dir}
    subprocess.run(["bash", str(STACK), "stop"], env=env, capture_output=True, timeout=60)
    deadline = time.monotonic() + 20
    while _dask_processes(run_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _dask_processes(run_dir), "stack processes left after stop"


def _request(dataset_path, **overrides) -> TrainingRequest:
    fields = {"dataset_uri": str(dataset_path("credit_data")), "target_column": "Status", **TINY, **overrides}
    return TrainingRequest(**fields)


def test_distributed_by_address(stores, dataset_path, dask_stack, monkeypatch):
    monkeypatch.setenv("TPOT__DASK_ADDRESS", dask_stack["address"])
    result = train(_request(dataset_path, parallel_mode="distributed"))
    assert (result.parallel_mode_requested, result.parallel_mode_effective) == ("distributed", "distributed")
    assert result.fallback_reason is None
    tags = MlflowClient(stores["tracking_uri"]).get_run(result.mlflow_run_id).data.tags
    assert tags["parallel_mode_effective"] == "distributed"


def test_distributed_by_scheduler_file_that_appears_later(stores, dataset_path, dask_stack, monkeypatch, tmp_path):
    late_file = tmp_path / "late" / "scheduler.json"
    monkeypatch.setenv("TPOT__DASK_SCHEDULER_FILE", str(late_file))
    monkeypatch.setenv("TPOT__SCHEDULER_FILE_WAIT", "30")

    def publish_later() -> None:
        time.sleep(3)
        late_file.parent.mkdir()
        late_file.write_text(dask_stack["scheduler_file"].read_text())

    threading.Thread(target=publish_later, daemon=True).start()
    result = train(_request(dataset_path, parallel_mode="distributed"))
    assert result.parallel_mode_effective == "distributed"


def test_workers_start_with_glibc_malloc_defaults(dask_stack):
    """Dask's MALLOC_TRIM_THRESHOLD_ would make every large allocation an mmap (boosting 2.3x slower)."""
    from distributed import Client

    from automl.cluster import start_local_cluster

    def trim_threshold() -> str | None:
        return os.environ.get("MALLOC_TRIM_THRESHOLD_")

    with Client(dask_stack["address"], timeout=30) as client:
        assert set(client.run(trim_threshold).values()) == {None}
    with start_local_cluster(1, 1024) as cluster, Client(cluster) as client:
        assert set(client.run(trim_threshold).values()) == {None}
    assert trim_threshold() is None  # nor was this process's environment changed for later workers


def test_local_workers_yield_the_cpu_to_the_flow_process():
    """Niced workers leave the CPU to Prefect's temporary API while they all start."""
    from distributed import Client

    from automl.cluster import start_local_cluster

    ours = os.nice(0)
    from automl.worker_priority import NICENESS

    assert os.nice(0) == ours  # importing the module outside a worker changes nothing
    with start_local_cluster(2, 1024) as cluster, Client(cluster) as client:
        assert set(client.run(os.nice, 0).values()) == {min(19, ours + NICENESS)}
    assert os.nice(0) == ours  # this process keeps its priority


def test_a_cluster_started_early_is_the_one_the_fit_uses_and_is_closed_after(monkeypatch):
    from distributed.core import Status

    from automl.config import Settings
    from flows.placement import cluster_started_early, fit_placement

    monkeypatch.setenv("TPOT__N_JOBS", "1")
    settings = Settings()
    with cluster_started_early("off", settings) as nothing:
        assert nothing is None
    with cluster_started_early("local", settings) as early:
        with fit_placement("local", settings) as placement:
            cluster = early.result()
            assert placement.runner.client.scheduler.address == cluster.scheduler_address
            assert placement.info.effective == "local"
            # A worker still busy when the fit ends (an evaluation the search cancelled).
            placement.runner.client.submit(time.sleep, 3, pure=False)
            time.sleep(0.5)
            left = time.monotonic()
        assert time.monotonic() - left < 1, "the run waited for the busy worker"
        assert cluster.status != Status.closed  # closing in the background
        placement.wait_closed()
        assert cluster.status == Status.closed


def _silent_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)  # accepts connections, never answers
    return sock


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_unreachable_scheduler_falls_back_to_local_within_the_timeout(stores, dataset_path, monkeypatch, kind):
    silent = _silent_port() if kind == "silent" else None
    port = silent.getsockname()[1] if silent else free_port()
    monkeypatch.setenv("TPOT__DASK_ADDRESS", f"tcp://127.0.0.1:{port}")
    monkeypatch.setenv("TPOT__CONNECT_TIMEOUT", "3")
    from flows.placement import find_cluster
    from automl.config import Settings

    started = time.monotonic()
    with pytest.raises(ClusterUnavailableError):
        find_cluster(Settings())
    assert time.monotonic() - started < 3 + 2  # decided within the configured timeout (+ slack)

    before = PARALLEL_FALLBACKS._value.get()
    result = train(_request(dataset_path, parallel_mode="distributed"))
    assert (result.parallel_mode_requested, result.parallel_mode_effective) == ("distributed", "local")
    assert f"127.0.0.1:{port}" in result.fallback_reason
    assert PARALLEL_FALLBACKS._value.get() == before + 1
    tags = MlflowClient(stores["tracking_uri"]).get_run(result.mlflow_run_id).data.tags
    assert tags["parallel_mode_requested"] == "distributed"
    assert tags["parallel_mode_effective"] == "local"
    assert f"127.0.0.1:{port}" in tags["fallback_reason"]
    if silent:
        silent.close()
    leftover = [p for p in psutil.Process().children(recursive=True) if "spawn_main" in " ".join(p.cmdline())]
    assert not leftover, f"worker processes of the run's LocalCluster still alive: {leftover}"


def test_without_fallback_the_run_fails_naming_the_address(stores, dataset_path, monkeypatch):
    port = free_port()
    monkeypatch.setenv("TPOT__DASK_ADDRESS", f"tcp://127.0.0.1:{port}")
    monkeypatch.setenv("TPOT__CONNECT_TIMEOUT", "2")
    monkeypatch.setenv("ENABLE_AUTOML_FALLBACK", "false")
    with pytest.raises(ClusterUnavailableError, match=f"127.0.0.1:{port}"):
        train(_request(dataset_path, parallel_mode="distributed"))
    assert MlflowClient(stores["tracking_uri"]).search_registered_models() == []


def test_missing_scheduler_file_after_the_wait(stores, dataset_path, monkeypatch, tmp_path):
    monkeypatch.setenv("TPOT__DASK_SCHEDULER_FILE", str(tmp_path / "never.json"))
    monkeypatch.setenv("TPOT__SCHEDULER_FILE_WAIT", "1")
    monkeypatch.setenv("ENABLE_AUTOML_FALLBACK", "false")
    with pytest.raises(ClusterUnavailableError, match="never.json"):
        train(_request(dataset_path, parallel_mode="distributed"))


def test_worker_killed_mid_search_still_produces_a_model(stores, dataset_path, dask_stack, monkeypatch):
    """SIGKILL the worker that is not running the fit task while the search is under way."""
    from distributed import Client

    monkeypatch.setenv("TPOT__DASK_ADDRESS", dask_stack["address"])
    killed: dict[str, int] = {}

    def kill_a_worker() -> None:
        with Client(dask_stack["address"], timeout=10) as client:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                busy = {w: tasks for w, tasks in client.processing().items() if tasks}
                fit_worker = next((w for w, tasks in busy.items() if any("tpot" in str(t) for t in tasks)), None)
                evaluating = [w for w in busy if w != fit_worker]
                if fit_worker and evaluating:
                    time.sleep(4)  # let a generation get going
                    pid = client.run(os.getpid, workers=[evaluating[0]])[evaluating[0]]
                    os.kill(pid, signal.SIGKILL)
                    killed["pid"] = pid
                    return
                time.sleep(0.2)

    killer = threading.Thread(target=kill_a_worker, daemon=True)
    killer.start()
    result = train(_request(dataset_path, parallel_mode="distributed", time_left=40, generations=4))
    killer.join(timeout=5)
    assert killed, "no worker was killed: the search never used both workers"
    assert not psutil.pid_exists(killed["pid"]) or psutil.Process(killed["pid"]).status() == psutil.STATUS_ZOMBIE
    assert result.parallel_mode_effective == "distributed"
    assert result.model_version == "1" and result.cv_score > 0.6
