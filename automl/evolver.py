"""TPOT's evolver, started from seed pipelines and reporting each generation's progress.

Kept apart from ``automl.train`` because importing TPOT takes seconds: only the process
that runs the search imports this module.
"""

from __future__ import annotations

import itertools
import time
from typing import Any, Callable, Iterator

import pandas as pd
from sklearn.ensemble import VotingClassifier, VotingRegressor
from tpot.evolvers import BaseEvolver
from tpot.objectives.complexity import calculate_model_complexity

from automl.train import FAILED, Progress

def complexity_scorer(estimator: Any, X: Any = None, y: Any = None) -> float:
    """TPOT's complexity (learned parameters), summed over a voting ensemble's members."""
    if isinstance(estimator, (VotingClassifier, VotingRegressor)):
        return sum(calculate_model_complexity(member) for member in estimator.estimators_)
    return calculate_model_complexity(estimator)


def _best_so_far(evaluated: pd.DataFrame, objective: str) -> float | None:
    scores = pd.to_numeric(evaluated[objective], errors="coerce").dropna()
    return float(scores.max()) if len(scores) else None


class GuidedEvolver(BaseEvolver):
    """TPOT's evolver, starting from ``seeds`` and reporting after every generation's evaluations."""

    def __init__(
        self,
        *args,
        individual_generator: Iterator[Any],
        seeds: list[Any],
        on_generation: Callable[[Progress], None] | None,
        deadline: float,
        **kwargs,
    ):
        super().__init__(*args, individual_generator=itertools.chain(seeds, individual_generator), **kwargs)
        self._on_generation = on_generation
        self._deadline = deadline
        self._started = time.monotonic()
        self.finished = self._started

    def optimize(self, *args, **kwargs):
        super().optimize(*args, **kwargs)
        self.finished = time.monotonic()

    def evaluate_population(self):
        super().evaluate_population()
        if self._on_generation is None:
            return
        table = self.population.evaluated_individuals
        objective = self.objective_names[0]
        now = time.monotonic()
        self._on_generation(
            Progress(
                generation=self.generation,
                evaluated=len(table),
                failed=int(table[objective].isin(FAILED).sum()),
                best_score=_best_so_far(table, objective),
                elapsed=now - self._started,
                time_left=max(0.0, self._deadline - now),
            )
        )
