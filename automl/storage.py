"""Files and object stores through fsspec (s3fs for ``s3://``), errors translated once."""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterator

import fsspec

from automl.errors import DatasetNotFoundError, StorageError

_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def redact_uri(uri: str) -> str:
    """``uri`` without any ``user:password@`` part, safe for logs, tags and results."""
    return _USERINFO.sub("***@", uri)


def read_bytes(uri: str, storage_options: dict) -> bytes:
    """The whole object at ``uri``."""
    try:
        with fsspec.open(uri, "rb", **storage_options) as handle:
            return handle.read()
    except FileNotFoundError as exc:
        raise DatasetNotFoundError(
            f"No file at dataset URI {redact_uri(uri)!r}. Check the path (relative paths are "
            "resolved from the working directory) or the bucket and key."
        ) from exc
    except (OSError, ValueError) as exc:
        raise StorageError(f"Could not read {redact_uri(uri)!r}: {exc}") from exc


def join(base: str, *parts: str) -> str:
    """``base/part/…`` for local folders and URIs alike."""
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])


@contextmanager
def open_for_write(uri: str, storage_options: dict) -> Iterator:
    """A binary handle at ``uri``, parent folders created for local paths."""
    try:
        fs, path = fsspec.core.url_to_fs(uri, **storage_options)
        parent = path.rsplit("/", 1)[0]
        if parent and parent != path:
            fs.makedirs(parent, exist_ok=True)
        with fs.open(path, "wb") as handle:
            yield handle
    except OSError as exc:
        raise StorageError(f"Could not write {redact_uri(uri)!r}: {exc}") from exc
