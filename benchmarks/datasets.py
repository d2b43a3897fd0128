"""Scores of the platform on the five shared datasets at one budget (one fresh process each).

    .venv/bin/python benchmarks/datasets.py --budget 60 [--search-space default]

Reports the internal holdout score, the score on each dataset's separate test split, and
the wall time of the whole `train` call.
"""

from __future__ import annotations

import argparse

from runner import NAMES, run_train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=int, default=60, help="search budget, seconds")
    parser.add_argument("--search-space", default="default")
    parser.add_argument("--datasets", nargs="+", default=list(NAMES))
    args = parser.parse_args()
    print(f"budget {args.budget} s, search space {args.search_space}\n")
    print("| dataset | metric | evaluated | CV | holdout | test split | wall s |")
    print("|---|---|---|---|---|---|---|")
    for name in args.datasets:
        try:
            r = run_train(name, time_left=args.budget, generations=10_000, search_space=args.search_space)
        except RuntimeError as exc:
            print(f"| {name} | failed: {str(exc).splitlines()[-1][:120]} | | | | | |", flush=True)
            continue
        print(f"| {name} | {r['metric']} | {r['n_evaluated']} | {r['cv_score']:.4f} | {r['holdout_score']:.4f} "
              f"| {r['test_score']:.4f} | {r['wall']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
