"""Search throughput with 1 and 2 local Dask workers, and where a run's wall time goes.

Each configuration runs the real train flow in a fresh process, one at a time:

    .venv/bin/python benchmarks/parallel.py --dataset credit_data --budget 60 --workers 1 2

Prints a markdown table: evaluations per minute of search, search seconds, the rest of the
wall time (process start, Prefect, cluster start, holdout scoring, artifacts, MLflow).
"""

from __future__ import annotations

import argparse
import os

from runner import run_train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="credit_data")
    parser.add_argument("--budget", type=int, default=60, help="search budget, seconds")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--search-space", default="fast")
    args = parser.parse_args()
    print(f"{args.dataset}, budget {args.budget} s, search space {args.search_space}, {os.cpu_count()} cores\n")
    print("| workers | evaluations | evals/min | search s | rest of wall s | wall s | CV | test |")
    print("|---|---|---|---|---|---|---|---|")
    for workers in args.workers:
        r = run_train(args.dataset, env={"TPOT__N_JOBS": str(workers)}, time_left=args.budget, generations=10_000,
                      search_space=args.search_space, parallel_mode="local")
        search = r["timings"]["search"]
        print(f"| {workers} | {r['n_evaluated']} | {60 * r['n_evaluated'] / search:.1f} | {search:.1f} "
              f"| {r['wall'] - search:.1f} | {r['wall']:.1f} | {r['cv_score']:.4f} | {r['test_score']:.4f} |", flush=True)


if __name__ == "__main__":
    main()
