import logging

import numpy as np
import pandas as pd

from automl.train import _held_at_stop, _warn_stop_missed


def _evaluated(rows):
    """The tidy table of evaluations: (pipeline, status, score, submitted, completed) per row."""
    return pd.DataFrame(rows, columns=["Pipeline", "Status", "roc_auc", "Submitted Timestamp", "Completed Timestamp"])


def test_the_evaluation_that_held_the_stop_is_the_first_running_then_to_end_by_itself():
    evaluated = _evaluated([
        ("Ridge()", "OK", 0.70, 0.0, 4.0),  # ended before the stop (10 s)
        ("HGB(max_iter=2000)", "OK", 0.81, 2.0, 48.3),  # running at the stop, scored after it: held it
        ("RF(n_estimators=500)", "OK", np.nan, 9.0, 48.4),  # running at the stop, cancelled when the search ended
        ("SVC()", "TIMEOUT", np.nan, 9.5, 49.0),  # ended by itself, but after the first
    ])
    assert _held_at_stop(evaluated, "roc_auc", 10.0) == {"pipeline": "HGB(max_iter=2000)", "seconds": 46.3, "status": "OK"}
    # One that reached the per-pipeline limit holds it too.
    assert _held_at_stop(evaluated.drop(index=1), "roc_auc", 10.0)["status"] == "TIMEOUT"
    # Cancelled evaluations held nothing.
    assert _held_at_stop(evaluated.drop(index=[1, 3]), "roc_auc", 10.0) is None


def test_a_missed_stop_is_said_with_what_held_it_and_what_bounds_it(caplog):
    with caplog.at_level(logging.WARNING, logger="automl.train"):
        _warn_stop_missed(38.3, 3.1, {"pipeline": "HGB(max_iter=2000)", "seconds": 41.2, "status": "TIMEOUT"}, 37.5)
        _warn_stop_missed(12.0, 1.0, None, 20)
    held, unexplained = (r.getMessage() for r in caplog.records)
    assert "38.3 s past its stop (3.1 s were kept" in held
    assert "TPOT waited for HGB(max_iter=2000), which reached the per-pipeline limit after 41.2 s" in held
    assert "per-pipeline limit (38 s here): a lower per_run_limit bounds the wait" in held
    assert "no evaluation running then ended by itself" in unexplained
