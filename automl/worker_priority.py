"""Preloaded first into every local Dask worker: the worker runs at a lower CPU priority.

A run's local workers start (importing TPOT, scikit-learn and Prefect) while Prefect's
temporary API starts in its own process; on 2 cores they took the CPU it needed, and the
flow began 15.5–15.9 s after the call. With the workers niced, 12.5 s: the search started
2–3 s sooner. Once the search runs the flow's process mostly waits, so the workers lose
nothing; they also yield to other work on the machine. Dask runs preloads as it imports
them, before any setup hook: the priority drops on import, and only in a process a nanny
started as its worker (importing this module anywhere else changes nothing).
"""

from __future__ import annotations

import multiprocessing
import os

NICENESS = 10
# The name Dask's nanny gives the worker process it starts.
WORKER_PROCESS = "Dask Worker process (from Nanny)"


def lower_priority() -> None:
    """Lower this process's CPU priority by ``NICENESS`` if it is a nanny's worker."""
    if multiprocessing.current_process().name == WORKER_PROCESS:
        os.nice(NICENESS)


lower_priority()
