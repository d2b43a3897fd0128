"""The platform against the peers on rows no system saw: held-out fifths of each train split.

A test split of a few hundred to a few thousand rows moves a score by more than the systems
differ (see ``compare.py``'s intervals). Here each system trains, in a fresh process at the same
wall-clock budget as in ``compare.py``, on four fifths of a dataset's *train* split and is scored
on the held-out fifth, for each of the ``--folds`` (default all five) of the shuffled 5-fold split
that ``final_choice.py`` uses (random state = fold number). Every fold is a paired comparison: the
platform's lead is the mean over folds of its score minus the rival's, ± its standard error.
The test splits are not read.

    .venv/bin/python benchmarks/outer_folds.py --budget 60 [--systems automl hgb flaml autogluon] [--datasets ames] [--folds 3 4]

``--data benchmarks/other-data`` runs it on the tables ``other_datasets.py`` writes there, on which
none of the platform's design choices was measured.

Writes ``benchmarks/results/outer-<budget>s.md`` (``<folder>-<budget>s.md`` for another ``--data``) as it goes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path

import numpy as np
import train_split
from compare import PEERS, RESULTS, SYSTEMS
from runner import run_system


def fold_folders(name: str, chosen: list[int], work: Path, data: Path) -> dict[int, Path]:
    """The ``chosen`` folds of ``name``'s train split, each a folder laid out as a dataset: four fifths to train on, one to score."""
    table, described, folds = train_split.outer_folds(name, data)
    folders = {}
    for fold in chosen:
        rows, held_out = folds[fold]
        folder = work / f"{name}-{fold}"
        folder.mkdir()
        table.iloc[rows].to_parquet(folder / "train.parquet", index=False)
        table.iloc[held_out].to_parquet(folder / "test.parquet", index=False)
        fields = {key: described[key] for key in ("name", "target", "task", "metric")}
        (folder / "manifest.json").write_text(json.dumps(fields))
        folders[fold] = folder
    return folders


def lead(ours: list[float], theirs: list[float]) -> str:
    """Mean paired difference ± standard error, and on how many folds ``ours`` was ahead."""
    differences = np.subtract(ours, theirs)
    error = differences.std(ddof=1) / np.sqrt(len(differences)) if len(differences) > 1 else float("nan")
    return f"{differences.mean():+.4f} ± {error:.4f} (ahead on {int((differences > 0).sum())}/{len(differences)})"


def _choice(detail: dict) -> str:
    """``summary.json``'s final choice in a few words: what was kept, and among which contenders' fold scores."""
    if "skipped" in detail:
        return f"{detail['chosen']} (nothing compared: {detail['skipped']})"
    scores = ", ".join(f"{name} {value:.4f}" for name, value in detail["cv_scores"].items())
    late = "; default not ready" if "default" in detail else ""
    folds = f" on {detail['folds']} folds" if "folds" in detail else ""
    return f"{detail['chosen']} ({scores}{folds}{late})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=int, default=60, help="wall-clock budget per run, seconds")
    parser.add_argument("--systems", nargs="+", default=["automl", "hgb", "flaml"], choices=SYSTEMS,
                        help="systems to run (default: automl hgb flaml; autogluon needs `make bench-autogluon`)")
    parser.add_argument("--data", type=Path, default=train_split.DATA,
                        help="folder holding the datasets (default: the bundled ones, examples/data)")
    parser.add_argument("--datasets", nargs="+", help="default: every dataset in --data")
    parser.add_argument("--folds", nargs="+", type=int, default=list(range(5)), choices=range(5),
                        help="which held-out fifths to run, 0-4 (default all five)")
    parser.add_argument("--output", type=Path, help="markdown file (default benchmarks/results/outer-<budget>s.md, "
                        "or <folder>-<budget>s.md for another --data folder)")
    args = parser.parse_args()
    datasets = args.datasets or train_split.names(data=args.data)
    bundled = args.data.resolve() == train_split.DATA
    output = args.output or RESULTS / (f"outer-{args.budget}s.md" if bundled else f"{args.data.name}-{args.budget}s.md")
    output.parent.mkdir(parents=True, exist_ok=True)
    header = [
        f"Budget {args.budget} s per run, {os.cpu_count()} cores; each system trained on four fifths of each dataset's "
        f"train split and scored on the fifth it did not see, for folds {' '.join(map(str, args.folds))}; score = mean ± sd over folds; "
        "wall = the largest whole process (start, imports, training, scoring).",
        "",
        "| dataset (metric) | " + " | ".join(f"{s} score | {s} wall s" for s in args.systems) + " |",
        "|---|" + "---|---|" * len(args.systems),
    ]
    rows, leads, details = [], [], []
    print("\n".join(header), flush=True)
    with tempfile.TemporaryDirectory() as work:
        for name in datasets:
            metric = train_split.manifest(name, args.data)["metric"]
            scores: dict[str, list[float]] = {system: [] for system in args.systems}
            walls: dict[str, list[float]] = {system: [] for system in args.systems}
            for fold, folder in fold_folders(name, args.folds, Path(work), args.data).items():
                for system in args.systems:
                    run = run_system(system, folder, args.budget, random_state=fold)
                    scores[system].append(run["test_score"])
                    walls[system].append(run["wall"])
                    call = f", train call {run['call_wall']:.0f} s" if "call_wall" in run else ""
                    if "final_choice_detail" in run:  # the platform: what its final choice compared and kept, and when its search stopped
                        ahead = run["timings"].get("default_predictions", 0.0)
                        call += f", default predicted in {ahead:.1f} s before the search, final choice {_choice(run['final_choice_detail'])}"
                        call += f", search stopped by {run['search_detail']['stopped_by']}"
                        if run["search_detail"].get("seconds_past_stop"):
                            call += f" {run['search_detail']['seconds_past_stop']:.1f} s past its stop"
                    details.append(f"- {name} fold {fold}, {system}: {run['test_score']:.4f} in {run['wall']:.0f} s{call}; "
                                   f"{' '.join(str(run.get('best_pipeline', '')).split())[:200]}")
                    print(details[-1], flush=True)
            cells = [f"{statistics.mean(found):.4f} ± {statistics.stdev(found) if len(found) > 1 else 0:.4f} | {max(walls[s]):.0f}"
                     for s, found in scores.items()]
            rows.append(f"| {name} ({metric}) | " + " | ".join(cells) + " |")
            if "automl" in scores and len(scores) > 1:  # the platform run alone has no lead to show
                peers = [s for s in scores if s in PEERS]
                best = max(peers, key=lambda s: statistics.mean(scores[s])) if peers else None
                cell = lambda rival: f"{lead(scores['automl'], scores[rival])} vs {rival}" if rival else ""  # noqa: E731
                leads.append(f"| {name} ({metric}) | {cell(best)} | {cell('hgb' if 'hgb' in scores else None)} |")
            lead_table = ["", "automl's lead, mean paired difference over folds ± standard error:", "",
                          "| dataset (metric) | over the best peer | over the default HGB |", "|---|---|---|", *leads]
            table = [*header, *rows, *(lead_table if leads else []), "", "Runs:", *details]
            output.write_text("\n".join(table) + "\n")
            print(rows[-1], *leads[-1:], sep="\n", flush=True)
    print(f"\nwritten to {output}")


if __name__ == "__main__":
    main()
