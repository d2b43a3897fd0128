import copy
import pickle

import numpy as np
import pandas as pd
import pytest
from ConfigSpace import Configuration
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge

from automl import tabular_space
from automl.evolver import complexity_scorer
from automl.preprocessing import build_preprocessor, category_codes, category_levels


def _table(n=120):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "size": rng.normal(size=n),
            "age": np.where(rng.random(n) < 0.1, np.nan, rng.integers(1, 90, n)),
            "colour": rng.choice(["red", "green", "blue"], n),
            "city": rng.choice(["a", "b", "c", "d", None], n),
        }
    )
    target = (frame["size"] + (frame["colour"] == "red") > 0.5).astype(int)
    return frame, target


@pytest.mark.parametrize("preset", ["fast", "default"])
def test_seeds_are_each_familys_defaults_and_all_fit_with_category_codes(preset):
    frame, target = _table()
    preprocessor = build_preprocessor(frame, "ordinal").fit(frame)
    matrix, codes = preprocessor.transform(frame), category_codes(preprocessor)
    assert codes == [3, 4]  # size, age, age's missing indicator, then one code column per category column

    space, seeds = tabular_space.build(preset, True, len(frame), matrix.shape[1], codes, random_state=0)
    families = tabular_space.families(preset, True, len(frame), matrix.shape[1], codes, 0)
    assert len(seeds) == sum(len(f.seeds) for f in families)
    first = seeds[0].node
    assert first.hyperparameters == dict(first.space.get_default_configuration())

    unseen = frame.head(3).assign(colour=["purple", "red", None])
    for seed in seeds:
        pipeline = seed.export_pipeline().fit(matrix, target)
        assert pipeline.predict_proba(preprocessor.transform(unseen)).shape == (3, 2)
    boosting = seeds[0].export_pipeline()
    assert list(boosting.categorical_features) == codes  # native categories, not one-hot
    linear = next(s for s in seeds if s.unique_id().startswith("linear_classifier")).export_pipeline()
    assert linear.named_steps["encode"].transformers[0][2] == codes  # one-hot for linear models


def test_the_blend_tunes_both_members_and_averages_them():
    frame, target = _table()
    preprocessor = build_preprocessor(frame, "ordinal").fit(frame)
    matrix, codes = preprocessor.transform(frame), category_codes(preprocessor)
    _, seeds = tabular_space.build("default", True, len(frame), matrix.shape[1], codes, random_state=0)
    blend = next(s for s in seeds if s.unique_id().startswith("blend_classifier")).export_pipeline()
    boosting, linear = (estimator for _, estimator in blend.estimators)
    assert boosting.learning_rate == tabular_space.SLOW_BOOSTING["learning_rate"]
    assert boosting.min_samples_leaf == 6  # the seed's 20, clipped to what 120 rows allow
    assert list(boosting.categorical_features) == codes and linear.named_steps["model"].C == 1.0
    proba = blend.fit(matrix, target).predict_proba(matrix)
    fitted = [member.predict_proba(matrix) for member in blend.estimators_]
    assert np.allclose(proba, (fitted[0] + fitted[1]) / 2)


def test_ranges_are_bounded_by_the_number_of_rows():
    small = tabular_space.families("default", False, 80, 5, [], None)[0].space
    large = tabular_space.families("default", False, 50_000, 5, [], None)[0].space
    assert small["max_leaf_nodes"].upper == 8 and large["max_leaf_nodes"].upper == 128
    assert small["min_samples_leaf"].upper == 4 and large["min_samples_leaf"].upper == 200
    forest = tabular_space.families("default", False, 50_000, 5, [], None)[1]
    assert forest.fixed["max_samples"] == pytest.approx(tabular_space.FOREST_MAX_ROWS / 50_000)


def test_mutations_are_mostly_one_step_and_stay_in_the_space():
    space, _ = tabular_space.build("default", True, 1000, 8, [], random_state=0)
    rng = np.random.default_rng(3)
    changed_counts = []
    for _ in range(40):
        individual = space.generate(rng).node
        before = dict(individual.hyperparameters)
        assert individual.mutate(rng)
        Configuration(individual.space, values=individual.hyperparameters)  # raises if out of the space
        changed_counts.append(sum(before[k] != individual.hyperparameters.get(k) for k in before))
    assert changed_counts.count(1) >= 15


def test_a_nonnegative_regression_target_may_be_learned_on_a_log_scale_or_with_a_poisson_loss():
    frame, _ = _table()
    preprocessor = build_preprocessor(frame, "ordinal").fit(frame)
    matrix, codes = preprocessor.transform(frame), category_codes(preprocessor)
    price = np.exp(1.0 + frame["size"].to_numpy())  # errors that grow with the value
    space, seeds = tabular_space.build("default", False, len(frame), matrix.shape[1], codes, 0, nonnegative=True)
    plain, plain_seeds = tabular_space.build("default", False, len(frame), matrix.shape[1], codes, 0)
    # Every family may choose the scale, boosting its loss; the defaults stay as they were.
    assert all(node.space["target"].default_value == "raw" for node in space.search_spaces)
    assert not any("target" in node.space or "loss" in node.space for node in plain.search_spaces)
    assert all(s.node.hyperparameters["target"] == "raw" for s in seeds)
    assert type(seeds[0].export_pipeline()) is HistGradientBoostingRegressor
    # One more seed: the boosting default with a Poisson loss.
    assert len(seeds) == len(plain_seeds) + 1
    poisson = [s.export_pipeline() for s in seeds if s.node.hyperparameters.get("loss") == "poisson"]
    assert len(poisson) == 1 and type(poisson[0]) is HistGradientBoostingRegressor
    assert poisson[0].fit(matrix, price).predict(matrix).min() > 0
    assert pickle.loads(pickle.dumps(copy.deepcopy(space))).generate(np.random.default_rng(0)).unique_id()  # shipped to workers
    logged = copy.deepcopy(seeds[0])
    logged.node.hyperparameters["target"] = "log"
    model = logged.export_pipeline().fit(matrix, price)
    assert isinstance(model, TransformedTargetRegressor) and model.predict(matrix).min() > 0
    assert complexity_scorer(model) == complexity_scorer(model.regressor_) > 1
    for individual in (space.generate(np.random.default_rng(i)) for i in range(10)):
        individual.node.hyperparameters["target"] = "log"
        assert individual.export_pipeline().fit(matrix, price).predict(matrix).shape == (len(frame),)


def test_linear_regression_predicts_within_the_range_of_its_training_targets():
    frame, _ = _table()
    preprocessor = build_preprocessor(frame, "ordinal").fit(frame)
    matrix, codes = preprocessor.transform(frame), category_codes(preprocessor)
    price = np.exp(3.0 + frame["size"].to_numpy())
    beyond = matrix[:1].copy()
    beyond[0, list(frame.columns).index("size")] = 10 * frame["size"].max()  # far beyond every training row
    for scale in ("raw", "log"):
        model = tabular_space.on_target_scale(tabular_space.linear_regressor, scale, categorical=codes, alpha=1.0)
        plain = clone(model).set_params(**{("regressor__" if scale == "log" else "") + "model": Ridge(alpha=1.0)})
        model.fit(matrix, price), plain.fit(matrix, price)
        # Beyond the training rows a plain ridge follows its line past every price seen (on a
        # log scale exponentially); the bounded one stops at the largest.
        assert plain.predict(beyond)[0] > 2 * price.max()
        assert model.predict(beyond)[0] == pytest.approx(price.max())
        inside = plain.predict(matrix)
        kept = (inside >= price.min()) & (inside <= price.max())
        assert kept.mean() > 0.5 and np.allclose(model.predict(matrix)[kept], inside[kept])
    assert pickle.loads(pickle.dumps(model)).predict(beyond)[0] == pytest.approx(price.max())
    # As complex as the ridge it bounds, for the search's second objective.
    assert complexity_scorer(model) == complexity_scorer(plain) > 1


def test_boosting_may_read_many_level_columns_as_ordered_codes():
    frame, target = _table(300)
    frame["town"] = [f"t{i % 40}" for i in range(len(frame))]  # more levels than FEW_LEVELS
    preprocessor = build_preprocessor(frame, "ordinal").fit(frame)
    matrix, codes, levels = preprocessor.transform(frame), category_codes(preprocessor), category_levels(preprocessor)
    assert codes == [3, 4, 5] and levels == [3, 5, 40]

    space, seeds = tabular_space.build("default", True, len(frame), matrix.shape[1], codes, 0, levels=levels)
    boosting = [s.export_pipeline() for s in seeds if s.unique_id().startswith("HistGradientBoostingClassifier(")]
    # The default reads every code column as categories; one more seed only the few-level ones.
    assert [list(b.categorical_features) for b in boosting] == [codes, codes, [3, 4]]
    assert all(b.fit(matrix, target).predict_proba(matrix).shape == (len(frame), 2) for b in boosting)
    blend = next(s for s in seeds if s.unique_id().startswith("blend_classifier")).node
    blend.hyperparameters["boosting:native_categories"] = "few"
    assert list(blend.export_pipeline().estimators[0][1].categorical_features) == [3, 4]

    # Without a many-level column there is nothing to choose: no such hyperparameter, no extra seed.
    plain_space, plain_seeds = tabular_space.build("default", True, len(frame), matrix.shape[1], codes[:2], 0, levels=levels[:2])
    assert not any("native_categories" in node.space for node in plain_space.search_spaces)
    assert len(plain_seeds) == len(seeds) - 1
