"""The course core on the array API standard: array-api-strict and PyTorch (CPU) on every run,
CUDA PyTorch and CuPy where a GPU exists, each compared with the NumPy reference path.

Tolerances: float64 agrees with NumPy within 1e-10 (the same formulas, summed in another
order); float32 within ``F32`` relative to the largest entry (measured on torch's CPU after
three epochs of every optimizer: 1.5e-7; the margin is for GPUs' other summation orders).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import time
import types

import array_api_strict as strict
import numpy as np
import pytest
import torch

import layerwise as lw
from layerwise import backend
from layerwise.callbacks import DivergenceError, EarlyStopping
from layerwise.training import reference_fit

F64, F32 = 1e-10, 2e-5
CUDA = [
    pytest.param("torch:cuda", np.float64, id="torch-cuda-f64"),
    pytest.param("torch:cuda", np.float32, id="torch-cuda-f32"),
    pytest.param("cupy", np.float64, id="cupy-f64"),
]
DEVICES = [
    pytest.param("array-api-strict", np.float64, id="strict-f64"),
    pytest.param("array-api-strict:device1", np.float64, id="strict-device1-f64"),
    pytest.param("array-api-strict:no_float64", np.float32, id="strict-no-float64-f32"),
    pytest.param("torch:cpu", np.float64, id="torch-cpu-f64"),
    pytest.param("torch:cpu", np.float32, id="torch-cpu-f32"),
    *CUDA,
]
#: (hidden, output, loss, n_y): every row of the outputs table, fused or through g'.
PAIRS = [
    ("relu", "sigmoid", None, 1),
    ("tanh", "sigmoid", "multilabel_crossentropy", 3),
    ("leaky_relu", "softmax", None, 3),
    ("sigmoid", "linear", "squared_error", 2),
    ("relu", "linear", "absolute_error", 1),
    ("tanh", "tanh", "squared_error", 1),
    ("linear", "sigmoid", "absolute_error", 2),
]


def _available(spec: str) -> None:
    """Skip, with the reason, a device this machine lacks (CUDA, CuPy)."""
    if spec.startswith("cupy"):
        pytest.importorskip("cupy", reason="CuPy is not installed (no GPU run here)")
    if "cuda" in spec and not torch.cuda.is_available():
        pytest.skip("torch finds no CUDA GPU here")


def _close(a, b, dtype) -> None:
    a, b = backend.to_numpy(a), backend.to_numpy(b)
    tol = F64 if dtype == np.float64 else F32
    scale = max(1.0, float(np.max(np.abs(b))))
    np.testing.assert_allclose(a, b, rtol=0, atol=tol * scale)


def _data(n_x: int, n_y: int, loss: str | None, output: str, m: int = 37, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    if output == "softmax":
        Y = np.eye(n_y)[:, rng.integers(n_y, size=m)]
    elif output == "sigmoid" and loss != "absolute_error":
        Y = (rng.random((n_y, m)) < 0.5).astype(float)
    else:
        Y = rng.random((n_y, m))
    return X, Y


def _twins(spec, dtype, hidden, output, loss, n_y, **kw):
    """The same network on NumPy and on ``spec``."""
    _available(spec)
    args = ([4, 5, 3, n_y], hidden, output, loss)
    cpu = lw.Network(*args, seed=3, dtype=dtype, **kw)
    return cpu, lw.Network(*args, seed=3, dtype=dtype, device=spec, **kw)


def _on(net, A):
    return backend.to_device(A, net.xp, net.device_object, net.dtype)


# ----- backend ------------------------------------------------------------------------------
def test_numpy_arrays_are_numpy_itself_and_import_no_compat() -> None:
    assert backend.namespace(np.zeros(2), 1.0, None, np.float32(1)) is np
    code = (
        "import sys, numpy as np, layerwise as lw\n"
        "net = lw.Network([2, 3, 1], seed=0)\n"
        "AL, caches = net.forward(np.ones((2, 4)))\n"
        "net.backward(AL, np.ones((1, 4)), caches); lw.fit(net, np.ones((2, 4)), "
        "np.ones((1, 4)), epochs=1)\n"
        "print('array_api_compat' in sys.modules, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(
    ("spec", "library", "where"),
    [
        (None, "numpy", None),
        ("cpu", "numpy", None),
        ("numpy", "numpy", None),
        ("torch", "torch", "cpu"),
        ("torch:cpu", "torch", "cpu"),
        ("array-api-strict", "array_api_strict", "CPU_DEVICE"),
        ("array-api-strict:device1", "array_api_strict", "device1"),
    ],
)
def test_resolve_device_forms(spec, library, where) -> None:
    xp, device = backend.resolve_device(spec)
    assert library in xp.__name__
    assert (device is None) == (where is None) and (where is None or where in str(device))


@pytest.mark.parametrize(
    ("spec", "error", "match"),
    [
        ("jax", ValueError, r"device must be one of the forms .*'torch:cuda'.*got 'jax'"),
        ("array-api-strict:nope", ValueError, r"has the devices .*device1"),
        ("torch:nowhere", ValueError, r"names no torch device"),
        ("cupy:x", ValueError, r"a CuPy device is a GPU number"),
        (3, TypeError, r"device must be a string such as 'torch:cuda', got 3"),
    ],
)
def test_resolve_device_refusals(spec, error, match) -> None:
    with pytest.raises(error, match=match):
        backend.resolve_device(spec)


def test_missing_libraries_and_absent_gpus_are_named(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "cupy", None)  # as if not installed
    with pytest.raises(ImportError, match=r"device 'cupy' needs cupy.*layerwise\[array-api\]"):
        backend.resolve_device("cupy")
    monkeypatch.setitem(sys.modules, "array_api_compat", None)
    monkeypatch.setattr(backend, "_NAMESPACES", {})  # (namespaces found before are cached)
    with pytest.raises(ImportError, match=r"need array-api-compat.*layerwise\[array-api\]"):
        backend.namespace(torch.zeros(1))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match=r"'torch:cuda': torch finds no CUDA GPU"):
        backend.resolve_device("torch:cuda")


def test_is_device_array_tells_host_data_from_a_devices() -> None:
    for host in (np.float64(1.0), np.int32(3), np.ones(2), [1.0], 2.0, None):
        assert not backend.is_device_array(host)
    for device in (torch.ones(2), strict.asarray([1.0])):
        assert backend.is_device_array(device)


def test_a_gpu_number_this_machine_lacks_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(ValueError, match=r"'torch:cuda:7': torch finds GPUs 0 to 0 here.*forms"):
        backend.resolve_device("torch:cuda:7")

    class CUDARuntimeError(RuntimeError):
        pass

    def no_driver():
        raise CUDARuntimeError("cudaErrorNoDevice")

    runtime = types.SimpleNamespace(getDeviceCount=no_driver, CUDARuntimeError=CUDARuntimeError)
    monkeypatch.setitem(sys.modules, "cupy", types.SimpleNamespace(cuda=types.SimpleNamespace(
        runtime=runtime)))  # fmt: skip
    with pytest.raises(ValueError, match=r"'cupy:0': CuPy finds no GPU here. Hint: accepted"):
        backend.resolve_device("cupy:0")


def test_gpu_synchronizer_only_for_a_gpu(monkeypatch) -> None:
    for spec in (None, "cpu", "torch:cpu", "array-api-strict"):
        assert backend.gpu_synchronizer(spec) is None
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    assert callable(backend.gpu_synchronizer("torch:cuda"))


def test_mixed_libraries_and_devices_are_refused() -> None:
    with pytest.raises(TypeError, match=r"one library, got arrays of numpy, torch"):
        backend.namespace(np.zeros(2), torch.zeros(2))
    one = strict.asarray([1.0], device=strict.Device("device1"))
    with pytest.raises(ValueError, match=r"one device, got arrays on .*device1.*CPU_DEVICE"):
        backend.namespace(one, strict.asarray([1.0]))


def test_to_device_and_back() -> None:
    A = np.arange(6.0).reshape(2, 3)
    for spec in ("torch", "array-api-strict:device1"):
        xp, device = backend.resolve_device(spec)
        moved = backend.to_device(A, xp, device, np.float32)
        assert backend.namespace(moved) is xp and str(backend.device_of(moved)) == str(device)
        np.testing.assert_array_equal(backend.to_numpy(moved), A.astype(np.float32))
    assert backend.to_numpy([1, 2]).tolist() == [1, 2]


# ----- the network on a device ---------------------------------------------------------------
@pytest.mark.parametrize(("spec", "dtype"), DEVICES)
def test_same_seed_same_initial_theta(spec, dtype) -> None:
    cpu, net = _twins(spec, dtype, "relu", "sigmoid", None, 1)
    assert net.device == spec and cpu.device is None
    assert backend.namespace(net.theta) is net.xp is not np
    np.testing.assert_array_equal(backend.to_numpy(net.theta), cpu.theta)
    W1 = net.parameters["W1"]  # a view of θ on the device
    W1[0, 0] = 5.0
    assert float(net.theta[0]) == 5.0 and float(net.layers[0].W[0, 0]) == 5.0


@pytest.mark.parametrize(("spec", "dtype"), DEVICES)
@pytest.mark.parametrize(("hidden", "output", "loss", "n_y"), PAIRS)
def test_forward_cost_backward_match_numpy(spec, dtype, hidden, output, loss, n_y) -> None:
    cpu, net = _twins(spec, dtype, hidden, output, loss, n_y, l2=0.1, keep_prob=0.7)
    X, Y = _data(4, n_y, loss, output)
    for dropout in (None, 5):
        gen = None if dropout is None else np.random.default_rng(dropout)
        AL0, caches0 = cpu.forward(X.astype(dtype), gen)
        gen = None if dropout is None else np.random.default_rng(dropout)
        AL, caches = net.forward(_on(net, X), gen)  # (the same masks, drawn on the host)
        assert backend.namespace(AL) is net.xp
        _close(AL, AL0, dtype)
        for c, c0 in zip(caches, caches0, strict=True):
            _close(c.Z, c0.Z, dtype)
        for with_caches in (None, True):
            cost0 = cpu.cost(AL0, Y, caches0 if with_caches else None)
            cost = net.cost(AL, _on(net, Y), caches if with_caches else None)
            assert isinstance(cost, float) and abs(cost - cost0) <= (
                F64 if dtype == np.float64 else F32
            )
        grads0, grads = cpu.backward(AL0, Y, caches0), net.backward(AL, Y, caches)
        assert list(grads) == list(grads0)
        for key in grads0:
            _close(grads[key], grads0[key], dtype)


@pytest.mark.parametrize(("spec", "dtype"), DEVICES)
def test_predict_on_a_device(spec, dtype) -> None:
    for output, n_y in (("sigmoid", 2), ("softmax", 3), ("linear", 1)):
        cpu, net = _twins(spec, dtype, "tanh", output, None, n_y)
        X, _ = _data(4, n_y, None, output)
        proba = net.predict_proba(X)  # host data is moved to the network's device
        _close(proba, cpu.predict_proba(X.astype(dtype)), dtype)
        predicted = net.predict(_on(net, X))
        assert backend.namespace(predicted) is net.xp
        if output == "linear":  # values, not labels
            _close(predicted, cpu.predict(X.astype(dtype)), dtype)
        else:
            np.testing.assert_array_equal(backend.to_numpy(predicted), cpu.predict(X.astype(dtype)))


OPTIMIZERS = ["gd", "momentum", "rmsprop", "adam"]


@pytest.mark.parametrize(("spec", "dtype"), DEVICES)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize(("hidden", "output", "loss", "n_y"), PAIRS)
def test_fit_matches_the_numpy_engine(spec, dtype, optimizer, hidden, output, loss, n_y) -> None:
    cpu, net = _twins(spec, dtype, hidden, output, loss, n_y, l2=0.05, keep_prob=0.8)
    X, Y = _data(4, n_y, loss, output, m=50)
    dev = _data(4, n_y, loss, output, m=9, seed=1)
    kw = {"epochs": 3, "learning_rate": 0.05, "optimizer": optimizer, "batch_size": 16}
    h0 = lw.fit(cpu, X, Y, dev=dev, **kw)
    h = lw.fit(net, _on(net, X), _on(net, Y), dev=(_on(net, dev[0]), dev[1]), **kw)
    _close(net.theta, cpu.theta, dtype)
    tol = F64 if dtype == np.float64 else F32
    assert list(h.history) == list(h0.history)  # cost, dev_cost, (dev_)accuracy alike
    for key, want in h0.history.items():
        got = h.history[key]
        assert len(got) == 3 and all(type(x) is float for x in got), key
        np.testing.assert_allclose(got, want, rtol=0, atol=tol * 10, err_msg=key)
    # the streams moved as the engine moves them: the next epoch shuffles the same way
    assert net.shuffle_rng.bit_generator.state == cpu.shuffle_rng.bit_generator.state
    assert net.dropout_rng.bit_generator.state == cpu.dropout_rng.bit_generator.state


@pytest.mark.parametrize(("spec", "dtype"), DEVICES[:4])
def test_reference_fit_and_full_batch_on_a_device(spec, dtype) -> None:
    cpu, net = _twins(spec, dtype, "relu", "softmax", None, 3)
    X, Y = _data(4, 3, None, "softmax", m=20)
    costs0 = reference_fit(cpu, X, Y, epochs=3, optimizer="adam", batch_size=8)
    costs = reference_fit(net, _on(net, X), _on(net, Y), epochs=3, optimizer="adam", batch_size=8)
    tol = F64 if dtype == np.float64 else F32
    np.testing.assert_allclose(costs, costs0, rtol=0, atol=tol)
    _close(net.theta, cpu.theta, dtype)
    h0, h = lw.fit(cpu, X, Y, epochs=4), lw.fit(net, X, Y, epochs=4)  # host data: moved once
    _close(net.theta, cpu.theta, dtype)
    np.testing.assert_allclose(h.cost, h0.cost, rtol=0, atol=tol)


@pytest.mark.parametrize(("spec", "dtype"), DEVICES)
def test_saved_files_are_numpys_byte_for_byte(spec, dtype, tmp_path, monkeypatch) -> None:
    cpu, net = _twins(spec, dtype, "relu", "softmax", None, 3)
    monkeypatch.setattr(time, "time", lambda: 1.7e9)  # the zip's member times: one second
    cpu.save(tmp_path / "cpu.npz")
    net.save(tmp_path / "device.npz")
    assert (tmp_path / "cpu.npz").read_bytes() == (tmp_path / "device.npz").read_bytes()
    loaded = lw.load(tmp_path / "device.npz")
    assert loaded.device is None and isinstance(loaded.theta, np.ndarray)
    moved = loaded.to(spec)
    assert moved is loaded and moved.device == spec
    np.testing.assert_array_equal(backend.to_numpy(moved.theta), cpu.theta)


def test_to_moves_theta_and_back_and_pickles_are_numpys() -> None:
    net = lw.Network([3, 4, 1], seed=1)
    theta = net.theta.copy()
    net.to("torch")
    assert isinstance(net.theta, torch.Tensor) and net.parameters["W1"].data_ptr() == (
        net.theta.data_ptr()
    )
    twin = pickle.loads(pickle.dumps(net))  # host-only, as files: loads without torch
    assert twin.device is None and isinstance(twin.theta, np.ndarray)
    np.testing.assert_array_equal(twin.theta, backend.to_numpy(net.theta))
    assert twin.parameters["W1"].base is twin.theta  # the views of θ, as NumPy's
    back = pickle.loads(pickle.dumps(twin.to("torch")))
    np.testing.assert_array_equal(back.theta, theta)  # and both directions, θ equal
    twin.to("torch")
    net.to(None)
    assert net.device is None and isinstance(net.theta, np.ndarray)
    np.testing.assert_array_equal(net.theta, theta)
    net.parameters["b1"] = np.ones((4, 1))  # the course's assignment, on a device too
    twin.parameters["b1"] = np.ones((4, 1))
    np.testing.assert_array_equal(backend.to_numpy(twin.theta), net.theta)


def test_a_device_networks_pickle_loads_where_its_library_is_missing() -> None:
    data = pickle.dumps(lw.Network([3, 4, 1], seed=1, device="torch"))
    code = (
        "import pickle, sys; sys.modules['torch'] = None  # torch cannot be imported\n"
        f"net = pickle.loads({data!r})\n"
        "print(net.device, type(net.theta).__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["None", "numpy"]


@pytest.mark.parametrize("first", [None, "torch", "array-api-strict"])
def test_one_optimizer_follows_the_network_from_device_to_device(first) -> None:
    X, Y = _data(4, 1, None, "sigmoid", m=30)
    net = lw.Network([4, 5, 1], seed=2, device=first)
    opt = lw.Adam(learning_rate=0.01)
    for device in ("array-api-strict:device1", None, "torch", first):
        lw.fit(net.to(device), X, Y, epochs=1, optimizer=opt, batch_size=10)
        v = opt.state["theta"]["v"]  # the moments made afresh where θ now lives
        assert type(v) is type(net.theta) and str(backend.device_of(v)) == str(
            backend.device_of(net.theta)
        )


def test_n_parameters_and_summary_on_torch() -> None:
    net, twin = lw.Network([3, 4, 1], seed=1), lw.Network([3, 4, 1], seed=1, device="torch")
    assert twin.n_parameters() == net.n_parameters() == 21
    assert twin.summary() == net.summary()


def test_early_stopping_restores_on_a_device() -> None:
    X, Y = _data(4, 1, None, "sigmoid", m=30)
    runs = []
    for device, restore in ((None, True), ("torch", True), ("torch", False)):
        net = lw.Network([4, 5, 1], seed=2, device=device)
        stop = EarlyStopping(monitor="cost", patience=1, restore_best=restore)
        history = lw.fit(net, X, Y, epochs=6, learning_rate=30.0, callbacks=[stop])
        runs.append(backend.to_numpy(net.theta).copy())
    assert history.best_epoch < history.stopped_epoch  # so restoring θ changes it
    np.testing.assert_allclose(runs[1], runs[0], rtol=0, atol=F64)
    assert not np.allclose(runs[1], runs[2])


def test_divergence_on_a_device_keeps_the_epochs_start() -> None:
    X, Y = _data(4, 1, None, "linear", m=30)
    net = lw.Network([4, 5, 1], "relu", "linear", seed=2, device="torch")
    opt = lw.Adam(learning_rate=0.01)
    lw.fit(net, X, Y, epochs=2, optimizer=opt, batch_size=10)  # moments and t to keep
    theta, t = net.theta.clone(), opt.t
    state = {k: {n: a.clone() for n, a in s.items()} for k, s in opt.state.items()}
    opt.learning_rate = 1e10
    with pytest.raises(DivergenceError, match=r"diverged.*kept the parameters the epoch began"):
        lw.fit(net, X * 1e150, Y, epochs=3, optimizer=opt, batch_size=10)
    assert torch.equal(net.theta, theta)  # exactly the epoch's start
    assert opt.t == t == 6  # as NumPy's Guard: the steps of the diverged epoch undone
    assert state.keys() == opt.state.keys() and state["theta"].keys() == {"v", "s"}
    for key, slots in state.items():
        for name, a in slots.items():
            assert torch.equal(opt.state[key][name], a)


@pytest.mark.parametrize("device", [None, "torch", "array-api-strict"])
def test_a_non_finite_dev_cost_is_divergence_on_a_device_as_on_numpy(device) -> None:
    X, Y = _data(4, 1, None, "linear", m=30)
    net = lw.Network([4, 5, 1], "relu", "linear", seed=2, device=device)
    with pytest.raises(DivergenceError, match=r"Cost became inf on the dev set at epoch 0"):
        lw.fit(net, X, Y, epochs=2, dev=(X * 1e200, Y))


def test_a_divergent_fit_on_array_api_strict_warns_nothing() -> None:
    X, Y = _data(4, 1, None, "linear", m=30)  # (warnings are errors in the test suite)
    net = lw.Network([4, 5, 1], "relu", "linear", seed=2, device="array-api-strict")
    with pytest.raises(DivergenceError, match=r"diverged"):
        lw.fit(net, X * 1e150, Y, epochs=3, learning_rate=1e10)


# ----- refusals ------------------------------------------------------------------------------
def test_a_numpy_network_refuses_device_data() -> None:
    net = lw.Network([4, 1], seed=0)
    X, Y = _data(4, 1, None, "sigmoid")
    with pytest.raises(TypeError, match=r"NumPy arrays for a NumPy network, got torch data.*"
                       r"device='torch:cuda'.*net.to"):  # fmt: skip
        lw.fit(net, torch.asarray(X), torch.asarray(Y), epochs=1)
    with pytest.raises(TypeError, match=r"got torch data"):
        lw.fit(net, X, torch.asarray(Y), epochs=1)


def test_a_numpy_network_refuses_a_devices_arrays_everywhere() -> None:
    net = lw.Network([4, 1], seed=0)
    X, Y = _data(4, 1, None, "sigmoid")
    X_torch, Y_torch, AL = torch.asarray(X), torch.asarray(Y), net.forward(X)[0]
    hint = r"got an array of torch on cpu\. Hint: build the network with device=.*net\.to"
    for call in (net.forward, net.predict_proba, net.predict):
        with pytest.raises(TypeError, match=r"X must be NumPy data for a NumPy network, " + hint):
            call(X_torch)
    with pytest.raises(TypeError, match=r"Y must be NumPy data for a NumPy network, " + hint):
        net.cost(AL, Y_torch)
    with pytest.raises(TypeError, match=r"Y must be NumPy data for a NumPy network"):
        net.backward(AL, Y_torch, net.forward(X)[1])
    with pytest.raises(TypeError, match=r"dev\[0\] must be NumPy arrays .*got torch data"):
        lw.fit(net, X, Y, epochs=1, dev=(X_torch, Y))
    with pytest.raises(TypeError, match=r"dev\[1\] must be NumPy arrays .*got torch data"):
        lw.fit(net, X, Y, epochs=1, dev=(X, Y_torch))
    with pytest.raises(TypeError, match=r"sample_weight must be NumPy arrays .*got torch"):
        lw.fit(net, X, Y, epochs=1, sample_weight=torch.ones(Y.shape[1]))


def test_parameters_take_their_own_devices_arrays_or_numpys() -> None:
    net, on_torch = lw.Network([3, 4, 1], seed=1), lw.Network([3, 4, 1], seed=1, device="torch")
    W1 = on_torch.parameters["W1"]
    on_torch.parameters["W1"] = W1 - 0.5 * torch.ones_like(W1)  # the course's update
    on_torch.parameters["b1"] = np.ones((4, 1))  # host data: checked and moved
    assert torch.equal(on_torch.parameters["b1"], torch.ones((4, 1), dtype=torch.float64))
    for target, value, where in (
        (net, torch.ones((4, 3), dtype=torch.float64), "torch on cpu"),
        (on_torch, strict.ones((4, 3), dtype=strict.float64), "array_api_strict on"),
    ):
        with pytest.raises(TypeError, match=rf"parameters\['W1'\] takes an array of .*{where}"):
            target.parameters["W1"] = value


@pytest.mark.parametrize("device", ["torch", "array-api-strict"])
def test_a_devices_targets_that_fail_a_check_get_numpys_message(device) -> None:
    net = lw.Network([4, 1], seed=0, device=device)
    X, Y = _data(4, 1, None, "sigmoid")
    xp = backend.resolve_device(device)[0]
    with pytest.raises(ValueError) as numpys:
        lw.fit(lw.Network([4, 1], seed=0), X, Y[0, :-1], epochs=1)
    with pytest.raises(ValueError) as devices:  # 1-D, one short: checked on a host copy
        lw.fit(net, X, xp.asarray(Y[0, :-1]), epochs=1)
    assert str(devices.value) == str(numpys.value)
    with pytest.raises(ValueError, match=r"Y of shape \(37,\) would broadcast"):  # 1-D
        lw.fit(net, X, xp.asarray(Y[0]), epochs=1)
    assert lw.fit(net, X, xp.asarray(Y), epochs=1).epochs == 1
    with pytest.raises(TypeError, match=r"Y must be on the network's device"):
        lw.fit(net, X, strict.asarray(Y, device=strict.Device("device1")), epochs=1)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"checkpoint": "ck"}, r"checkpoint= is not supported on a device"),
        ({"resume": True}, r"resume= is not supported on a device \(a checkpoint holds"),
        ({"sample_weight": np.ones(37)}, r"sample_weight= is not supported on a device"),
        ({"shuffle_block": 8}, r"shuffle_block= is not supported on a device"),
        ({"dev": (np.ones((4, 2)), np.ones((1, 2)), np.ones(2))}, r"dev=\(X_dev, Y_dev, w_dev\)"),
        ({"dev": np.ones((4, 2))}, r"dev must be \(X_dev, Y_dev\), got ndarray"),
    ],
)
def test_fit_refuses_what_a_device_does_not_run(options, match) -> None:
    net = lw.Network([4, 1], seed=0, device="array-api-strict")
    X, Y = _data(4, 1, None, "sigmoid")
    with pytest.raises(ValueError, match=match):
        lw.fit(net, X, Y, epochs=1, **options)


def test_memmaps_and_other_devices_are_refused(tmp_path) -> None:
    net = lw.Network([4, 1], seed=0, device="array-api-strict")
    X, Y = _data(4, 1, None, "sigmoid")
    mapped = np.lib.format.open_memmap(tmp_path / "x.npy", "w+", np.float64, X.shape)
    mapped[...] = X
    with pytest.raises(ValueError, match=r"X is memory-mapped"):
        lw.fit(net, mapped, Y, epochs=1)
    elsewhere = strict.asarray(X, device=strict.Device("device1"))
    with pytest.raises(TypeError, match=r"X must be on the network's device .*device1"):
        net.forward(elsewhere)
    with pytest.raises(TypeError, match=r"X must be on the network's device .*torch"):
        net.forward(torch.asarray(X))


def test_device_checks_speak_as_numpys() -> None:
    net = lw.Network([4, 1], seed=0, device="torch")
    X, Y = _data(4, 1, None, "sigmoid")
    bad = X.copy()
    bad[1, 3] = np.nan
    with pytest.raises(ValueError, match=r"X contains 1 NaN/inf values \(first at column 3\)"):
        net.forward(torch.asarray(bad))
    with pytest.raises(ValueError, match=r"X must have 4 rows"):
        net.forward(torch.asarray(X[:3]))
    with pytest.raises(TypeError, match=r"X must hold numbers"):
        net.forward([["a"] * 3] * 4)
    AL = net.forward(X.tolist())[0]  # host data of any kind: checked, then moved
    assert isinstance(AL, torch.Tensor) and AL.dtype == torch.float64
    AL, caches = net.forward(X)
    with pytest.raises(ValueError, match=r"Y must hold only 0 and 1.*found 2.0"):
        net.backward(AL, torch.asarray(Y * 2), caches)
    with pytest.raises(ValueError, match=r"AL must be the network's output.*got ndarray"):
        net.cost(backend.to_numpy(AL), Y)


def test_a_device_without_float64_refuses_a_float64_network() -> None:
    with pytest.raises(ValueError, match=r"'array-api-strict:no_float64' has no float64.*float32"):
        lw.Network([2, 1], device="array-api-strict:no_float64")


def test_gradient_check_refuses_a_device_network() -> None:
    net = lw.Network([3, 2, 1], seed=0, device="torch")
    X = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"gradient_check runs on NumPy.*device 'torch'"):
        lw.gradient_check(net, X, np.ones((1, 2)))


def test_a_device_without_int64_shuffles_and_predicts_with_int32() -> None:
    # (array-api-strict's argmax makes int64 even there, so softmax is left out)
    cpu, net = _twins("array-api-strict:no_x64", np.float32, "relu", "sigmoid", None, 1)
    X, Y = _data(4, 1, None, "sigmoid", m=30)
    h0 = lw.fit(cpu, X, Y, epochs=2, batch_size=8, optimizer="adam", learning_rate=0.01)
    h = lw.fit(net, X, Y, epochs=2, batch_size=8, optimizer="adam", learning_rate=0.01)
    _close(net.theta, cpu.theta, np.float32)
    np.testing.assert_allclose(h.cost, h0.cost, rtol=0, atol=F32)
    assert net.predict(X).dtype == strict.int32
