"""The exception tree: every error the library raises on purpose.

Input errors also inherit ``ValueError`` so plain handlers still catch them; infrastructure
errors are marked ``retryable`` so the flow retries those and only those.
"""

from __future__ import annotations


class AutoMLError(Exception):
    """Base of every error raised by automl."""

    retryable: bool = False


class InputError(AutoMLError, ValueError):
    """The request or the dataset is wrong; the message says what to change."""


class UnsupportedFormatError(InputError):
    """The dataset's file format is not one we can read."""


class DatasetNotFoundError(InputError, FileNotFoundError):
    """No file at the dataset URI."""


class EmptyDatasetError(InputError):
    """The dataset has no rows (or none left after dropping rows without a target)."""


class TargetColumnError(InputError):
    """The target column is missing, entirely empty, or unusable for the task."""


class TooFewClassesError(InputError):
    """A classification target needs at least two classes."""


class ClassTooSmallError(InputError):
    """A class has fewer rows than cross-validation and the holdout need."""


class MetricMismatchError(InputError):
    """The metric does not fit the task (e.g. ROC AUC for a regression target)."""


class SearchSpaceError(InputError):
    """The search-space preset or custom space cannot be built."""


class InfrastructureError(AutoMLError):
    """A service (storage, registry, cluster) failed; trying again may succeed."""

    retryable = True


class StorageError(InfrastructureError, OSError):
    """Reading or writing a file or object store failed."""


class RegistryError(InfrastructureError):
    """The MLflow tracking server or model registry failed."""


class ClusterUnavailableError(InfrastructureError, ConnectionError):
    """The Dask scheduler cannot be reached, or has no workers."""


class WorkerLostError(InfrastructureError):
    """Workers died during the search and took the training data with them."""


class SearchFailedError(AutoMLError, RuntimeError):
    """The search produced no usable pipeline (every evaluation failed or timed out)."""


def is_retryable(exc: BaseException) -> bool:
    """True when ``exc`` is worth another attempt."""
    return bool(getattr(exc, "retryable", False))
