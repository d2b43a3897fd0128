"""Prometheus metrics the library keeps (exposed by whoever serves the registry)."""

from prometheus_client import Counter

PARALLEL_FALLBACKS = Counter(
    "tpot_parallel_fallbacks",
    "Training runs that asked for the distributed cluster and fell back to a local one.",
)
