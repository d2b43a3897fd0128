"""Load a table (CSV or Parquet, local or any fsspec URI) and check it before any search."""

from __future__ import annotations

import difflib
import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import PurePosixPath

import pandas as pd

from automl import storage
from automl.errors import EmptyDatasetError, TargetColumnError, UnsupportedFormatError

log = logging.getLogger(__name__)

_COMPRESSIONS = {".gz", ".bz2", ".zip", ".xz", ".zst"}
_READERS = {
    ".csv": lambda buf, comp: pd.read_csv(buf, compression=comp),
    ".tsv": lambda buf, comp: pd.read_csv(buf, sep="\t", compression=comp),
    ".parquet": lambda buf, comp: pd.read_parquet(buf),
    ".pq": lambda buf, comp: pd.read_parquet(buf),
}


@dataclass(frozen=True)
class Dataset:
    """Features and target of one table, with where it came from."""

    uri: str
    name: str
    fingerprint: str
    features: pd.DataFrame
    target: pd.Series
    n_rows_dropped: int


def file_format(uri: str) -> tuple[str, str | None]:
    """(format suffix, compression) from the URI's file name, or UnsupportedFormatError."""
    suffixes = [s.lower() for s in PurePosixPath(uri.split("?", 1)[0]).suffixes]
    compression = None
    if suffixes and suffixes[-1] in _COMPRESSIONS:
        compression = {".gz": "gzip", ".bz2": "bz2", ".zip": "zip", ".xz": "xz", ".zst": "zstd"}[suffixes.pop()]
    if suffixes and suffixes[-1] in _READERS:
        return suffixes[-1], compression
    raise UnsupportedFormatError(
        f"Cannot read {storage.redact_uri(uri)!r}: unknown file format "
        f"{''.join(suffixes) or '(no extension)'!r}. Use .csv, .tsv or .parquet "
        "(CSV may be compressed: .csv.gz, .csv.zip, …)."
    )


def load_dataset(uri: str, target_column: str, storage_options: dict) -> Dataset:
    """Read ``uri``, check the target column, drop rows whose target is missing."""
    suffix, compression = file_format(uri)
    raw = storage.read_bytes(uri, storage_options)
    fingerprint = "sha256:" + hashlib.sha256(raw).hexdigest()
    try:
        frame = _READERS[suffix](io.BytesIO(raw), compression)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise UnsupportedFormatError(
            f"Could not parse {storage.redact_uri(uri)!r} as {suffix[1:]}: {exc}"
        ) from exc
    frame.columns = [str(c) for c in frame.columns]
    name = _dataset_name(uri)
    if frame.empty:
        raise EmptyDatasetError(f"Dataset {name!r} ({storage.redact_uri(uri)}) has no rows.")
    _check_target_present(frame, target_column, name)

    missing = frame[target_column].isna()
    if missing.all():
        raise TargetColumnError(
            f"Target column {target_column!r} in {name!r} is empty: all {len(frame)} values are missing."
        )
    if missing.any():
        log.warning("Dropped %d of %d rows of %s: target %r missing.", missing.sum(), len(frame), name, target_column)
    frame = frame.loc[~missing].reset_index(drop=True)
    features = frame.drop(columns=[target_column])
    if features.shape[1] == 0:
        raise EmptyDatasetError(f"Dataset {name!r} has no feature columns besides the target {target_column!r}.")
    log.info("Loaded %s: %d rows, %d features, %s.", name, len(frame), features.shape[1], fingerprint[:19])
    return Dataset(
        uri=storage.redact_uri(uri),
        name=name,
        fingerprint=fingerprint,
        features=features,
        target=frame[target_column],
        n_rows_dropped=int(missing.sum()),
    )


def _check_target_present(frame: pd.DataFrame, target: str, name: str) -> None:
    if target in frame.columns:
        return
    columns = list(frame.columns)
    folded = {c.strip().lower(): c for c in columns}
    guess = folded.get(target.strip().lower()) or next(iter(difflib.get_close_matches(target, columns, n=1)), None)
    hint = f" Did you mean {guess!r}?" if guess else ""
    shown = ", ".join(repr(c) for c in columns[:30]) + (" …" if len(columns) > 30 else "")
    raise TargetColumnError(f"Target column {target!r} not found in {name!r}.{hint} Columns: {shown}.")


def _dataset_name(uri: str) -> str:
    path = PurePosixPath(uri.split("?", 1)[0].rstrip("/"))
    return path.name or uri
