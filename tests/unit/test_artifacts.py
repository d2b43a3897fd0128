import json

import joblib
import pandas as pd
from sklearn.dummy import DummyClassifier

from automl.artifacts import SUMMARY_JSON_LIMIT, evaluations_summary, write_artifacts


def test_every_artifact_is_written_and_readable(tmp_path):
    model = DummyClassifier().fit([[0], [1]], [0, 1])
    board = pd.DataFrame({"rank": [1], "pipeline": ["Dummy()"], "cv_score": [0.5], "complexity": [float("nan")]})
    evaluated = pd.DataFrame({"Pipeline": ["Dummy()", "Other()"], "roc_auc_score": [0.5, "INVALID"]})
    files = write_artifacts(model, board, board, evaluated, {"best": "Dummy()"}, str(tmp_path / "run"))
    assert set(files.uris) == {
        "model.joblib", "leaderboard.json", "pareto_front.json",
        "evaluated_individuals.parquet", "evaluated_individuals.json", "summary.json",
    }
    assert joblib.load(files.uris["model.joblib"]).predict([[3]]).shape == (1,)
    assert json.loads((tmp_path / "run" / "leaderboard.json").read_text())[0]["complexity"] is None
    assert len(pd.read_parquet(files.uris["evaluated_individuals.parquet"])) == 2


def test_evaluations_summary_stays_under_64_kb():
    evaluated = pd.DataFrame({"Pipeline": ["X" * 500] * 1000, "Status": ["OK"] * 990 + ["STOPPED"] * 10, "score": range(1000)})
    summary = evaluations_summary(evaluated)
    assert len(json.dumps(summary)) <= SUMMARY_JSON_LIMIT
    assert summary["n_rows"] == 1000 and summary["status"] == {"OK": 990, "STOPPED": 10}
    assert summary["truncated"] and summary["rows"]
