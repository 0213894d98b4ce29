"""Files written by layerwise 0.1.0 keep loading: a model, an estimator, a checkpoint, a CLI model.

The files in ``tests/data/written_by_0_1`` were written once by version 0.1.0 (a tanh network after
5 epochs, a LayerwiseClassifier, a softmax network's finished 6-epoch Adam checkpoint, and the
model of ``layerwise train table.csv --target label --layers 4 --epochs 4``), with what that version
computed from them in ``expected.json`` and ``preds.csv``. A change of the file format, the
checkpoint's state or the preprocessing that breaks them fails here.
"""

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import layerwise as lw
from commands import run

WRITTEN = Path(__file__).parent / "data" / "written_by_0_1"


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((WRITTEN / "expected.json").read_text())


def test_a_saved_network_predicts_as_it_did(expected):
    net = lw.load(WRITTEN / "network.npz")
    assert net.layer_dims == [3, 4, 1]
    assert net.predict(np.array(expected["X"])).tolist() == expected["network_predict"]


def test_a_saved_estimator_gives_the_same_probabilities(expected):
    pytest.importorskip("sklearn")
    from layerwise.estimators import load_estimator

    clf = load_estimator(WRITTEN / "estimator.npz")
    proba = clf.predict_proba(np.array(expected["Xr"]))
    np.testing.assert_array_equal(proba, np.array(expected["estimator_proba"]))


def test_a_finished_checkpoint_resumes_to_the_same_parameters(expected, tmp_path):
    path = tmp_path / "checkpoint.npz"
    shutil.copy(WRITTEN / "checkpoint.npz", path)
    X = np.array(expected["X"])
    Y = (X[0:1] + X[1:2] > 0).astype(float)
    net = lw.Network([3, 5, 2], hidden="relu", output="softmax", seed=2)
    history = net.fit(
        X, np.vstack([Y, 1 - Y]), epochs=6, optimizer="adam", learning_rate=0.01,
        batch_size=16, checkpoint=path, checkpoint_every=2, resume=True,
    )  # fmt: skip
    assert len(history.history["cost"]) == 6
    np.testing.assert_array_equal(net.theta, np.array(expected["checkpoint_theta_after_6_epochs"]))


def test_a_cli_model_predicts_the_same_probabilities(capsys, tmp_path):
    pytest.importorskip("pandas")
    out = tmp_path / "preds.csv"
    code, _, err = run(
        capsys, "predict", WRITTEN / "cli_model.npz", WRITTEN / "table.csv", "--proba", "-o", out
    )
    assert code == 0, err
    with open(out) as now, open(WRITTEN / "preds.csv") as then:
        got, want = list(csv.reader(now)), list(csv.reader(then))
    assert want[0] == ["x", "y"]  # 0.1.0 wrote the probabilities alone
    assert got[0] == ["prediction", "proba_x", "proba_y"]  # now the label beside them
    proba = np.array([row[1:] for row in got[1:]], float)
    np.testing.assert_array_equal(proba, np.array(want[1:], float))
    assert [row[0] for row in got[1:]] == np.array(["x", "y"])[proba.argmax(axis=1)].tolist()
