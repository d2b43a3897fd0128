"""The platform against plain TPOT, a default HistGradientBoosting model and FLAML.

Each system trains on each dataset's train split within the same wall-clock budget, in a
fresh process, one run at a time, and is scored on the dataset's separate test split:

    .venv/bin/python benchmarks/compare.py --budget 60 [--systems automl hgb] [--datasets penguins] [--seeds 3]

With ``--seeds N`` each system runs N times, with random states 0 … N-1, and each cell is the
mean ± standard deviation over those runs (AutoGluon, which takes no random state, runs
once). One test split moves a score by more than the systems differ: a second table gives
the platform's lead over the best peer (FLAML, AutoGluon) and over the default
HistGradientBoosting model with a 95 % paired-bootstrap interval over the test rows
(:mod:`scoring`). Writes a markdown table (score, wall time of the whole process, peak memory of its process
tree) to ``benchmarks/results/compare-<budget>s.md`` and prints it as it goes. FLAML comes
from the ``bench`` extra (``pip install -e '.[bench]'``); AutoGluon from its own environment,
``.venv-autogluon`` (``make bench-autogluon``) or ``AUTOML_BENCH_AUTOGLUON_PYTHON``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path

import pandas as pd
from runner import NAMES, dataset_dir, run_system
from scoring import paired_interval, positive_class

SYSTEMS = ("automl", "tpot", "hgb", "flaml", "autogluon")
PEERS = ("flaml", "autogluon")
# Systems without a random-state option: one run stands for all (repeats gave the same scores).
UNSEEDED = ("autogluon",)
RESULTS = Path(__file__).with_name("results")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=int, default=60, help="wall-clock budget per run, seconds")
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS[:4]), choices=SYSTEMS,
                        help="systems to run (default: all but autogluon, which needs `make bench-autogluon`)")
    parser.add_argument("--datasets", nargs="+", default=list(NAMES))
    parser.add_argument("--seeds", type=int, default=1, help="runs per system and dataset, with random states 0 … N-1")
    parser.add_argument("--output", type=Path, help="markdown file (default benchmarks/results/compare-<budget>s.md)")
    args = parser.parse_args()
    output = args.output or RESULTS / f"compare-{args.budget}s.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"Budget {args.budget} s per run, {os.cpu_count()} cores; score on each dataset's test split"
        + (f" (mean ± sd of {args.seeds} runs, random states 0–{args.seeds - 1}; wall and peak: the largest)" if args.seeds > 1 else "")
        + "; wall = the whole process (start, imports, training, scoring); peak = resident memory of its process tree.",
        "",
        "| dataset (metric) | " + " | ".join(f"{s} score | {s} wall s | {s} peak MB" for s in args.systems) + " |",
        "|---|" + "---|---|---|" * len(args.systems),
    ]
    print("\n".join(lines), flush=True)
    details, leads = [], []
    for name in args.datasets:
        cells, metric, done = [], "", {}
        for system in args.systems:
            try:
                seeds = 1 if system in UNSEEDED else args.seeds
                runs = [run_system(system, name, args.budget, random_state=seed) for seed in range(seeds)]
            except RuntimeError as exc:
                cells += [f"failed: {str(exc).strip().splitlines()[-1][:80]}", "", ""]
                continue
            done[system] = runs
            metric = runs[0]["metric"]
            cells += [_score_cell([r["test_score"] for r in runs]), f"{max(r['wall'] for r in runs):.0f}",
                      f"{max(r['peak_mb'] for r in runs):.0f}"]
            for seed, r in enumerate(runs):
                facts = {k: r[k] for k in ("test_score", "call_wall", "final_choice", "final_choice_skipped", "final_model_fits", "cv_score", "holdout_score", "n_evaluated", "timings") if k in r}
                label = f", random state {seed}" if seeds > 1 else ""
                details.append(f"- {name}, {system}{label}: {' '.join(str(r.get('best_pipeline', '')).split())[:240]} {facts}")
        lines.append(f"| {name} ({metric}) | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
        leads += _leads(name, metric, done)
        output.write_text("\n".join([*lines, *_lead_table(leads), "", "Chosen models:", *details]) + "\n")
    print("\n".join(_lead_table(leads)))
    print(f"\nwritten to {output}")


def _leads(name: str, metric: str, done: dict[str, list[dict]]) -> list[str]:
    """Table rows: automl's mean test score minus the best peer's and the default HGB's, with 95 % intervals."""
    peers = {s: runs for s, runs in done.items() if s in PEERS}
    if "automl" not in done or not (peers or "hgb" in done):
        return []
    folder = dataset_dir(name)
    manifest = json.loads((folder / "manifest.json").read_text())
    y_true = pd.read_parquet(folder / "test.parquet")[manifest["target"]]
    positive = positive_class(y_true.unique()) if metric == "roc_auc" else None
    values = {s: [r["test_values"] for r in runs] for s, runs in done.items()}
    mean = lambda s: statistics.mean(r["test_score"] for r in done[s])  # noqa: E731
    cells = []
    for rival in (max(peers, key=mean) if peers else None, "hgb" if "hgb" in done else None):
        if rival is None:
            cells.append("")
            continue
        lead, low, high = paired_interval(metric, y_true, values["automl"], values[rival], positive)
        cells.append(f"{lead:+.4f} [{low:+.4f}, {high:+.4f}] vs {rival}")
    return [f"| {name} ({metric}) | " + " | ".join(cells) + " |"]


def _lead_table(rows: list[str]) -> list[str]:
    if not rows:
        return []
    return ["", "automl's lead (mean test score minus the rival's) with its 95 % paired-bootstrap interval over the test rows:",
            "", "| dataset (metric) | over the best peer | over the default HGB |", "|---|---|---|", *rows]


def _score_cell(scores: list[float]) -> str:
    if len(scores) == 1:
        return f"{scores[0]:.4f}"
    return f"{statistics.mean(scores):.4f} ± {statistics.stdev(scores):.4f}"


if __name__ == "__main__":
    main()
