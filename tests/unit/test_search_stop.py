import logging

import numpy as np
import pandas as pd

from automl.train import _held_at_stop, _tidy, _warn_stop_missed, _why_nothing_scored


def _evaluated(rows):
    """The tidy table of evaluations: (pipeline, status, score, submitted, completed) per row."""
    return pd.DataFrame(rows, columns=["Pipeline", "Status", "roc_auc", "Submitted Timestamp", "Completed Timestamp"])


def test_the_evaluation_that_held_the_stop_is_the_first_running_then_to_end_by_itself():
    evaluated = _evaluated([
        ("Ridge()", "OK", 0.70, 0.0, 4.0),  # ended before the stop (10 s)
        ("HGB(max_iter=2000)", "OK", 0.81, 2.0, 48.3),  # running at the stop, scored after it: held it
        ("RF(n_estimators=500)", "STOPPED", np.nan, 9.0, 48.4),  # running at the stop, cancelled when the search ended
        ("SVC()", "TIMEOUT", np.nan, 9.5, 49.0),  # ended by itself, but after the first
    ])
    assert _held_at_stop(evaluated, 10.0) == {"pipeline": "HGB(max_iter=2000)", "seconds": 46.3, "status": "OK"}
    # One that reached the per-pipeline limit holds it too.
    assert _held_at_stop(evaluated.drop(index=1), 10.0)["status"] == "TIMEOUT"
    # Cancelled evaluations held nothing.
    assert _held_at_stop(evaluated.drop(index=[1, 3]), 10.0) is None


def test_a_missed_stop_is_said_with_what_held_it_and_what_bounds_it(caplog):
    with caplog.at_level(logging.WARNING, logger="automl.train"):
        _warn_stop_missed(38.3, 3.1, {"pipeline": "HGB(max_iter=2000)", "seconds": 41.2, "status": "TIMEOUT"}, 37.5)
        _warn_stop_missed(12.0, 1.0, None, 20)
    held, unexplained = (r.getMessage() for r in caplog.records)
    assert "38.3 s past its stop (3.1 s were kept" in held
    assert "TPOT waited for HGB(max_iter=2000), which reached the per-pipeline limit after 41.2 s" in held
    assert "per-pipeline limit (38 s here): a lower per_run_limit bounds the wait" in held
    assert "no evaluation running then ended by itself" in unexplained


def test_each_evaluation_has_a_status_from_tpots_own_record_of_failures():
    """TPOT 1.1 leaves a failed evaluation's score empty and says why in "Eval Error"."""
    table = pd.DataFrame({
        "Individual": [None] * 4,
        "roc_auc_score": [0.8, np.nan, np.nan, np.nan],
        "Eval Error": [None, "INVALID", "TIMEOUT", None],
    })
    assert _tidy(table, "roc_auc_score")["Status"].to_list() == ["OK", "INVALID", "TIMEOUT", "STOPPED"]


def test_a_search_that_scored_nothing_says_what_became_of_each_pipeline_and_what_to_change():
    evaluated = pd.DataFrame({"Status": ["STOPPED"] * 7})
    assert _why_nothing_scored(evaluated, 5, 60, 5.2) == (
        "of 7 pipelines, 7 were still running or waiting when the search stopped, 5 s after it began. To search, raise time_left.")
    evaluated = pd.DataFrame({"Status": ["TIMEOUT", "TIMEOUT", "INVALID"]})
    # The limit was a quarter of the search's time, not the one asked for: more time raises it.
    assert _why_nothing_scored(evaluated, 5, 60, 20) == (
        "of 3 pipelines, 1 failed, 2 reached the per-pipeline limit (5 s, a quarter of the search's time). To search, "
        "choose a search space that suits this table (the Dask worker logs show each error) or raise time_left.")
    assert "raise per_run_limit." in _why_nothing_scored(evaluated, 5, 5, 60)
