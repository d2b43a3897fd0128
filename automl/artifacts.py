"""Write a training run's files: model, leaderboard, Pareto front, evaluations, summary.

Files are written to a local staging folder (which MLflow logs from) and, when the
destination is a remote fsspec URI, copied there as well.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
import joblib
import pandas as pd

from automl import storage
from automl.errors import StorageError

log = logging.getLogger(__name__)

SUMMARY_JSON_LIMIT = 64 * 1024
MODEL_FILE = "model.joblib"


@dataclass(frozen=True)
class ArtifactSet:
    """Where a run's files are: the local folder and each file's final URI."""

    local_dir: Path
    uris: dict[str, str]


def write_artifacts(
    model: Any,
    leaderboard: pd.DataFrame,
    pareto_front: pd.DataFrame,
    evaluated: pd.DataFrame,
    summary: dict,
    destination: str,
    storage_options: dict | None = None,
) -> ArtifactSet:
    """Write every artifact to ``destination`` (a folder, or a remote URI staged locally)."""
    local = _is_local(destination)
    local_dir = Path(destination.removeprefix("file://")) if local else Path(tempfile.mkdtemp(prefix="automl-"))
    local_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, local_dir / MODEL_FILE)
    _write_json(local_dir / "leaderboard.json", _records(leaderboard))
    _write_json(local_dir / "pareto_front.json", _records(pareto_front))
    _parquet_safe(evaluated).to_parquet(local_dir / "evaluated_individuals.parquet", index=False)
    _write_json(local_dir / "evaluated_individuals.json", evaluations_summary(evaluated))
    _write_json(local_dir / "summary.json", summary)
    names = sorted(p.name for p in local_dir.iterdir())
    if local:
        return ArtifactSet(local_dir, {name: str(local_dir / name) for name in names})
    try:
        fs, root = fsspec.core.url_to_fs(destination, **(storage_options or {}))
        fs.put(str(local_dir) + "/", root, recursive=True)
    except OSError as exc:
        raise StorageError(f"Could not copy artifacts to {storage.redact_uri(destination)!r}: {exc}") from exc
    log.info("Copied %d artifacts to %s.", len(names), storage.redact_uri(destination))
    return ArtifactSet(local_dir, {name: storage.join(destination, name) for name in names})


def evaluations_summary(evaluated: pd.DataFrame, limit: int = SUMMARY_JSON_LIMIT) -> dict:
    """Counts (rows, and rows by Status) plus as many evaluation rows as fit in ``limit`` bytes of JSON."""
    rows = _records(evaluated)
    status = evaluated["Status"].value_counts().to_dict() if "Status" in evaluated else {}
    summary: dict[str, Any] = {"n_rows": len(rows), "status": status, "columns": list(evaluated.columns), "rows": []}
    size = len(json.dumps(summary))
    for row in rows:
        size += len(json.dumps(row)) + 2
        if size > limit:
            break
        summary["rows"].append(row)
    summary["truncated"] = len(summary["rows"]) < len(rows)
    return summary


def _parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Mixed-type object columns (scores next to "INVALID", tuples of parents) as text."""
    mixed = [c for c in frame.columns if frame[c].dtype == object]
    return frame.astype({c: "string" for c in mixed})


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-safe dicts (NaN becomes null)."""
    return json.loads(frame.to_json(orient="records", default_handler=str))


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, default=str))


def _is_local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")
