"""MLflow: one run per training, the model logged and registered with an alias."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from automl import artifacts
from automl import model as automl_model
from automl.errors import RegistryError
from automl.storage import redact_uri

log = logging.getLogger(__name__)

CHALLENGER = "challenger"
# The model pickles TPOT and scikit-learn objects; these packages load it anywhere.
_MODEL_PACKAGES = ("scikit-learn", "tpot", "pandas", "numpy", "scipy", "cloudpickle", "xgboost", "lightgbm")


@dataclass(frozen=True)
class Registration:
    """Where the run and the registered model version are."""

    experiment_id: str
    run_id: str
    model_name: str
    model_version: str
    alias: str
    model_uri: str


def register(
    *,
    tracking_uri: str,
    experiment: str,
    run_name: str,
    model: Any,
    model_name: str,
    features: pd.DataFrame,
    params: dict[str, Any],
    metrics: dict[str, float],
    tags: dict[str, str],
    artifacts_dir: Path,
) -> Registration:
    """Log the run, log and register the model, then point the ``challenger`` alias at it.

    If anything fails after the version exists, the version is deleted again so the
    registry never holds a half-registered model; the run is marked FAILED.
    """
    import mlflow
    from mlflow.models import infer_signature

    mlflow.set_tracking_uri(tracking_uri)
    client = mlflow.MlflowClient(tracking_uri)
    version_created: str | None = None
    try:
        experiment_id = _experiment_id(client, experiment)
        with mlflow.start_run(experiment_id=experiment_id, run_name=run_name, tags=tags) as run:
            mlflow.log_params({k: _param(v) for k, v in params.items()})
            mlflow.log_metrics(metrics)
            # The run's files except the model file: the model is logged once, as MLflow's model.
            for path in sorted(artifacts_dir.iterdir()):
                if path.name != artifacts.MODEL_FILE:
                    mlflow.log_artifact(str(path), artifact_path="automl")
            example = features.head(5)
            with warnings.catch_warnings():
                # Integer columns stay integers in the signature, as in the training table.
                warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer")
                signature = infer_signature(example, model.predict(example))
            info = _log_model(
                model,
                name="model",
                signature=signature,
                input_example=example,
                serialization_format="cloudpickle",
                pip_requirements=_requirements(),
                registered_model_name=model_name,
            )
            version_created = str(info.registered_model_version)
            client.set_registered_model_alias(model_name, CHALLENGER, version_created)
            client.set_model_version_tag(model_name, version_created, "mlflow_run_id", run.info.run_id)
    except Exception as exc:
        if version_created is not None:
            _delete_version(client, model_name, version_created)
        raise RegistryError(f"Could not register model {model_name!r} in MLflow at {redact_uri(tracking_uri)}: {exc}") from exc
    log.info("Registered %s version %s (alias %s), run %s.", model_name, version_created, CHALLENGER, run.info.run_id)
    return Registration(
        experiment_id=experiment_id,
        run_id=run.info.run_id,
        model_name=model_name,
        model_version=version_created,
        alias=CHALLENGER,
        model_uri=f"models:/{model_name}@{CHALLENGER}",
    )


def _log_model(model: Any, **kwargs: Any) -> Any:
    """``mlflow.sklearn.log_model`` with automl's own model classes pickled by value."""
    import cloudpickle
    import mlflow

    cloudpickle.register_pickle_by_value(automl_model)
    try:
        return mlflow.sklearn.log_model(model, **kwargs)
    finally:
        cloudpickle.unregister_pickle_by_value(automl_model)


def _experiment_id(client: Any, name: str) -> str:
    found = client.get_experiment_by_name(name)
    return found.experiment_id if found is not None else client.create_experiment(name)


def _param(value: Any) -> str:
    text = value.model_dump_json() if hasattr(value, "model_dump_json") else str(value)
    return text[:6000]


def _requirements() -> list[str]:
    pins = []
    for package in _MODEL_PACKAGES:
        try:
            pins.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            continue
    return pins


def _delete_version(client: Any, name: str, model_version: str) -> None:
    try:
        client.delete_model_version(name, model_version)
        log.warning("Deleted half-registered %s version %s.", name, model_version)
    except Exception:  # the original error matters more than the cleanup's
        log.exception("Could not delete half-registered %s version %s.", name, model_version)
