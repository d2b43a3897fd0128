"""TPOT's evolver, started from seed pipelines and reporting each generation's progress.

Kept apart from ``automl.train`` because importing TPOT takes seconds: only the process
that runs the search imports this module.
"""

from __future__ import annotations

import itertools
import time
from typing import Any, Callable, Iterator

import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.linear_model import Ridge
from tpot.evolvers import BaseEvolver
from tpot.objectives.complexity import calculate_model_complexity, complexity_objective_per_estimator
from tpot.utils.eval_utils import eval_objective_list

from automl import ensemble
from automl.model import BoundedRidge
from automl.train import Progress, failures, final_fits_seconds

# Seconds of TPOT's own work once its search has stopped (tidying its table, building its best
# pipeline), besides fitting that pipeline: measured 0.5–1 s on 2 cores.
AFTER_SEARCH = 1.0
# The final choice (out-of-fold predictions of the best pipelines and the default, per repeat
# of the folds) may take at most this share of the budget.
FINAL_CHOICE_MAX_SHARE = 0.15

# TPOT counts a model's learned parameters by its exact class; a bounded ridge has a ridge's.
complexity_objective_per_estimator.setdefault(BoundedRidge, complexity_objective_per_estimator[Ridge])


def complexity_scorer(estimator: Any, X: Any = None, y: Any = None) -> float:
    """TPOT's complexity (learned parameters), summed over a voting ensemble's members; a target transform adds none."""
    if isinstance(estimator, (VotingClassifier, VotingRegressor)):
        return sum(complexity_scorer(member) for member in estimator.estimators_)
    if isinstance(estimator, TransformedTargetRegressor):
        return complexity_scorer(estimator.regressor_)
    return calculate_model_complexity(estimator)


def _best_so_far(evaluated: pd.DataFrame, objective: str) -> float | None:
    scores = pd.to_numeric(evaluated[objective], errors="coerce").dropna()
    return float(scores.max()) if len(scores) else None


class GuidedEvolver(BaseEvolver):
    """TPOT's evolver: seeds first, a search that stops in time for the final fits, progress reports.

    ``deadline`` (a ``time.time()`` value) is when the final fits must be done, and
    ``final_repeats`` how often the final choice repeats its ``cv_folds`` folds. Once the seeds
    are scored, and after every generation, the search's own stop time moves to leave room for
    what is still running then (TPOT waits for one to finish, and the workers finish the
    cancelled ones), TPOT's fit of its best pipeline, the final choice and the final fits, all
    sized by how long evaluations have taken so far. ``fit_seconds`` is the estimate of one fit
    of the best pipeline on the training rows.
    """

    def __init__(
        self,
        *args,
        individual_generator: Iterator[Any],
        initial_population_size: int,
        seeds: list[Any],
        on_generation: Callable[[Progress], None] | None,
        deadline: float,
        cv_folds: int,
        final_repeats: int,
        **kwargs,
    ):
        # TPOT submits a generation's pipelines from the end of its list: seeds go last, in
        # reverse, to be evaluated first and in their order.
        randoms = max(0, initial_population_size - len(seeds))
        ordered = itertools.chain(itertools.islice(individual_generator, randoms), reversed(seeds), individual_generator)
        super().__init__(
            *args, individual_generator=ordered, initial_population_size=randoms + len(seeds), **kwargs
        )
        self._on_generation = on_generation
        self._deadline = deadline
        self._folds = cv_folds
        self._final_repeats = final_repeats
        self._started = time.time()
        self.finished = time.monotonic()
        self.stopped_by = ""
        self.past_stop = 0.0
        self.kept_for_running = 1.0
        self.fit_seconds = 0.0
        self.typical_seconds = 0.0
        self._stop_set = time.time()
        self._seed_ids = {seed.unique_id() for seed in seeds}
        if self.client is not None:
            self.client = _HoldingClient(self.client, self)

    def optimize(self, *args, **kwargs):
        try:
            super().optimize(*args, **kwargs)
        finally:  # also when TPOT gives up, having scored no pipeline
            self.finished = time.monotonic()
            # What ended the search: the generations, the time, TPOT giving up, or else the early stop.
            if self.generation >= self.generations:
                self.stopped_by = "generations"
            elif time.time() >= self.scheduled_timeout_time:
                self.stopped_by = "time"
                # TPOT ends its search once an evaluation running at the stop finishes (or reaches
                # the per-pipeline limit): the time kept for that was ``kept_for_running``. A stop
                # set when its time had already passed (the budget was spent) counts from then.
                self.past_stop = time.time() - max(self.scheduled_timeout_time, self._stop_set)
            elif not self.population.population:  # every pipeline failed or reached the per-pipeline limit
                self.stopped_by = "nothing scored"
            else:
                self.stopped_by = "early stop"

    def evaluate_population(self):
        super().evaluate_population()
        self._move_stop()
        if self._on_generation is None:
            return
        table = self.population.evaluated_individuals
        objective = self.objective_names[0]
        failed = failures(table, objective).notna()
        now = time.time()
        self._on_generation(
            Progress(
                generation=self.generation,
                evaluated=int((failed | pd.to_numeric(table[objective], errors="coerce").notna()).sum()),
                failed=int(failed.sum()),
                best_score=_best_so_far(table, objective),
                elapsed=now - self._started,
                time_left=max(0.0, self.scheduled_timeout_time - now),
            )
        )

    def evaluate_population_full(self, budget=None):
        """Evaluate what is new; the first generation in two rounds, the seeds and then the rest.

        The seeds' evaluation times size the time kept for after the search before the rest of
        the first generation starts, if it starts: where one generation takes most of the budget
        (large or wide tables, short budgets), the first guess would otherwise stand until the
        search ends, and the final choice would find no time left.
        """
        if self.generation > 0 or not self._seed_ids:
            super().evaluate_population_full(budget)
            return
        # TPOT evaluates what is new in its live population: show it the seeds alone, then all.
        everyone = self.population.population
        self.population.population = [i for i in everyone if i.unique_id() in self._seed_ids]
        try:
            super().evaluate_population_full(budget)
        finally:
            kept = {i.unique_id() for i in self.population.population}  # failed seeds are dropped
            self.population.population = [i for i in everyone if i.unique_id() in kept or i.unique_id() not in self._seed_ids]
        # Only if a slow evaluation fits before the stop: TPOT waits for one it started.
        slow = self._move_stop()
        if time.time() + slow < self.scheduled_timeout_time:
            super().evaluate_population_full(budget)
        else:  # the search ends with the seeds: no generation would fit either
            self.scheduled_timeout_time, self.max_time_mins = time.time(), 0.0

    def _move_stop(self) -> float:
        """Set the search's stop to leave room for what follows it, sized by the evaluations so far; returns a slow evaluation's seconds."""
        scored = _scored(self.population.evaluated_individuals, self.objective_names[0])
        slow = self.kept_for_running = _running_duration(scored)
        self.typical_seconds = float(scored["seconds"].median()) if len(scored) else 0.0
        final_choice = min(self._final_repeats * _contenders_seconds(scored, self.n_jobs),
                           FINAL_CHOICE_MAX_SHARE * (self._deadline - self._started))
        # One fold of the best pipeline's evaluation, scaled from (folds - 1) / folds of the rows to all.
        self.fit_seconds = _best_duration(scored) / max(1, self._folds - 1)
        after = slow + AFTER_SEARCH + self.fit_seconds
        # Replaces the first guess (a share of the budget kept, see train.FIRST_RESERVE), which
        # would otherwise leave 15 % of a long budget unused.
        self.scheduled_timeout_time = self._deadline - after - final_choice - final_fits_seconds(self.fit_seconds)
        self._stop_set = time.time()
        self.max_time_mins = max(0.0, self.scheduled_timeout_time - self._started) / 60
        return slow


class _HoldingClient:
    """The search's client, holding back an evaluation that would not end before the stop.

    TPOT starts an evaluation whenever a worker frees up, up to its stop, and then waits for
    one still running (which Dask cannot interrupt): started in the last seconds, a typical
    evaluation ends past the stop and takes its time from the final choice. One that would start
    less than the typical evaluation's seconds (the median so far) before the stop is held
    instead: its worker waits for the stop, and TPOT records the pipeline as not evaluated, as
    it records those it cancels at the stop.
    """

    def __init__(self, client: Any, evolver: "GuidedEvolver"):
        self._client, self._evolver = client, evolver

    def submit(self, fn: Callable, *args, **kwargs):
        stop = self._evolver.scheduled_timeout_time
        if fn is eval_objective_list and time.time() + self._evolver.typical_seconds > stop:
            return self._client.submit(_until, stop, len(self._evolver.objective_names), pure=False)
        return self._client.submit(fn, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def _until(stop: float, n_scores: int) -> list[float]:
    """No scores, at the search's stop (just past it, so TPOT sees its stop reached)."""
    time.sleep(max(0.0, stop - time.time()) + 0.05)
    return [float("nan")] * n_scores


def _scored(table: pd.DataFrame, objective: str) -> pd.DataFrame:
    """Each scored evaluation's score, seconds taken and submission time (those cut off at the search's stop have no score)."""
    if "Completed Timestamp" not in table:
        return pd.DataFrame(columns=["score", "seconds", "submitted"], dtype=float)
    return pd.DataFrame({
        "score": pd.to_numeric(table[objective], errors="coerce"),
        "seconds": table["Completed Timestamp"] - table["Submitted Timestamp"],
        "submitted": table["Submitted Timestamp"],
    }).dropna()


def _running_duration(scored: pd.DataFrame) -> float:
    """Seconds an evaluation still running at the stop may take: the 90th percentile of those so far, 1 s before any finished."""
    return float(scored["seconds"].quantile(0.9)) if len(scored) else 1.0


def _best_duration(scored: pd.DataFrame) -> float:
    """Seconds the best pipeline's evaluation took (cross-validation: one fit per fold), 0 before any."""
    return float(scored.loc[scored["score"].idxmax(), "seconds"]) if len(scored) else 0.0


def _contenders_seconds(scored: pd.DataFrame, workers: int) -> float:
    """Seconds the final choice's contenders take to evaluate again on ``workers``: the best few and the first seed (the default).

    The best pipelines are often the slowest ones: a typical evaluation undercounts them. The
    default counts even where its predictions were made before the search: this sum of
    evaluation times undercounts what the final choice takes (its folds run in rounds on the
    workers, after the data is sent to each; 6.2 s measured against 5.1 s estimated on house
    prices), and the default's share is the margin.
    """
    if scored.empty:
        return 0.0
    best = scored.nlargest(ensemble.CANDIDATES, "score")["seconds"].sum()
    default = scored.loc[scored["submitted"].idxmin(), "seconds"]
    return float(best + default) / max(1, workers)
