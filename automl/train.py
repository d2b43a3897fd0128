"""The TPOT search: holdout split, evolutionary fit, scores, leaderboard, Pareto front."""

from __future__ import annotations

import functools
import logging
import math
import re
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

import pandas as pd
from sklearn.base import clone
from sklearn.metrics import get_scorer
from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder

from automl import bagging, ensemble
from automl.data import Dataset
from automl.errors import SearchFailedError, WorkerLostError
from automl.model import DecodeLabels
from automl.preprocessing import build_preprocessor, category_codes, category_levels, encoded_columns
from automl.search_space import Encoding, SearchSpacePlan
from automl.task_type import TaskSpec

log = logging.getLogger(__name__)

LEADERBOARD_SIZE = 10
FAILED = ("INVALID", "TIMEOUT")


@dataclass
class Progress:
    """One generation's summary, as reported to ``on_generation``."""

    generation: int
    evaluated: int
    failed: int
    best_score: float | None
    elapsed: float
    time_left: float


@dataclass(frozen=True)
class Budget:
    """How long and how wide the search may go.

    ``deadline`` (a ``time.time()`` value) is when the fitted model must be ready; the search
    stops early enough to leave room for the final fits, or once the best score has not risen
    by ``EARLY_STOP_TOLERANCE`` for more than ``early_stop`` generations in a row. The model
    registered averages ``final_fits`` fits on all rows (:mod:`automl.bagging`).
    """

    generations: int
    population_size: int | None
    deadline: float
    per_run_limit: int
    cv_folds: int
    holdout_fraction: float
    random_state: int
    early_stop: int | None = None
    final_fits: int = 1

    def seconds_left(self) -> float:
        return self.deadline - time.time()


# The rise of the best score that counts as an improvement, for early stopping.
EARLY_STOP_TOLERANCE = 0.001
# Shortest search worth starting, seconds (enough for the seeds on small tables), and the
# share of the time kept for the final fits until evaluation times are known.
MIN_SEARCH, FIRST_RESERVE = 5.0, 0.15
# The final fits take about this many fits' time (the training-rows fit here; the all-rows fits,
# spread over the workers, meanwhile).
FINAL_FIT_ROUNDS = 2.5


@dataclass
class FitResult:
    """The fitted model and everything the search learned on the way."""

    model: Pipeline
    best_pipeline: str
    cv_score: float
    holdout_score: float
    objective: str
    leaderboard: pd.DataFrame
    pareto_front: pd.DataFrame
    evaluated: pd.DataFrame
    n_train: int
    n_holdout: int
    final_rows: int
    final_fits: int = 1
    timings: dict[str, float] = field(default_factory=dict)
    selection: dict[str, Any] | None = None
    search: dict[str, Any] = field(default_factory=dict)

    @property
    def n_evaluated(self) -> int:
        """Pipelines evaluated to a score, a failure or the per-pipeline limit (not those the search stopped first)."""
        return int((self.evaluated["Status"] != "STOPPED").sum())


def fit(
    dataset: Dataset,
    task: TaskSpec,
    plan: SearchSpacePlan,
    budget: Budget,
    client: Any,
    on_generation: Callable[[Progress], None] | None = None,
) -> FitResult:
    """Search for the best pipeline on ``dataset`` within ``budget``, using ``client``'s workers."""
    # TPOT takes seconds to import; only the process that searches pays for it.
    from tpot import TPOTEstimator

    from automl.evolver import AFTER_SEARCH, FINAL_CHOICE_MAX_SHARE, GuidedEvolver, complexity_scorer

    started = time.monotonic()
    y = dataset.target
    encoder = LabelEncoder().fit(y) if task.is_classification else None
    y_codes = encoder.transform(y) if encoder is not None else y.to_numpy(dtype=float)
    X_train, X_hold, y_train, y_hold = train_test_split(
        dataset.features,
        y_codes,
        test_size=budget.holdout_fraction,
        random_state=budget.random_state,
        stratify=y_codes if task.is_classification else None,
    )
    preprocessor = build_preprocessor(X_train, plan.categories).fit(X_train, y_train)
    matrix = preprocessor.transform(X_train)
    search_space, seeds = plan.build(
        Encoding(encoded_columns(preprocessor), category_codes(preprocessor), category_levels(preprocessor))
    )
    workers = len(client.cluster.workers)
    repeats = ensemble.repeats_for(len(y_train))
    # The first seed of the built-in presets is the boosting family's default configuration. The
    # final choice scores on other folds than the search's: the best pipeline was chosen on those,
    # so they favour it. The default's predictions on them are made now, while the workers are free.
    default = seeds[0].export_pipeline() if seeds else None
    splitter = RepeatedStratifiedKFold if task.is_classification else RepeatedKFold
    other_folds = splitter(n_splits=budget.cv_folds, n_repeats=repeats, random_state=budget.random_state + 1)
    predicting = time.monotonic()
    default_predictions = None if default is None else ensemble.predict_default(
        default, matrix, y_train, other_folds, task.is_classification, client, FINAL_CHOICE_MAX_SHARE * budget.seconds_left())
    predicted_for = time.monotonic() - predicting
    left = budget.seconds_left()
    _warn_if_too_short(left)
    # Until evaluation times are known, keep a share of the time for the final fits; no single
    # evaluation may take more than a quarter of the search.
    search_seconds = max(MIN_SEARCH, (1 - FIRST_RESERVE) * left)
    per_run_limit = min(budget.per_run_limit, max(MIN_SEARCH, search_seconds / 4))

    with warnings.catch_warnings():
        # Both limits are deliberate: whichever comes first ends the search.
        warnings.filterwarnings("ignore", message="Both generations and max_time_mins are set")
        estimator = TPOTEstimator(
            search_space=search_space,
            scorers=[task.metric, complexity_scorer],
            scorers_weights=[1.0, -1.0],
            classification=task.is_classification,
            cv=budget.cv_folds,
            population_size=budget.population_size or population_for(workers),
            initial_population_size=len(seeds) + 2 * workers,
            generations=budget.generations,
            early_stop=budget.early_stop,
            # The best score decides; the simplest pipeline is found early and would never count.
            scorers_early_stop_tol=[EARLY_STOP_TOLERANCE, None],
            max_time_mins=search_seconds / 60,
            max_eval_time_mins=per_run_limit / 60,
            n_jobs=workers,
            client=client,
            verbose=0,
            random_state=budget.random_state,
        )
    estimator._evolver = functools.partial(
        GuidedEvolver, seeds=seeds, on_generation=on_generation, deadline=budget.deadline, cv_folds=budget.cv_folds,
        final_repeats=repeats,
    )
    workers_before = _workers(client)
    try:
        estimator.fit(matrix, y_train)
    except Exception as exc:
        if "No individuals could be evaluated" not in str(exc):
            raise
        estimator.make_evaluated_individuals()  # what was tried, for the message below
    searched_for = time.monotonic() - started
    evolver = estimator._evolver_instance
    # Measured, TPOT's fit of its best pipeline also counts TPOT's own work after the search.
    fit_seconds = max(evolver.fit_seconds, time.monotonic() - evolver.finished - AFTER_SEARCH)
    objective = estimator.objective_names[0]
    # Writing every evaluated pipeline as text takes seconds for hundreds: a thread does it
    # while the final choice waits for the workers.
    tidying = ThreadPoolExecutor(1)
    tables = tidying.submit(_tidy, estimator.evaluated_individuals, objective)
    tidying.shutdown(wait=False)
    scores = pd.to_numeric(estimator.evaluated_individuals[objective], errors="coerce")
    if scores.isna().all() or getattr(estimator, "fitted_pipeline_", None) is None:
        _raise_if_workers_lost(client, workers_before, dataset.name)
        why = _why_nothing_scored(tables.result(), per_run_limit, budget.per_run_limit, search_seconds)
        # Nothing to improve on: the default stands, as it would have before any search.
        choice = None if default is None else ensemble.default_alone(
            default, matrix, y_train, other_folds, task.metric, task.is_classification, client, budget.per_run_limit,
            default_predictions)
        if choice is None:
            raise SearchFailedError(f"No pipeline was scored on {dataset.name!r}: {why}"
                                    + (" The default configuration could not be scored either." if default is not None else ""))
        log.warning("No pipeline was scored on %s: %s The default configuration is the model (CV %s %.4f on %d folds).",
                    dataset.name, why, task.metric, choice.score, choice.folds)
    else:
        searched, cv_score = estimator.fitted_pipeline_, float(estimator.selected_best_score[objective])
        candidates = _best_distinct(estimator.evaluated_individuals, objective, ensemble.CANDIDATES)
        # Time is kept to fit the chosen pipeline (on the training rows, and on all).
        choice = ensemble.select(candidates, matrix, y_train, other_folds, task.metric, task.is_classification,
                                 client, budget.deadline - final_fits_seconds(fit_seconds), FINAL_FIT_ROUNDS * fit_seconds,
                                 default=default, default_predictions=default_predictions)
    changed = choice.kind != "best"
    # Learn from every row on the workers (several fits averaged, see automl.bagging) while the
    # training-rows model is fitted and scored on the holdout here (no wait for a free worker);
    # the fits ready by the deadline are kept. All rows are encoded as the training rows were:
    # the model's column indices hold.
    recipe = clone(choice.model if changed else searched)
    matrix_all = preprocessor.transform(dataset.features)
    all_rows = bagging.submit(recipe, matrix_all, y_codes, budget.final_fits, task.is_classification,
                              budget.random_state + 2, client)
    evaluated = tables.result()
    search = {"generations": evolver.generation, "stopped_by": evolver.stopped_by, "seconds_past_stop": round(evolver.past_stop, 1)}
    if evolver.past_stop > evolver.kept_for_running + AFTER_SEARCH:
        search["held_by"] = _held_at_stop(evaluated, evolver.scheduled_timeout_time)
        _warn_stop_missed(evolver.past_stop, evolver.kept_for_running, search["held_by"], per_run_limit)
    valid = evaluated[evaluated["Status"] == "OK"].dropna(subset=[objective])
    leaderboard = _leaderboard(valid, objective)
    if changed:
        searched, cv_score = clone(choice.model).fit(matrix, y_train), choice.score
        leaderboard = _put_first(leaderboard, _one_line(searched), cv_score, float(complexity_scorer(searched)))
    holdout_score = float(get_scorer(task.metric)(Pipeline([("preprocess", preprocessor), ("model", searched)]), X_hold, y_hold))
    model, final_rows, final_fits = searched, len(X_train), 1
    try:
        fitted = bagging.with_fit(recipe, searched, bagging.collect(all_rows, budget.seconds_left()), budget.final_fits)
        combined = bagging.combine(recipe, fitted, matrix_all, y_codes, task.is_classification)
        if combined is not None:
            model, final_rows, final_fits = combined, len(y_codes), max(len(fits) for fits in fitted)
        else:
            log.info("The model learned from the training rows only: not every part of it had a fit on all rows ready in time.")
    except Exception as exc:  # the training-rows model stands; the all-rows fits were a bonus
        log.warning("The model learned from the training rows only: a fit on all rows failed (%s: %s).", type(exc).__name__, exc)
    final = Pipeline([("preprocess", preprocessor), ("model", model if encoder is None else DecodeLabels(model, encoder.classes_))])
    result = FitResult(
        model=final,
        best_pipeline=_one_line(recipe),
        cv_score=cv_score,
        holdout_score=holdout_score,
        objective=objective,
        leaderboard=leaderboard,
        pareto_front=_pareto(valid, objective),
        evaluated=evaluated,
        n_train=len(X_train),
        n_holdout=len(X_hold),
        final_rows=final_rows,
        final_fits=final_fits,
        selection=choice.describe(),
        search=search,
        timings={"default_predictions": predicted_for, "search": searched_for, "total_fit": time.monotonic() - started},
    )
    log.info(
        "Search on %s done: %d pipelines evaluated in %d generations (stopped by %s), best CV %s %.4f, holdout %.4f, in %.1f s.",
        dataset.name, result.n_evaluated, evolver.generation, result.search["stopped_by"], task.metric, result.cv_score,
        holdout_score, searched_for,
    )
    return result


def _warn_if_too_short(seconds_left: float) -> None:
    """Say so when what is left of the budget cannot hold the shortest search: the run will end late."""
    needed = MIN_SEARCH / (1 - FIRST_RESERVE)
    if seconds_left < needed:
        log.warning(
            "The budget is too short: %.1f s were left for the search and the final fits when the search began "
            "(start-up took the rest). The search takes at least %.0f s and the final fits follow it, so the run will "
            "end past its budget. Raise time_left by %d s or more.",
            seconds_left, MIN_SEARCH, math.ceil(needed - seconds_left),
        )


def _why_nothing_scored(evaluated: pd.DataFrame, per_run_limit: float, asked_limit: float, search_seconds: float) -> str:
    """What became of the pipelines of a search that gave none to build on, and what to change."""
    failed = int((evaluated["Status"] == "INVALID").sum())
    timed_out = int((evaluated["Status"] == "TIMEOUT").sum())
    cut_off = int((evaluated["Status"] == "STOPPED").sum())
    found, advice = [], []
    other_space = "choose a search space that suits this table (the Dask worker logs show each error)"
    if scored := int((evaluated["Status"] == "OK").sum()):  # scored, but TPOT could not fit any of them on the training rows
        found.append(f"{scored} scored but failed to fit on the training rows")
        advice.append(other_space)
    if failed:
        found.append(f"{failed} failed")
        advice.append(other_space)
    if timed_out:
        capped = per_run_limit < asked_limit
        found.append(f"{timed_out} reached the per-pipeline limit ({per_run_limit:.0f} s"
                     + (", a quarter of the search's time)" if capped else ")"))
        advice.append("raise time_left" if capped else "raise per_run_limit")
    if cut_off:
        found.append(f"{cut_off} were still running or waiting when the search stopped, {search_seconds:.0f} s after it began")
        advice.append("raise time_left")
    return f"of {len(evaluated)} pipelines, {', '.join(found)}. To search, {' or '.join(dict.fromkeys(advice))}."


def _held_at_stop(evaluated: pd.DataFrame, stop: float) -> dict[str, Any] | None:
    """The evaluation TPOT waited for after its stop (a ``time.time()`` value): the first of those running then to end by itself.

    TPOT cancels the others once it ends: their Status is "STOPPED".
    """
    running = evaluated[(evaluated["Submitted Timestamp"] < stop) & (evaluated["Completed Timestamp"] >= stop)]
    ended = running[running["Status"] != "STOPPED"]
    if ended.empty:
        return None
    row = ended.loc[ended["Completed Timestamp"].idxmin()]
    return {"pipeline": row["Pipeline"], "seconds": round(float(row["Completed Timestamp"] - row["Submitted Timestamp"]), 1),
            "status": row["Status"]}


def _warn_stop_missed(past_stop: float, kept: float, held_by: dict[str, Any] | None, per_run_limit: float) -> None:
    """Say so when the search ended later than the time kept for an evaluation running at its stop."""
    if held_by is None:
        why = "no evaluation running then ended by itself"
    else:
        ended = {"OK": "was scored", "TIMEOUT": "reached the per-pipeline limit"}.get(held_by["status"], "failed")
        why = f"TPOT waited for {held_by['pipeline']}, which {ended} after {held_by['seconds']:.1f} s"
    log.warning(
        "The search ended %.1f s past its stop (%.1f s were kept for an evaluation still running then): %s. The final "
        "choice and the final fits had that much less time. TPOT waits for one evaluation running at the stop, up to the "
        "per-pipeline limit (%.0f s here): a lower per_run_limit bounds the wait.",
        past_stop, kept, why, per_run_limit,
    )


def final_fits_seconds(fit_seconds: float) -> float:
    """Time kept after the final choice: the chosen model fitted on the training rows and scored on the holdout, while the workers fit it on all rows."""
    return FINAL_FIT_ROUNDS * fit_seconds + 1


def population_for(workers: int) -> int:
    """Pipelines per generation: enough to keep every worker busy for several rounds."""
    return max(16, min(64, 8 * workers))


def _best_distinct(evaluated: pd.DataFrame, objective: str, n: int) -> list[Any]:
    """The ``n`` best distinct pipelines (unfitted), best first, in TPOT's order of selection."""
    scores = pd.to_numeric(evaluated[objective], errors="coerce")
    ranked = evaluated.assign(_score=scores).dropna(subset=["_score"])
    ranked = ranked.sort_values(["_score", "complexity_scorer"], ascending=[False, True])
    found: dict[str, Any] = {}
    for individual in ranked["Individual"]:
        found.setdefault(individual.unique_id(), individual)
        if len(found) == n:
            break
    return [individual.export_pipeline() for individual in found.values()]


def _workers(client: Any) -> set[str]:
    return set(client.scheduler_info().get("workers", {}))


def _raise_if_workers_lost(client: Any, before: set[str], name: str) -> None:
    """A search that found nothing after workers died is a cluster failure, worth a retry."""
    lost = before - _workers(client)
    if lost:
        raise WorkerLostError(
            f"The search on {name!r} evaluated no pipeline after {len(lost)} Dask worker(s) died "
            f"({', '.join(sorted(lost))}); the training data they held is gone. Retrying on the remaining workers."
        )


def _one_line(pipeline: Any) -> str:
    return re.sub(r"\s+", " ", repr(pipeline)).strip()


def failures(evaluated: pd.DataFrame, objective: str) -> pd.Series:
    """Each evaluation's failure, "INVALID" or "TIMEOUT" (TPOT records it in "Eval Error", some paths in the score), else NaN."""
    errors = evaluated["Eval Error"] if "Eval Error" in evaluated else pd.Series(None, index=evaluated.index, dtype=object)
    return errors.where(errors.isin(FAILED), evaluated[objective].where(evaluated[objective].isin(FAILED)))


def _tidy(evaluated: pd.DataFrame, objective: str) -> pd.DataFrame:
    """TPOT's table of evaluations: pipelines as text, scores as numbers, and a Status.

    Status is "OK" (scored), "INVALID" (failed), "TIMEOUT" (reached the per-pipeline limit) or
    "STOPPED" (cancelled, or never started, when the search stopped).
    """
    frame = evaluated.copy()
    scored = pd.to_numeric(frame[objective], errors="coerce").notna()
    frame.insert(0, "Pipeline", [_one_line(ind.export_pipeline()) if ind is not None else "" for ind in frame["Individual"]])
    frame.insert(1, "Status", failures(frame, objective).fillna(scored.map({True: "OK", False: "STOPPED"})))
    for column in (objective, "complexity_scorer"):
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame.drop(columns=[c for c in ("Individual", "Instance") if c in frame.columns])


def _leaderboard(valid: pd.DataFrame, objective: str) -> pd.DataFrame:
    frame = valid.sort_values([objective, "complexity_scorer"], ascending=[False, True])
    top = frame.head(LEADERBOARD_SIZE)
    return pd.DataFrame(
        {
            "rank": range(1, len(top) + 1),
            "pipeline": top["Pipeline"].to_list(),
            "cv_score": top[objective].astype(float).to_list(),
            "complexity": top["complexity_scorer"].astype(float).to_list(),
            "generation": top["Generation"].astype("Int64").to_list() if "Generation" in top else None,
        }
    )


def _put_first(leaderboard: pd.DataFrame, pipeline: str, cv_score: float, complexity: float) -> pd.DataFrame:
    """The leaderboard with the final model (an ensemble, or the default configuration) at rank 1."""
    top = pd.DataFrame({"rank": [0], "pipeline": [pipeline], "cv_score": [cv_score],
                        "complexity": [complexity], "generation": pd.array([None], dtype="Int64")})
    rest = leaderboard[leaderboard["pipeline"] != pipeline]
    return pd.concat([top, rest], ignore_index=True).head(LEADERBOARD_SIZE).assign(rank=lambda f: range(1, len(f) + 1))


def _pareto(valid: pd.DataFrame, objective: str) -> pd.DataFrame:
    frame = valid
    if "Pareto_Front" in frame.columns:
        frame = frame[frame["Pareto_Front"] == 1]
    columns = [c for c in ("Pipeline", objective, "complexity_scorer", "Generation") if c in frame.columns]
    return frame[columns].sort_values(objective, ascending=False).reset_index(drop=True)
