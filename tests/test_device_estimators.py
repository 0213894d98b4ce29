"""The estimators' ``device`` parameter and scikit-learn's ``array_api_dispatch``: a fit on
array-api-strict or PyTorch CPU trains the NumPy fit's network (float64 within 1e-10, float32
within 2e-5 of the largest entry: the tolerances of tests/test_array_api.py) and leaves a
host estimator behind; device arrays are refused outside dispatch."""

from __future__ import annotations

import importlib.util
import os
import pickle
import subprocess
import sys

import array_api_strict as strict
import numpy as np
import pytest
import torch

pytest.importorskip("sklearn")

from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from layerwise.estimators import LayerwiseClassifier, LayerwiseRegressor, load_estimator
from model_files import members

F64, F32 = 1e-10, 2e-5
SMALL = dict(hidden_layer_sizes=(5,), max_epochs=3, batch_size=8, random_state=0)
DEVICES = ["torch:cpu", "array-api-strict", "array-api-strict:device1"]


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def test_device_is_a_parameter_cloned_and_none_by_default():
    assert LayerwiseClassifier().get_params()["device"] is None
    assert LayerwiseRegressor().get_params()["device"] is None
    assert clone(LayerwiseClassifier(device="torch:cpu")).device == "torch:cpu"


@pytest.mark.parametrize("device", DEVICES)
def test_a_fit_on_a_device_is_numpys_fit_and_leaves_a_host_estimator(device, rows, tmp_path):
    X, y = rows
    reference = LayerwiseClassifier(**SMALL, early_stopping=True, validation_fraction=0.25)
    est = clone(reference).set_params(device=device)
    reference.fit(X, y)
    est.fit(X, y)
    np.testing.assert_allclose(est.network_.theta, reference.network_.theta, rtol=0, atol=F64)
    np.testing.assert_allclose(est.loss_curve_, reference.loss_curve_, rtol=0, atol=F64)
    net = est.network_
    assert net.device is None and isinstance(net.theta, np.ndarray)
    moments = est._optimizer.state["theta"]  # back on the host with θ (pickled with it)
    assert all(isinstance(a, np.ndarray) for a in moments.values())
    proba = est.predict_proba(X)
    assert isinstance(proba, np.ndarray)
    np.testing.assert_allclose(proba, reference.predict_proba(X), rtol=0, atol=F64)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict_proba(X), proba)
    loaded = load_estimator(est.save(tmp_path / "est.npz"))
    assert loaded.device == device
    np.testing.assert_array_equal(loaded.predict_proba(X), proba)


def test_warm_start_and_partial_fit_continue_on_the_device(rows):
    X, y = rows
    reference = LayerwiseClassifier(**SMALL, warm_start=True).fit(X, y).fit(X, y)
    est = LayerwiseClassifier(**SMALL, warm_start=True, device="torch:cpu").fit(X, y).fit(X, y)
    np.testing.assert_allclose(est.network_.theta, reference.network_.theta, rtol=0, atol=F64)
    reference.partial_fit(X, y)
    est.partial_fit(X, y)
    np.testing.assert_allclose(est.network_.theta, reference.network_.theta, rtol=0, atol=F64)


def test_the_regressor_and_float32_on_a_device_without_float64(rows):
    X, _ = rows
    y = X @ np.array([1.0, -2.0, 0.5])
    settings = dict(SMALL, dtype=np.float32)
    reference = LayerwiseRegressor(**settings).fit(X, y)
    est = LayerwiseRegressor(**settings, device="array-api-strict:no_float64").fit(X, y)
    theta = reference.network_.theta
    assert est.network_.theta.dtype == np.float32
    np.testing.assert_allclose(
        est.network_.theta, theta, rtol=0, atol=F32 * float(np.abs(theta).max())
    )
    assert est.predict(X).dtype == np.float32


def test_a_file_is_as_before_without_a_device_and_loads_anywhere_with_one(rows, tmp_path):
    X, y = rows
    est = LayerwiseClassifier(**SMALL).fit(X, y)
    header = members(est.save(tmp_path / "numpy.npz"))["header.json"]
    assert b'"device"' not in header
    if importlib.util.find_spec("cupy") is None:  # the device is checked at fit, not on load
        est.set_params(device="cupy:0")
        assert load_estimator(est.save(tmp_path / "cupy.npz")).device == "cupy:0"


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        (dict(device="gpu"), ValueError, r"device must be one of the forms None, 'cpu'"),
        (dict(device="torch:gpu"), ValueError, r"device 'torch:gpu' names no torch device"),
        (dict(device=1), TypeError, r"device must be a string such as 'torch:cuda', got 1"),
        (
            dict(device="array-api-strict:no_float64"),
            ValueError,
            r"has no float64; it offers float32. Hint: build the network with dtype=np.float32",
        ),
        (
            dict(device="torch", class_weight="balanced"),
            ValueError,
            r"sample_weight and class_weight are not supported on a device \(got device "
            r"'torch'\): weighted training runs on the NumPy engine",
        ),
    ],
)
def test_a_bad_device_is_refused_at_fit(params, error, match, rows):
    X, y = rows
    est = LayerwiseClassifier(**SMALL, **params)
    with pytest.raises(error, match=match):
        est.fit(X, y)
    with pytest.raises(NotFittedError):  # a refused fit leaves no network to answer from
        est.predict(X)
    with pytest.raises(ValueError, match=r"sample_weight and class_weight are not supported"):
        LayerwiseRegressor(**SMALL, device="torch").fit(X, X[:, 0], sample_weight=np.ones(40))


def test_device_arrays_are_refused_without_array_api_dispatch(rows):
    X, y = rows
    est = LayerwiseClassifier(**SMALL)
    with pytest.raises(TypeError, match=r"LayerwiseClassifier.fit takes NumPy or pandas rows, "):
        est.fit(torch.asarray(X), y)
    est.fit(X, y)
    with pytest.raises(TypeError, match=r"\.predict takes NumPy or pandas rows, got an array of "):
        est.predict(strict.asarray(X))
    with pytest.raises(TypeError, match=r"of torch on cpu; layerwise moves no device's data"):
        est.predict_proba(torch.asarray(X))


DISPATCH = """
import numpy as np, sklearn, torch, array_api_strict as strict
from layerwise.estimators import LayerwiseClassifier, LayerwiseRegressor
rng = np.random.default_rng(0)
X = rng.normal(size=(40, 3)); y = (X[:, 0] + X[:, 1] > 0).astype(int)
small = dict(hidden_layer_sizes=(5,), max_epochs=3, batch_size=8, random_state=0)
reference = LayerwiseClassifier(**small).fit(X, y)
where = strict.Device("device1")
with sklearn.config_context(array_api_dispatch=True):
    for Xd, yd in ((torch.asarray(X), torch.asarray(y)),
                   (strict.asarray(X, device=where), strict.asarray(y, device=where))):
        est = LayerwiseClassifier(**small).fit(Xd, yd)
        assert np.abs(est.network_.theta - reference.network_.theta).max() < 1e-10
        assert est.network_.device is None
        for out in (est.predict(Xd), est.predict_proba(Xd), est.predict_log_proba(Xd)):
            assert type(out) is type(Xd) and str(out.device) == str(Xd.device), type(out)
        assert (np.asarray(est.predict(X)) == reference.predict(X)).all()
        assert isinstance(est.predict(X), np.ndarray)  # host rows: NumPy, as always
        r = LayerwiseRegressor(**small).fit(Xd, Xd[:, 0])
        assert type(r.predict(Xd)) is type(Xd)
    try:
        LayerwiseClassifier(**small, device="torch:cpu").fit(strict.asarray(X), y)
    except ValueError as err:
        print(err)
    words = LayerwiseClassifier(**small).fit(X, np.array(["a", "b"])[y])
    try:
        words.predict(torch.asarray(X))
    except TypeError as err:
        print(err)
print("ok")
"""


def test_array_api_dispatch_trains_on_the_arrays_device_and_predicts_there():
    env = os.environ | {"SCIPY_ARRAY_API": "1"}  # scikit-learn's dispatch needs it at import
    done = subprocess.run(
        [sys.executable, "-c", DISPATCH], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "ok"
    assert lines[0].startswith(
        "device='torch:cpu' differs from the device of the arrays given to fit "
        "(array-api-strict:CPU_DEVICE). Hint: under array_api_dispatch the arrays' device"
    )
    assert lines[1].startswith(
        "the predictions are labels of dtype <U1, which torch arrays cannot hold."
    )


def test_a_refused_weighted_fit_leaves_the_estimator_unfitted(rows):
    X, y = rows
    est = LayerwiseClassifier(**SMALL, device="torch:cpu", class_weight={0: 1.0, 1: 2.0})
    with pytest.raises(ValueError, match=r"weighted training runs on the NumPy engine"):
        est.fit(X, y)
    assert not hasattr(est, "network_")


def test_an_arrays_device_spec_names_its_library_and_device():
    from layerwise.backend import device_spec_of as spec_of
    from layerwise.backend import resolve_device

    where = strict.Device("device1")
    assert spec_of(torch.zeros(2)) == "torch:cpu"
    assert spec_of(strict.asarray([1.0], device=where)) == "array-api-strict:device1"
    assert resolve_device(spec_of(strict.asarray([1.0])))[1] == strict.Device("CPU_DEVICE")

    class Other:  # an array-API array of a library layerwise has no device for
        device = "cpu"

        def __array_namespace__(self, api_version=None):
            return np

    with pytest.raises(TypeError, match=r"arrays of test_device_estimators have no layerwise"):
        spec_of(Other())
