import numpy as np
import pytest

from automl.errors import SearchSpaceError
from automl.schemas import CustomSearchSpace
from automl.search_space import PRESETS, DataShape, Encoding, build_search_space

SHAPE = DataShape(n_samples=500, n_features=10, n_classes=2)
COLUMNS = [f"c{i}" for i in range(10)]


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("classification", [True, False])
def test_every_preset_builds_and_generates_pipelines(preset, classification):
    space, seeds = build_search_space(preset, classification, SHAPE, random_state=0).build(Encoding({}, []))
    if isinstance(space, str):  # TPOT's own templates, resolved by TPOT at fit time
        assert space == preset and seeds == []
        return
    assert seeds, "built-in presets start from seed configurations"
    pipeline = space.generate(np.random.default_rng(0)).export_pipeline()
    assert hasattr(pipeline, "fit")


def test_unknown_preset_lists_the_choices():
    with pytest.raises(SearchSpaceError, match="Choose one of: fast, default"):
        build_search_space("turbo", True, SHAPE)


@pytest.mark.parametrize("layout", ["choice", "sequential", "graph"])
def test_custom_spaces_from_tpot_building_blocks(layout):
    spec = CustomSearchSpace(
        estimators=["LogisticRegression", "DecisionTreeClassifier"],
        selectors=["SelectFwe"] if layout != "choice" else [],
        transformers=["StandardScaler"] if layout != "choice" else [],
        layout=layout,
        feature_sets={"first": ["c0", "c1"], "all": COLUMNS},
    )
    plan = build_search_space(spec, True, SHAPE, random_state=0, columns=COLUMNS)
    # c0 was one-hot encoded into columns 0 and 10 of the model's input.
    encoded = {c: [i] for i, c in enumerate(COLUMNS)} | {"c0": [0, 10]}
    space, _ = plan.build(Encoding(encoded, []))
    pipeline = space.generate(np.random.default_rng(1)).export_pipeline()
    X = np.random.default_rng(0).normal(size=(60, 11))
    y = (X[:, 0] > 0).astype(int)
    assert pipeline.fit(X, y).predict(X).shape == (60,)
    selector = pipeline.steps[0][1]
    assert sorted(selector.sel_subset) in ([0, 1, 10], list(range(11)))


def test_feature_sets_must_name_existing_columns():
    spec = CustomSearchSpace(estimators=["LogisticRegression"], feature_sets={"g": ["c0", "nope"]})
    with pytest.raises(SearchSpaceError, match="lacks: \\['nope'\\]"):
        build_search_space(spec, True, SHAPE, columns=COLUMNS)


def test_custom_space_rejects_wrong_family_and_unknown_names():
    with pytest.raises(SearchSpaceError, match="do not fit a classification task"):
        build_search_space(CustomSearchSpace(estimators=["RandomForestRegressor"]), True, SHAPE)
    with pytest.raises(SearchSpaceError, match="Unknown TPOT estimators \\['Forest'\\]"):
        build_search_space(CustomSearchSpace(estimators=["Forest"]), True, SHAPE)
    with pytest.raises(SearchSpaceError, match="layout 'choice'"):
        build_search_space(
            CustomSearchSpace(estimators=["LogisticRegression"], selectors=["SelectFwe"], layout="choice"), True, SHAPE
        )
