"""How strict the final choice should be: each contender's score on rows the search never saw.

Measured on each dataset's *train* split only (the test splits stay for the comparison with
the peers): an outer 5-fold split holds out a fifth of the rows; the platform's search
(``automl.train.fit``, its defaults, ``--budget`` s, on a local Dask cluster of one worker per core)
runs on the other four fifths, and every contender of its final choice (the default
configuration, the search's best pipeline, the ensemble of the best pipelines, as
``automl.ensemble.select`` compared them) is fitted once on those rows and scored on the
held-out fifth. A rule "the challenger replaces the default when its cross-validated lead is
more than k standard errors" is then read off every run at once, for several k. Prints one
line per run, then each rule's mean held-out score per dataset and its mean paired difference
from the platform's rule (k = 1), with its standard error. Where the default is not the
search's best, it also reads off what a final choice with no time to compare could keep, the
default's predictions (made before the search) being all it has: the search's best (the
platform's choice then), the default, or the search's best only if its lead over the default in
the search's own scores is more than the standard error of the default's score on the fresh folds:

    .venv/bin/python benchmarks/final_choice.py [--datasets ames penguins] [--budget 180] [--outer 5] [--data benchmarks/other-data]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from distributed import Client
from sklearn.base import clone
from sklearn.metrics import get_scorer
from sklearn.preprocessing import LabelEncoder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from automl import ensemble, train  # noqa: E402
from automl.cluster import default_workers, start_local_cluster  # noqa: E402
from automl.config import Settings  # noqa: E402
from automl.data import Dataset  # noqa: E402
from automl.schemas import TrainingRequest  # noqa: E402
from automl.search_space import build_search_space, shape_of  # noqa: E402
from automl.task_type import infer_task  # noqa: E402
import train_split  # noqa: E402

RULES = (0.0, 0.5, 1.0, 2.0, 3.0, float("inf"))  # k standard errors; inf: the default always stays


class Recorder:
    """Wraps ``ensemble.select`` and ``ensemble._voting``: the contenders of the last final choice."""

    def __init__(self) -> None:
        self.select, self.voting = ensemble.select, ensemble._voting
        self.contenders: dict[str, object] = {}
        self.choice: ensemble.Choice | None = None
        self.default_scores: np.ndarray | None = None
        ensemble.select, ensemble._voting = self._select, self._voting

    def _voting(self, *args, **kwargs):
        self.contenders["ensemble"] = self.voting(*args, **kwargs)
        return self.contenders["ensemble"]

    def _select(self, pipelines, *args, default=None, **kwargs):
        self.contenders = {"best": pipelines[0]}
        if default is not None:
            self.contenders["default"] = default
        self.choice = self.select(pipelines, *args, default=default, **kwargs)
        self.default_scores = None
        known = kwargs.get("default_predictions")
        if default is not None and known is not None and not ensemble._same(pipelines[0], default):
            X, y, cv, metric, classification = args[:5]
            self.default_scores = ensemble._repeats_scorer(cv, X, y, len(known), metric, classification)[0](known)
        return self.choice


def without_comparison(result: train.FitResult, default: object, default_scores: np.ndarray | None) -> dict[str, object] | None:
    """What the rule keeps with no time to compare ("kind"), from the search's best's lead over the default in the
    search's own scores ("lead") and the default's standard error on the fresh folds ("error"); ``None`` without them."""
    if default_scores is None:
        return None
    scored = result.evaluated[result.evaluated["Status"] == "OK"]
    own = scored.loc[scored["Pipeline"] == train._one_line(default), result.objective]
    if own.empty:
        return None
    lead = float(scored[result.objective].max() - own.iloc[0])
    error = float(default_scores.std(ddof=1) / np.sqrt(len(default_scores)))
    return {"lead": lead, "error": error, "kind": "best" if lead > error else "default"}


def chosen(choice: ensemble.Choice, k: float) -> str:
    """The contender a k-standard-error rule keeps, from the comparison ``choice`` recorded."""
    scores = choice.scores
    challenger = max((kind for kind in ("best", "ensemble") if kind in scores), key=scores.__getitem__)
    held = "default" if "default" in scores else "best"
    return challenger if challenger != held and choice.margin > k * choice.standard_error else held


def one_run(name: str, table: pd.DataFrame, described: dict, rows: np.ndarray, held_out: np.ndarray, budget: int,
            seed: int, client: Client, recorder: Recorder) -> dict[str, object]:
    """The search on ``rows`` of ``table`` (``name``'s train split), as the train flow runs it; each contender's score on ``held_out``."""
    features, labels = table.drop(columns=[described["target"]]), table[described["target"]]
    request = TrainingRequest(dataset_uri=f"{name}.parquet", target_column=described["target"], metric=described["metric"],
                              time_left=budget, random_state=seed).resolve(Settings()).with_folds_for(len(rows))
    dataset = Dataset(uri=request.dataset_uri, name=name, fingerprint="", n_rows_dropped=0,
                      features=features.iloc[rows].reset_index(drop=True), target=labels.iloc[rows].reset_index(drop=True))
    spec = infer_task(dataset.target, request.task, request.metric, request.cv_folds, request.holdout_fraction)
    shape = shape_of(dataset.features, dataset.target, len(spec.classes), request.holdout_fraction)
    plan = build_search_space(request.search_space, spec.is_classification, shape, seed, list(features.columns))
    limits = train.Budget(request.generations, request.population_size, time.time() + budget, request.per_run_limit,
                          request.cv_folds, request.holdout_fraction, seed, request.early_stop, request.final_fits)
    started = time.monotonic()
    result = train.fit(dataset, spec, plan, limits, client)
    wall = time.monotonic() - started
    preprocess = result.model.named_steps["preprocess"]
    encode = LabelEncoder().fit(dataset.target).transform if spec.is_classification else (lambda y: y.to_numpy(float))
    X_rows, y_rows = preprocess.transform(dataset.features), encode(dataset.target)
    X_out, y_out = preprocess.transform(features.iloc[held_out]), encode(labels.iloc[held_out])
    scorer = get_scorer(described["metric"])
    scores = {kind: scorer(clone(model).fit(X_rows, y_rows), X_out, y_out) for kind, model in recorder.contenders.items()}
    return {"choice": recorder.choice, "scores": scores, "wall": wall, "evaluated": result.n_evaluated,
            "model": result.best_pipeline,
            "uncompared": without_comparison(result, recorder.contenders.get("default"), recorder.default_scores)}


def report(name: str, runs: list[dict[str, object]]) -> None:
    """Each rule's mean held-out score on ``name`` and its paired difference from k = 1."""
    compared = [run for run in runs if not run["choice"].skipped]
    if not compared:
        print(f"{name}: no run compared its contenders", flush=True)
        return
    held = {k: np.array([run["scores"][chosen(run["choice"], k)] for run in compared]) for k in RULES}
    for k, found in held.items():
        lead = found - held[1.0]
        error = lead.std(ddof=1) / np.sqrt(len(lead)) if len(lead) > 1 else 0.0
        print(f"{name} k={k:<4} {found.mean():.4f}  difference from k=1 {lead.mean():+.4f} ± {error:.4f}  "
              f"({len(compared)} runs)", flush=True)
    weighed = [run for run in runs if run["uncompared"] is not None]
    if weighed:
        standing = {"best": [run["scores"]["best"] for run in weighed], "default": [run["scores"]["default"] for run in weighed],
                    "search lead > 1 se": [run["scores"][run["uncompared"]["kind"]] for run in weighed]}
        for rule, found in standing.items():
            lead = np.subtract(found, standing["best"])
            error = lead.std(ddof=1) / np.sqrt(len(lead)) if len(lead) > 1 else 0.0
            print(f"{name} no time to compare, {rule} stands: {np.mean(found):.4f}  difference from the best standing "
                  f"{lead.mean():+.4f} ± {error:.4f}  ({len(weighed)} runs, the rule kept the default in "
                  f"{sum(run['uncompared']['kind'] == 'default' for run in weighed)})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=train_split.DATA,
                        help="folder of datasets (<name>/train.parquet + manifest.json); default: the bundled ones")
    parser.add_argument("--datasets", nargs="+", help="default: every dataset in --data")
    parser.add_argument("--budget", type=int, default=180, help="seconds per search (default 180)")
    parser.add_argument("--outer", type=int, default=5, help="outer folds per dataset (default 5)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    recorder = Recorder()
    settings = Settings()
    with start_local_cluster(default_workers(), settings.tpot.memory_limit_mb) as cluster, Client(cluster) as client:
        for name in args.datasets or train_split.names(data=args.data):
            table, described, folds = train_split.outer_folds(name, args.data)
            runs = []
            for seed, (rows, held_out) in enumerate(folds[: args.outer]):
                run = one_run(name, table, described, rows, held_out, args.budget, seed, client, recorder)
                choice = run["choice"]
                lead = f"nothing ({choice.skipped})" if choice.skipped else f"{choice.kind} (lead {choice.margin:+.4f} ± {choice.standard_error:.4f})"
                shown = " ".join(f"{kind} {value:.4f}" for kind, value in run["scores"].items())
                compared = " ".join(f"{kind} {value:.4f}" for kind, value in choice.scores.items())
                weighed = run["uncompared"]
                without = "" if weighed is None else (f"; with no time to compare: {weighed['kind']} (search lead "
                                                      f"{weighed['lead']:+.4f}, default's se {weighed['error']:.4f})")
                print(f"{name} fold {seed}: {run['evaluated']} evaluated in {run['wall']:.0f} s; chose {lead}; "
                      f"fresh folds: {compared or '-'}; held out: {shown}{without}\n    {run['model'][:240]}", flush=True)
                runs.append(run)
            report(name, runs)


if __name__ == "__main__":
    main()
