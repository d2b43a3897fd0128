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
from tpot.evolvers import BaseEvolver
from tpot.objectives.complexity import calculate_model_complexity

from automl.train import FAILED, Progress

# Seconds kept before the deadline, in typical evaluation durations: what is still running
# when the search stops, plus the chosen pipeline's fit on the training and on all rows.
RESERVE_PER_EVALUATION = 1.5
# Time for the final choice (out-of-fold predictions of the best pipelines and the default:
# two rounds on two workers, per repeat of the folds), in typical evaluation durations and at
# most this share of the budget.
FINAL_CHOICE_EVALUATIONS, FINAL_CHOICE_MAX_SHARE = 2.0, 0.15


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
    ``final_repeats`` how often the final choice repeats its folds. After every
    generation the search's own stop time moves to leave room for what is still running then
    and for the final fits, both sized by how long evaluations have taken so far.
    """

    def __init__(
        self,
        *args,
        individual_generator: Iterator[Any],
        initial_population_size: int,
        seeds: list[Any],
        on_generation: Callable[[Progress], None] | None,
        deadline: float,
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
        self._final_repeats = final_repeats
        self._started = time.time()
        self.finished = time.monotonic()
        self.stopped_by = ""

    def optimize(self, *args, **kwargs):
        super().optimize(*args, **kwargs)
        self.finished = time.monotonic()
        # What ended the search: the generations, the time, or else the early stop.
        if self.generation >= self.generations:
            self.stopped_by = "generations"
        elif time.time() >= self.scheduled_timeout_time:
            self.stopped_by = "time"
        else:
            self.stopped_by = "early stop"

    def evaluate_population(self):
        super().evaluate_population()
        table = self.population.evaluated_individuals
        typical = _typical_duration(table)
        final_choice = min(FINAL_CHOICE_EVALUATIONS * self._final_repeats * typical, FINAL_CHOICE_MAX_SHARE * (self._deadline - self._started))
        stop = self._deadline - RESERVE_PER_EVALUATION * typical - final_choice
        self.scheduled_timeout_time = min(getattr(self, "scheduled_timeout_time", stop), stop)
        self.max_time_mins = max(0.0, self.scheduled_timeout_time - self._started) / 60
        if self._on_generation is None:
            return
        objective = self.objective_names[0]
        now = time.time()
        self._on_generation(
            Progress(
                generation=self.generation,
                evaluated=len(table),
                failed=int(table[objective].isin(FAILED).sum()),
                best_score=_best_so_far(table, objective),
                elapsed=now - self._started,
                time_left=max(0.0, self.scheduled_timeout_time - now),
            )
        )


def _typical_duration(table: pd.DataFrame) -> float:
    """Seconds a pipeline evaluation has taken (75th percentile), 1 s before any finished."""
    if "Completed Timestamp" not in table:
        return 1.0
    durations = (table["Completed Timestamp"] - table["Submitted Timestamp"]).dropna()
    return float(durations.quantile(0.75)) if len(durations) else 1.0
