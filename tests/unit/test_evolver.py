import pandas as pd
import pytest

from automl.evolver import _best_duration, _contenders_seconds, _running_duration, _scored


def _table(rows):
    """TPOT's table of evaluations: (score, seconds) per pipeline, in order of submission."""
    return pd.DataFrame({
        "r2": [score for score, _ in rows],
        "Submitted Timestamp": [float(i) for i in range(len(rows))],
        "Completed Timestamp": [i + seconds for i, (_, seconds) in enumerate(rows)],
    }, index=[f"pipeline-{i}" for i in range(len(rows))])


def test_the_final_choice_is_timed_by_its_contenders_not_by_a_typical_evaluation():
    # The default first; fast, weak linear models; the best pipelines are the slow ones.
    rows = [(0.80, 4.0)] + [(0.5, 0.2)] * 20 + [(0.90, 8.0), (0.89, 6.0), (0.88, 6.0), (0.87, 4.0), (0.86, 1.0)]
    rows += [(None, 0.0), ("TIMEOUT", 9.0)]  # cut off at the stop, and timed out: neither counts
    scored = _scored(_table(rows), "r2")
    # An evaluation still running at the stop is timed by the slow tail (90th percentile), not the fast majority.
    assert _running_duration(scored) == pytest.approx(5.0)  # between the 4 s and 6 s evaluations
    # The best four (8 + 6 + 6 + 4) and the default (4), on two workers.
    assert _contenders_seconds(scored, 2) == pytest.approx(14.0)


def test_nothing_scored_yet_reserves_nothing():
    scored = _scored(_table([("INVALID", 1.0), (None, 0.0)]), "r2")
    assert _contenders_seconds(scored, 2) == 0.0
    assert _running_duration(scored) == 1.0
    assert _best_duration(scored) == 0.0


def test_the_final_fits_are_timed_by_the_best_pipeline():
    rows = [(0.80, 4.0), (0.90, 10.0), (0.5, 0.2)]
    assert _best_duration(_scored(_table(rows), "r2")) == 10.0
    assert _best_duration(_scored(_table([("INVALID", 3.0)]), "r2")) == 0.0


def test_an_evaluation_that_would_not_end_before_the_stop_is_held_and_its_worker_waits_for_the_stop():
    import math
    import time
    from types import SimpleNamespace

    from distributed import Client, LocalCluster
    from tpot.utils.eval_utils import eval_objective_list

    from automl.evolver import _HoldingClient

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        stop = time.time() + 1.0
        evolver = SimpleNamespace(scheduled_timeout_time=stop, typical_seconds=3.0, objective_names=["r2", "complexity"])
        holding = _HoldingClient(client, evolver)
        # Other work (the final choice's) is never held.
        assert holding.submit(sum, [1, 2]).result() == 3
        held = holding.submit(eval_objective_list, "pipeline", [])
        scores = held.result()
        assert time.time() > stop and len(scores) == 2 and all(math.isnan(s) for s in scores)
        # Time enough for a typical evaluation: it runs.
        evolver.scheduled_timeout_time, evolver.typical_seconds = time.time() + 60, 1.0
        assert list(holding.submit(eval_objective_list, "pipeline", [len]).result()) == [8]
        assert holding.cluster is cluster  # the rest is the client's
