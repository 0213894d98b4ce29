"""Small networks compiled whole (``engine.whole``): the compiled steps train as the NumPy tape
does, on every hidden activation × output pair × optimizer × dtype, with dropout, per-example
weights, L2, shuffling by blocks and full batch; they give the same bits twice; they decline
what they do not cover (the tape runs); without numba the tape runs.

The kernel compiles once per signature (dtype, layout of the rows) and is cached on disk; the
full matrix is marked slow, the fast tier trains a few float64 networks on one signature.
"""

from __future__ import annotations

from functools import partial
from types import MethodType

import numpy as np
import pytest

pytest.importorskip("numba")
pytest.importorskip("scipy")

from layerwise import activations, optimizers
from layerwise.callbacks import Callback
from layerwise.engine import paths, whole
from layerwise.network import Network
from layerwise.training import reference_fit

HIDDEN = ("relu", "leaky_relu", "tanh", "sigmoid", "linear")
OUTPUTS = {  # output activation, loss, n_y
    "binary": ("sigmoid", "binary_crossentropy", 1),
    "multiclass": ("softmax", "categorical_crossentropy", 3),
    "multilabel": ("sigmoid", "multilabel_crossentropy", 2),
    "regression": ("linear", "squared_error", 2),
}
OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
RATES = {"gd": 0.3, "momentum": 0.3, "rmsprop": 0.01, "adam": 0.01}


def _data(task: str, dtype, m: int = 50) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    X = rng.standard_normal((4, m))
    n_y = OUTPUTS[task][2]
    if task == "multiclass":
        Y = np.eye(n_y)[:, rng.integers(0, n_y, m)]
    elif task == "regression":
        Y = np.stack([X[0] * X[1], np.sin(X[2])])
    else:
        Y = (rng.standard_normal((n_y, m)) + X[:n_y] > 0).astype(float)
    return X.astype(dtype), Y.astype(dtype)


def _tolerance(dtype) -> dict[str, float]:
    # float32: the README's "about 1e-6 relative over a few dozen steps" between paths
    # (measured over the matrix: 3e-7 of max |θ|, float64 3e-16)
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}


@pytest.fixture
def used(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The (k0, k1) of every compiled call, so a test can tell which path trained."""
    calls: list[tuple[int, int]] = []
    real = whole.Compiled.run

    def run(self, k0: int, k1: int) -> None:
        calls.append((k0, k1))
        real(self, k0, k1)

    monkeypatch.setattr(whole.Compiled, "run", run)
    return calls


def _fit(monkeypatch, path: str, make, X, Y, **options):
    """Train ``make()`` on the given path ("tape": the NumPy tape, no kernels); θ and costs."""
    monkeypatch.setattr(paths, "EPOCH", path)
    monkeypatch.setattr(paths, "KERNELS", "numpy" if path == "tape" else "auto")
    net = make()
    history = net.fit(X, Y, **options)
    return net.theta.copy(), np.array(history.cost)


def _agree(monkeypatch, used, make, X, Y, dtype, **options) -> None:
    tape = _fit(monkeypatch, "tape", make, X, Y, **options)
    assert not used
    compiled = _fit(monkeypatch, "compiled", make, X, Y, **options)
    assert used
    np.testing.assert_allclose(compiled[0], tape[0], **_tolerance(dtype))
    np.testing.assert_allclose(compiled[1], tape[1], **_tolerance(dtype))


def _net(hidden: str, task: str, dtype, **options) -> Network:
    output, loss, n_y = OUTPUTS[task]
    return Network([4, 6, 5, n_y], hidden, output, loss, seed=2, dtype=dtype, **options)


def _options(optimizer: str) -> dict:
    return dict(epochs=3, batch_size=16, optimizer=optimizer, learning_rate=RATES[optimizer])


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("task", OUTPUTS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_every_activation_output_optimizer_and_dtype_trains_as_the_tape(
    monkeypatch, used, hidden, task, optimizer, dtype
) -> None:
    X, Y = _data(task, dtype)
    make = partial(_net, hidden, task, dtype)
    _agree(monkeypatch, used, make, X, Y, dtype, seed=1, **_options(optimizer))


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_the_compiled_steps_train_as_the_tape(monkeypatch, used, optimizer) -> None:
    X, Y = _data("multiclass", np.float64)
    make = partial(_net, "relu", "multiclass", np.float64)
    _agree(monkeypatch, used, make, X, Y, np.float64, seed=1, **_options(optimizer))
    assert used[-1] == (0, 4)  # 50 examples, batches of 16: one call for the epoch's 4 steps


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_the_compiled_steps_train_as_the_reference_loop(monkeypatch, used, optimizer) -> None:
    X, Y = _data("binary", np.float64)
    monkeypatch.setattr(paths, "EPOCH", "compiled")
    options = _options(optimizer)
    ref, net = _net("tanh", "binary", np.float64), _net("tanh", "binary", np.float64)
    costs = reference_fit(ref, X, Y, **options)
    history = net.fit(X, Y, shuffle=False, **options)
    assert used
    np.testing.assert_allclose(net.theta, ref.theta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(history.cost, costs, rtol=1e-10)


@pytest.mark.parametrize(
    "extras",
    ["dropout", "weights-l2-blocks", "full-batch", "no-shuffle", "leaky-slope"],
)
def test_dropout_weights_l2_and_batching_train_as_the_tape(monkeypatch, used, extras) -> None:
    X, Y = _data("binary", np.float64)
    options, net_options, hidden = _options("adam"), {}, "relu"
    if extras == "dropout":  # the masks: the same uniforms of the dropout stream
        net_options = {"keep_prob": [0.7, 0.5]}
    elif extras == "weights-l2-blocks":
        net_options = {"l2": 0.1}
        options |= dict(sample_weight=np.linspace(0.2, 3, 50), shuffle_block=8)
    elif extras == "full-batch":
        options["batch_size"] = None
    elif extras == "no-shuffle":
        options["shuffle"] = False
    else:
        hidden = activations.get_activation("leaky_relu", slope=0.2)
    make = partial(_net, hidden, "binary", np.float64, **net_options)
    _agree(monkeypatch, used, make, X, Y, np.float64, seed=4, **options)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_the_same_seed_gives_the_same_bits(monkeypatch, used, dtype) -> None:
    X, Y = _data("multiclass", dtype)
    make = partial(_net, "tanh", "multiclass", dtype, keep_prob=0.8, l2=0.01)
    runs = [_fit(monkeypatch, "compiled", make, X, Y, seed=3, **_options("adam")) for _ in range(2)]
    assert used
    assert np.array_equal(runs[0][0], runs[1][0]) and np.array_equal(runs[0][1], runs[1][1])


class Clipped(optimizers.GradientDescent):
    """A subclass may change the rule: the compiled steps must not assume plain descent."""

    def _apply(self, theta, grad, key, t) -> None:
        theta -= self.learning_rate * np.clip(grad, -0.01, 0.01)


RULES = {cls: cls._apply for cls in optimizers.OPTIMIZERS.values()}  # the library's own


def _clipping(rule):
    def clipped(self, theta, grad, key, t) -> None:  # the rule on a clipped gradient
        rule(self, theta, np.clip(grad, -0.01, 0.01), key, t)

    return clipped


def _adam_with_own_rule() -> optimizers.Adam:
    opt = optimizers.Adam(0.01)
    opt._apply = MethodType(_clipping(RULES[optimizers.Adam]), opt)  # the instance's own rule
    return opt


@pytest.mark.parametrize(
    "case",
    ["custom-record", "l1-output", "optimizer-subclass", "instance-rule", "class-rule"],
)
def test_what_the_compiled_steps_do_not_cover_runs_on_the_tape(monkeypatch, used, case) -> None:
    X, Y = _data("regression", np.float64)
    hidden, loss, optimizer = "tanh", "squared_error", partial(str, "adam")
    if case == "custom-record":  # same functions, but a record of its own: no in-place code
        hidden = activations.Activation("mytanh", activations.tanh, activations.tanh_derivative)
    elif case == "l1-output":
        loss = "absolute_error"
    elif case == "optimizer-subclass":
        optimizer = partial(Clipped, 0.1)
    elif case == "instance-rule":  # Adam's class, the rule replaced on the instance
        optimizer = _adam_with_own_rule
    else:  # Adam's class with its rule replaced
        monkeypatch.setattr(optimizers.Adam, "_apply", _clipping(RULES[optimizers.Adam]))

    def make() -> Network:
        return Network([4, 6, 5, 2], hidden, "linear", loss, seed=2)

    options = dict(epochs=2, batch_size=16, learning_rate=None)
    tape = _fit(monkeypatch, "tape", make, X, Y, optimizer=optimizer(), **options)
    forced = _fit(monkeypatch, "compiled", make, X, Y, optimizer=optimizer(), **options)
    assert not used  # declined: the tape ran, with its results
    assert np.array_equal(forced[0], tape[0])


def _change_settings(opt: optimizers.Optimizer, net: Network, what: str) -> None:
    """What a callback may do between epochs: α halved, β (β1) and ε moved; λ set; or the
    optimizer's rule replaced on the instance (once)."""
    if what == "l2":
        net.l2 = 0.05 if net.l2 == 0 else net.l2 * 2
        return
    if what == "rule":
        if "_apply" not in vars(opt):
            opt._apply = MethodType(_clipping(RULES[type(opt)]), opt)
        return
    opt.learning_rate *= 0.5
    for name, value in (("beta", 0.8), ("beta1", 0.8), ("epsilon", 1e-4)):
        if hasattr(opt, name):
            setattr(opt, name, value)


class Schedule(Callback):
    def __init__(self, opt: optimizers.Optimizer, what: str) -> None:
        self.opt, self.what = opt, what

    def on_epoch_end(self, net, epoch, logs) -> None:
        _change_settings(self.opt, net, self.what)


@pytest.mark.parametrize("what", ["optimizer", "l2", "rule"])
@pytest.mark.parametrize("path", ["tape", "compiled"])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_settings_a_callback_changes_between_epochs_are_followed(
    monkeypatch, used, path, optimizer, what
) -> None:
    # the steps hold α (plain descent folds it into dZ[L]), the compiled steps β, ε and the
    # rule's formulas, and both λ: a change is followed as by a new fit with it, bit for bit
    X, Y = _data("binary", np.float64)
    monkeypatch.setattr(paths, "EPOCH", path)
    monkeypatch.setattr(paths, "KERNELS", "numpy" if path == "tape" else "auto")
    options = dict(batch_size=16, shuffle=False, learning_rate=None)

    def start() -> tuple[Network, optimizers.Optimizer]:
        net = _net("relu", "binary", np.float64)  # l2 = 0: the first change sets λ
        return net, optimizers.get_optimizer(optimizer, RATES[optimizer])

    net, opt = start()
    net.fit(X, Y, epochs=3, optimizer=opt, callbacks=[Schedule(opt, what)], **options)
    ref, ref_opt = start()
    for _ in range(3):  # one fit an epoch, the settings changed in between
        ref.fit(X, Y, epochs=1, optimizer=ref_opt, **options)
        _change_settings(ref_opt, ref, what)
    assert (path == "compiled") == bool(used)
    assert np.array_equal(net.theta, ref.theta)


def test_the_default_keeps_the_tape_and_auto_compiles_small_networks(monkeypatch, used) -> None:
    monkeypatch.delenv("LAYERWISE_EPOCH", raising=False)
    monkeypatch.delenv("LAYERWISE_KERNELS", raising=False)
    monkeypatch.setattr(paths, "EPOCH", None)
    monkeypatch.setattr(paths, "EPOCH_MIN_ELEMENTS", 100)
    X, Y = _data("binary", np.float64, m=50)
    _net("relu", "binary", np.float64).fit(X, Y, epochs=1, batch_size=16)
    assert not used  # opt-in: no compile pause in a default fit
    monkeypatch.setattr(paths, "EPOCH", "auto")
    monkeypatch.setattr(paths, "EPOCH_MIN_ELEMENTS", 10**6)
    _net("relu", "binary", np.float64).fit(X, Y, epochs=1, batch_size=16)
    assert not used  # a toy epoch: not worth loading the compiled code
    monkeypatch.setattr(paths, "EPOCH_MIN_ELEMENTS", 100)
    monkeypatch.setattr(paths, "KERNELS", "numpy")  # the reference path: numba kept out
    _net("relu", "binary", np.float64).fit(X, Y, epochs=1, batch_size=16)
    assert not used
    monkeypatch.setattr(paths, "KERNELS", None)
    _net("relu", "binary", np.float64).fit(X, Y, epochs=1, batch_size=16)
    assert used
    monkeypatch.setattr(paths, "EPOCH_MAX_WORK", 100)  # steps too large: the tape
    assert paths.epoch_kernel(elements=10**6, work=101) is None


def test_without_numba_the_tape_runs_and_compiled_says_so(monkeypatch, used) -> None:
    real = paths.importlib.util.find_spec
    monkeypatch.setattr(
        paths.importlib.util, "find_spec", lambda name: None if name == "numba" else real(name)
    )
    monkeypatch.setattr(paths, "EPOCH", "auto")
    monkeypatch.setattr(paths, "EPOCH_MIN_ELEMENTS", 0)
    X, Y = _data("binary", np.float64)
    _net("relu", "binary", np.float64).fit(X, Y, epochs=1, batch_size=16)
    assert not used
    monkeypatch.setattr(paths, "EPOCH", "compiled")
    with pytest.raises(RuntimeError, match=r"EPOCH='compiled' asks for compiled epochs.*numba"):
        paths.epoch_kernel(elements=10**6, work=10)


def test_the_epoch_setting_is_checked(monkeypatch) -> None:
    monkeypatch.setattr(paths, "EPOCH", "fast")
    with pytest.raises(ValueError, match=r"EPOCH must be one of auto, tape, compiled, got 'fast'"):
        paths.epoch_kernel(elements=10, work=10)


def test_divergence_rewinds_to_the_same_step_as_on_the_tape(monkeypatch, used) -> None:
    # the guard replays the epoch one compiled step at a time, as it replays the tape's
    from layerwise.callbacks import DivergenceError

    X, Y = _data("regression", np.float64)
    outcome = {}
    for path in ("tape", "compiled"):
        monkeypatch.setattr(paths, "EPOCH", path)
        net = _net("linear", "regression", np.float64, keep_prob=0.9)
        with pytest.raises(DivergenceError) as error:
            net.fit(X, Y, epochs=30, batch_size=16, learning_rate=1.0, seed=2)
        outcome[path] = str(error.value), net.theta.copy()
    assert "at the mini-batch starting with example" in outcome["compiled"][0]
    assert outcome["compiled"][0] == outcome["tape"][0]
    assert any(k1 - k0 == 1 for k0, k1 in used)  # the replay ran steps one by one
    np.testing.assert_allclose(outcome["compiled"][1], outcome["tape"][1], rtol=1e-8)


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_networks_without_hidden_layers_train_as_the_tape(monkeypatch, used, task) -> None:
    X, Y = _data(task, np.float64)
    output, loss, n_y = OUTPUTS[task]
    make = partial(Network, [4, n_y], output=output, loss=loss, seed=2, l2=0.05)
    _agree(monkeypatch, used, make, X, Y, np.float64, seed=1, **_options("momentum"))


def test_an_epoch_with_many_dropout_draws_runs_in_several_calls(monkeypatch, used) -> None:
    monkeypatch.setattr(whole, "MAX_DRAWS", 200)  # 16 × (6 + 5) = 176 uniforms a step
    X, Y = _data("binary", np.float64)
    make = partial(_net, "tanh", "binary", np.float64, keep_prob=[0.7, 0.5])
    _agree(monkeypatch, used, make, X, Y, np.float64, seed=4, **_options("adam"))
    assert used[-3:] == [(0, 1), (1, 2), (2, 4)]  # the last step draws 2 × 11


def _bits(array: np.ndarray) -> np.ndarray:
    return array.view(np.uint8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize(
    "hidden, slope",
    [("relu", 0.0), ("leaky_relu", 0.01), ("leaky_relu", 1.3), ("tanh", 0.0), ("sigmoid", 0.0)],
)
def test_the_kernels_activation_steps_are_the_tapes_operations(hidden, slope, dtype) -> None:
    """dA ⊙ g' (every code) and leaky ReLU in the kernel give the tape's bits, computed in the
    array's own dtype (a float32 network's constants not taken through float64), with nan, ±inf
    and ±0 among the entries; ReLU gives max(0, z) (the tape's z · 1[z > 0] has nan at -inf and
    -0 at -0); tanh and σ themselves come from libm or NumPy, tested by training."""
    from layerwise.engine import epoch_kernel as kern

    codes = {"relu": kern.RELU, "leaky_relu": kern.LEAKY_RELU, "tanh": kern.TANH}
    code = codes.get(hidden, kern.SIGMOID)
    record = getattr(activations, f"{hidden}_inplace")
    rng = np.random.default_rng(3)
    Z = (rng.standard_normal((6, 16)) * 3).astype(dtype)
    Z[0, :6] = [np.nan, -np.inf, np.inf, -0.0, 0.0, np.finfo(dtype).tiny / 4]
    dA = rng.standard_normal(Z.shape).astype(dtype)
    dA[1, :3] = [np.nan, np.inf, -np.inf]
    A, dA0, scratch, mask = Z.copy(), dA.copy(), np.empty_like(Z), np.empty_like(Z)
    extra = {"slope": slope} if hidden == "leaky_relu" else {}
    forward, backward = record(A, dA, scratch, mask, **extra)
    with np.errstate(invalid="ignore"):  # the tape's -inf · 0
        for op in [*forward, *backward]:
            op()  # A = g(Z), then dA = dA ⊙ g'
    A_kernel, dA_kernel = Z.copy(), dA0
    if hidden == "relu":
        kern.activate(code, slope, A_kernel)
        expected = np.where(Z <= 0, dtype(0), Z)  # nan stays nan, -0 gives +0
        np.testing.assert_array_equal(_bits(A_kernel), _bits(expected))
    elif hidden == "leaky_relu":
        kern.activate(code, slope, A_kernel)
        np.testing.assert_array_equal(_bits(A_kernel), _bits(A))
    kern.derivative(code, slope, dA_kernel, A)  # g' read from the tape's A
    np.testing.assert_array_equal(_bits(dA_kernel), _bits(dA))


class Freeze(Callback):
    """α set to 0 after the first epoch: θ must not move any more."""

    def __init__(self, opt: optimizers.Optimizer) -> None:
        self.opt, self.theta = opt, None

    def on_epoch_end(self, net, epoch, logs) -> None:
        if epoch == 0:
            self.theta, self.opt.learning_rate = net.theta.copy(), 0.0


@pytest.mark.parametrize("path", ["tape", "compiled"])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_a_learning_rate_set_to_zero_stops_the_updates(monkeypatch, used, path, optimizer) -> None:
    X, Y = _data("binary", np.float64)
    monkeypatch.setattr(paths, "EPOCH", path)
    net, opt = _net("relu", "binary", np.float64), optimizers.get_optimizer(optimizer, 0.1)
    freeze = Freeze(opt)
    net.fit(X, Y, epochs=3, batch_size=16, optimizer=opt, learning_rate=None, callbacks=[freeze])
    assert (path == "compiled") == bool(used)
    assert np.array_equal(net.theta, freeze.theta)


class Negative(Callback):
    def __init__(self, opt: optimizers.Optimizer, name: str) -> None:
        self.opt, self.name = opt, name

    def on_epoch_end(self, net, epoch, logs) -> None:
        setattr(self.opt if self.name == "learning_rate" else net, self.name, -0.1)


@pytest.mark.parametrize("name", ["learning_rate", "l2"])
def test_a_setting_a_callback_makes_negative_is_refused(name: str) -> None:
    X, Y = _data("binary", np.float64)
    opt = optimizers.Adam(0.01)
    with pytest.raises(ValueError, match=rf"{name} must be finite and >= 0, got -0.1"):
        _net("relu", "binary", np.float64).fit(
            X, Y, epochs=2, optimizer=opt, learning_rate=None, callbacks=[Negative(opt, name)]
        )


def test_a_step_replaced_during_training_runs_from_the_next_epoch() -> None:
    X, Y = _data("binary", np.float64)
    opt, calls = _adam_with_own_rule(), []  # (its rule is its own already)

    class Swap(Callback):
        def on_epoch_end(self, net, epoch, logs) -> None:
            if epoch == 0:
                real = opt.step
                opt.step = lambda theta, grad, key="theta": (
                    calls.append(1) or real(theta, grad, key)
                )

    net = _net("relu", "binary", np.float64)
    net.fit(X, Y, epochs=3, batch_size=16, optimizer=opt, learning_rate=None, callbacks=[Swap()])
    assert len(calls) == 2 * 4  # epochs 1 and 2, 4 steps each (50 examples, batches of 16)
