"""Tests for ``layerwise.optimizers``: every entry of the OPTIMIZERS table."""

from __future__ import annotations

import numpy as np
import pytest

from layerwise import OPTIMIZERS, Adam, GradientDescent, Momentum, Network, RMSProp, get_optimizer
from layerwise.optimizers import Optimizer

NAMES = sorted(OPTIMIZERS)


def reference_run(name: str, theta0: np.ndarray, grads: list[np.ndarray], lr: float) -> np.ndarray:
    """The notes' update rules, written out with default hyperparameters."""
    theta = theta0.copy()
    v, s = np.zeros_like(theta), np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        if name == "gd":
            theta = theta - lr * g
        elif name == "momentum":
            v = 0.9 * v + 0.1 * g
            theta = theta - lr * v
        elif name == "rmsprop":
            s = 0.9 * s + 0.1 * g**2
            theta = theta - lr * g / (np.sqrt(s) + 1e-8)
        elif name == "adam":
            v = 0.9 * v + 0.1 * g
            s = 0.999 * s + 0.001 * g**2
            v_hat, s_hat = v / (1 - 0.9**t), s / (1 - 0.999**t)
            theta = theta - lr * v_hat / (np.sqrt(s_hat) + 1e-8)
    return theta


def test_table() -> None:
    assert NAMES == ["adam", "gd", "momentum", "rmsprop"]
    assert OPTIMIZERS["gd"] is GradientDescent
    assert OPTIMIZERS["momentum"] is Momentum
    assert OPTIMIZERS["rmsprop"] is RMSProp
    assert OPTIMIZERS["adam"] is Adam
    for name, cls in OPTIMIZERS.items():
        assert issubclass(cls, Optimizer)
        assert cls().name == name


@pytest.mark.parametrize("name", NAMES)
def test_step_follows_the_update_rule(name: str, rng: np.random.Generator) -> None:
    theta0 = rng.standard_normal(7)
    grads = [rng.standard_normal(7) for _ in range(5)]
    opt = OPTIMIZERS[name](learning_rate=0.05)
    theta = theta0.copy()
    for g in grads:
        opt.step(theta, g)
    assert opt.t == 5
    np.testing.assert_allclose(theta, reference_run(name, theta0, grads, 0.05), rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_dict_update_equals_flat_step(name: str, rng: np.random.Generator) -> None:
    params = {"W1": rng.standard_normal((3, 2)), "b1": rng.standard_normal((3, 1))}
    flat = np.concatenate([params["W1"].ravel(), params["b1"].ravel()])
    by_dict, by_flat = OPTIMIZERS[name](0.1), OPTIMIZERS[name](0.1)
    for _ in range(3):
        grads = {"dW1": rng.standard_normal((3, 2)), "db1": rng.standard_normal((3, 1))}
        by_dict.update(params, grads)
        by_flat.step(flat, np.concatenate([grads["dW1"].ravel(), grads["db1"].ravel()]))
    np.testing.assert_allclose(params["W1"].ravel(), flat[:6], rtol=1e-12)
    np.testing.assert_allclose(params["b1"].ravel(), flat[6:], rtol=1e-12)
    assert by_dict.t == by_flat.t == 3
    if name != "gd":
        assert set(by_dict.state) == {"W1", "b1"}  # one state per parameter name


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32(name: str, rng: np.random.Generator) -> None:
    theta = rng.standard_normal(4).astype(np.float32)
    opt = OPTIMIZERS[name](0.1)
    for _ in range(3):
        opt.step(theta, rng.standard_normal(4).astype(np.float32))
    assert theta.dtype == np.float32


def test_adam_first_step_moves_each_entry_by_about_the_learning_rate() -> None:
    theta = np.zeros(3)
    Adam(learning_rate=0.01).step(theta, np.array([1e-3, -5.0, 200.0]))
    np.testing.assert_allclose(theta, [-0.01, 0.01, -0.01], rtol=1e-4)


def test_defaults_and_config() -> None:
    assert GradientDescent().learning_rate == 0.01
    assert Adam().config() == {
        "name": "adam",
        "learning_rate": 0.001,
        "beta1": 0.9,
        "beta2": 0.999,
        "epsilon": 1e-8,
    }
    assert Momentum(0.1, beta=0.8).config() == {
        "name": "momentum",
        "learning_rate": 0.1,
        "beta": 0.8,
    }
    assert RMSProp().config()["beta"] == 0.9
    assert GradientDescent().plain and not Adam().plain
    # every optimizer's defaults, as a checkpoint's fingerprint records them
    assert GradientDescent().config() == {"name": "gd", "learning_rate": 0.01}
    assert Momentum().config() == {"name": "momentum", "learning_rate": 0.01, "beta": 0.9}
    assert RMSProp().config() == {
        "name": "rmsprop",
        "learning_rate": 0.001,
        "beta": 0.9,
        "epsilon": 1e-8,
    }


@pytest.mark.parametrize("name", ["momentum", "rmsprop", "adam"])
def test_a_flat_step_keeps_its_state_under_theta(name: str) -> None:
    opt = OPTIMIZERS[name](0.1)
    opt.step(np.zeros(3), np.ones(3))
    assert list(opt.state) == ["theta"]  # the key a checkpoint stores the state under


@pytest.mark.parametrize("name", NAMES)
def test_float32_parameters_take_their_gradients_as_float32(name, rng) -> None:
    # the course's dicts may hold float64 gradients: they are rounded to the parameters'
    # dtype first, so that both paths compute in float32 alike
    params = {"W1": rng.standard_normal((50, 40)).astype(np.float32)}
    flat = params["W1"].ravel().copy()
    by_dict, by_flat = OPTIMIZERS[name](0.1), OPTIMIZERS[name](0.1)
    for _ in range(3):
        dW1 = rng.standard_normal((50, 40))
        by_dict.update(params, {"dW1": dW1})
        by_flat.step(flat, dW1.astype(np.float32).ravel())
    assert params["W1"].dtype == np.float32
    np.testing.assert_array_equal(params["W1"].ravel(), flat)


def test_get_optimizer() -> None:
    opt = Adam(0.002)
    assert get_optimizer(opt) is opt
    assert get_optimizer(opt, 0.5) is opt  # an instance keeps its own settings
    assert isinstance(get_optimizer("momentum"), Momentum)
    assert get_optimizer("rmsprop", 0.3).learning_rate == 0.3
    assert get_optimizer("adam").learning_rate == 0.001
    with pytest.raises(ValueError, match=r"Unknown optimizer 'nadam'\. Valid names: adam, gd"):
        get_optimizer("nadam")


def test_hyperparameters_are_checked() -> None:
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\), got -0\.5"):
        Momentum(beta=-0.5)
    with pytest.raises(ValueError, match=r"beta2 must be in \[0, 1\), got 1\.0"):
        Adam(beta2=1.0)
    with pytest.raises(ValueError, match=r"beta1 must be in \[0, 1\), got 1\.0"):
        Adam(beta1=1.0)  # its bias correction 1/(1 - β1ᵗ) would divide by zero
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\), got 1\.5"):
        Momentum(beta=1.5)
    with pytest.raises(TypeError, match=r"beta must be a number in \[0, 1\), got str"):
        RMSProp(beta="0.9")
    assert Momentum(beta=0.0).beta == 0.0  # β = 0: no averaging, plain gradient descent
    with pytest.raises(ValueError, match=r"epsilon must be finite and > 0"):
        RMSProp(epsilon=np.nan)
    with pytest.raises(ValueError, match=r"^epsilon must be finite and > 0"):
        Adam(epsilon=0.0)
    with pytest.raises(ValueError, match=r"^learning_rate must be finite and > 0"):
        Momentum(learning_rate=-1.0)


@pytest.mark.parametrize("name", NAMES)
def test_every_optimizer_decreases_the_cost(name: str, blobs) -> None:
    X, Y, _ = blobs
    net = Network([2, 8, 3], hidden="tanh", output="softmax", seed=0)
    AL, _ = net.forward(X)
    start = net.cost(AL, Y)
    lr = {"gd": 0.5, "momentum": 0.5, "rmsprop": 0.01, "adam": 0.01}[name]
    history = net.fit(X, Y, epochs=30, optimizer=name, learning_rate=lr, batch_size=32, seed=0)
    AL, _ = net.forward(X)
    end = net.cost(AL, Y)
    assert end < 0.5 * start
    assert history.cost[-1] < history.cost[0]


@pytest.mark.parametrize("name", NAMES)
def test_optimizer_instance_in_fit(name: str, xor) -> None:
    X, Y = xor
    net = Network([2, 4, 1], hidden="tanh", seed=0)
    theta0 = net.theta.copy()
    opt = OPTIMIZERS[name](0.05)
    net.fit(X, Y, epochs=5, optimizer=opt)
    assert not np.array_equal(net.theta, theta0)
    if not opt.plain:  # plain gradient descent is folded into the training step instead
        assert opt.t == 5  # one full-batch step per epoch


def _clipped(self, theta: np.ndarray, grad: np.ndarray, key: str, t: int) -> None:
    GradientDescent._apply(self, theta, np.clip(grad, -0.01, 0.01), key, t)


class ClippedGD(GradientDescent):
    _apply = _clipped


@pytest.mark.parametrize("name", NAMES)
def test_builtin_rule_is_decided_by_the_code_an_optimizer_runs(name: str, monkeypatch) -> None:
    from types import MethodType

    from layerwise.optimizers import builtin_rule

    cls = OPTIMIZERS[name]
    assert builtin_rule(cls(0.1)) is cls
    assert builtin_rule(type("Sub", (cls,), {})(0.1)) is None  # a subclass, even an empty one
    for method in ("step", "_apply", "_slots"):
        replaced = cls(0.1)
        setattr(replaced, method, MethodType(getattr(cls, method), replaced))  # the instance's
        assert builtin_rule(replaced) is None and not replaced.plain
    monkeypatch.setattr(Optimizer, "step", lambda self, theta, grad, key="theta": None)
    assert builtin_rule(cls(0.1)) is None  # (the base class's step replaced)


def test_gradient_descent_with_its_rule_replaced_runs_that_rule(xor) -> None:
    from types import MethodType

    X, Y = xor
    runs = []
    for make in (GradientDescent, ClippedGD, GradientDescent):
        opt = make(0.5)
        if len(runs) == 2:  # the library's class, the clipped rule on the instance
            opt._apply = MethodType(_clipped, opt)
        net = Network([2, 4, 1], hidden="tanh", seed=0)
        net.fit(X, Y, epochs=5, optimizer=opt, learning_rate=None)
        runs.append(net.theta)
    assert not np.array_equal(runs[0], runs[1])  # clipping changes the updates
    assert np.array_equal(runs[2], runs[1])  # the instance's rule ran, not θ -= α dθ
