"""Code decides, never a name: records that claim a library name but compute something else, and
optimizer subclasses that change their built-in's rule, through every face. Training runs their
own code on every engine path; saving and exporting refuse them (a model file and an ONNX graph
can only name the library's own code); the playground, which builds from names, refuses names
that are not in its tables."""

from __future__ import annotations

from dataclasses import fields
from functools import partial
from pathlib import Path

import numpy as np
import pytest

import layerwise as lw
from layerwise import Adam, GradientDescent, Momentum, Network
from layerwise.activations import (
    ACTIVATIONS,
    Activation,
    leaky_relu,
    leaky_relu_derivative,
    sigmoid,
)
from layerwise.data import load_checkpoint
from layerwise.gradient_check import gradients_to_vector
from layerwise.playground.schema import MessageError, parse


# ----- the records ------------------------------------------------------------------------------
def softsign(Z: np.ndarray) -> np.ndarray:
    return Z / (1 + np.abs(Z))


def softsign_derivative(Z: np.ndarray, A: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.abs(Z)) ** 2


def _softplus(Z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0, Z)


#: Records that *claim* a library name: each must act as its own code, never as the name's.
class HalfSlopeTanh(Activation):
    """The library's tanh fields, its own backward: a subclass decides by its methods."""

    def backward(self, dA, Z, A):
        return dA * 0.5 * (1 - A**2)


_TANH = ACTIVATIONS["tanh"]
IMPOSTORS = {
    "tanh": Activation("tanh", softsign, softsign_derivative),
    "tanh(subclass)": HalfSlopeTanh(*(getattr(_TANH, f.name) for f in fields(_TANH))),
    "relu": Activation("relu", _softplus, lambda Z, A: sigmoid(Z)),
    "sigmoid": Activation(
        "sigmoid", lambda Z: 0.5 * np.tanh(Z) + 0.5, lambda Z, A: 2 * A * (1 - A)
    ),
    # the library's leaky forward, with another derivative: not the record a file can rebuild
    "leaky_relu": Activation(
        "leaky_relu",
        partial(leaky_relu, slope=0.3),
        lambda Z, A: np.where(Z > 0, 1.0, 0.5),
        params={"slope": 0.3},
    ),
    # the library's leaky functions, with params that say another slope
    "leaky_relu(params)": Activation(
        "leaky_relu",
        partial(leaky_relu, slope=0.3),
        partial(leaky_relu_derivative, slope=0.3),
        params={"slope": 0.2},
    ),
}
CUSTOM = Activation("softsign", softsign, softsign_derivative)
OWN = [ACTIVATIONS[n] for n in ("sigmoid", "tanh", "relu", "leaky_relu", "linear")]
OWN.append(lw.get_activation("leaky_relu", slope=0.3))
RECORDS = [*OWN, *IMPOSTORS.values(), CUSTOM]


def _shown(record: Activation) -> str:
    return f"{record.name}{'' if record.builtin else '*'}"


def test_an_impostor_is_not_the_builtin() -> None:
    assert all(not r.builtin for r in IMPOSTORS.values()) and not CUSTOM.builtin
    assert all(r.builtin for r in OWN)
    X = np.linspace(-2, 2, 8).reshape(2, 4)
    for name in ("tanh", "relu", "sigmoid"):
        a = Network([2, 3, 1], hidden=IMPOSTORS[name], seed=0)
        b = Network([2, 3, 1], hidden=name, seed=0)
        assert not np.allclose(a.forward(X)[0], b.forward(X)[0])  # really another function


def test_the_automatic_init_reads_the_code_not_the_name() -> None:
    """He for the library's ReLU family only; a record named "relu" may be anything."""
    assert Network([2, 3, 1], hidden="relu").init == "he"
    assert Network([2, 3, 1], hidden=lw.get_activation("leaky_relu", slope=0.3)).init == "he"
    assert Network([2, 3, 1], hidden=IMPOSTORS["relu"]).init == "xavier"
    assert Network([2, 3, 1], hidden=IMPOSTORS["leaky_relu"]).init == "xavier"


# ----- fit: every engine path runs the record's own code ----------------------------------------
@pytest.mark.parametrize("record", RECORDS, ids=_shown)
@pytest.mark.parametrize("batch_size", [None, 3])
def test_every_hidden_record_trains_like_the_reference_path(
    record: Activation, batch_size: int | None, engine_path: str, rng: np.random.Generator
) -> None:
    X, Y = rng.standard_normal((3, 7)), (rng.random((1, 7)) > 0.5) * 1.0
    fast, slow = (Network([3, 5, 4, 1], hidden=record, init="xavier", seed=3) for _ in range(2))
    B = batch_size or 7
    for i in range(0, 7, B):  # the reference: forward, backward, θ -= α dθ
        Xb, Yb = X[:, i : i + B], Y[:, i : i + B]
        AL, caches = slow.forward(Xb)
        slow.theta -= 0.5 * gradients_to_vector(slow, slow.backward(AL, Yb, caches))
    fast.fit(X, Y, epochs=1, learning_rate=0.5, batch_size=batch_size, shuffle=False)
    np.testing.assert_allclose(fast.theta, slow.theta, rtol=1e-10, atol=1e-13)


# ----- fit: an optimizer subclass runs its own rule ---------------------------------------------
CLIP = 0.05


class ClippedGD(GradientDescent):
    """θ ← θ - α clip(dθ, -c, c): gradient descent by name and class, another rule."""

    def _apply(self, theta: np.ndarray, grad: np.ndarray, key: str, t: int) -> None:
        theta -= self.learning_rate * np.clip(grad, -CLIP, CLIP)


class ClippedMomentum(Momentum):
    """Momentum on the clipped gradient."""

    def _apply(self, theta: np.ndarray, grad: np.ndarray, key: str, t: int) -> None:
        super()._apply(theta, np.clip(grad, -CLIP, CLIP), key, t)


class DecayedAdam(Adam):
    """Adam, then a decoupled weight decay θ ← θ (1 - α λ) (AdamW's form)."""

    def _apply(self, theta: np.ndarray, grad: np.ndarray, key: str, t: int) -> None:
        super()._apply(theta, grad, key, t)
        theta *= 1 - self.learning_rate * 0.1


class CountedGD(GradientDescent):
    """The built-in rule, through a subclass that counts its steps (overrides ``step``)."""

    calls = 0

    def step(self, theta: np.ndarray, grad: np.ndarray, key: str = "theta") -> None:
        type(self).calls += 1
        super().step(theta, grad, key)


def _clipped_gd_by_hand(theta: np.ndarray, grad: np.ndarray) -> None:
    theta -= 0.5 * np.clip(grad, -CLIP, CLIP)  # the rule written out, not the class's code


SUBCLASSES = {  # optimizer for fit, its rule for the reference loop
    "clipped-gd": (lambda: ClippedGD(0.5), lambda: _clipped_gd_by_hand),
    "clipped-momentum": (lambda: ClippedMomentum(0.5), lambda: ClippedMomentum(0.5).step),
    "decayed-adam": (lambda: DecayedAdam(0.05), lambda: DecayedAdam(0.05).step),
    "counted-gd": (lambda: CountedGD(0.5), lambda: GradientDescent(0.5).step),
}


@pytest.mark.parametrize("name", SUBCLASSES)
@pytest.mark.parametrize("batch_size", [None, 3])
def test_an_optimizer_subclass_trains_by_its_own_rule(
    name: str, batch_size: int | None, engine_path: str, rng: np.random.Generator
) -> None:
    make, rule = SUBCLASSES[name]
    opt, by_hand = make(), rule()
    assert not opt.plain  # only the library's own GradientDescent folds α into dZ[L]
    X, Y = rng.standard_normal((3, 7)), (rng.random((1, 7)) > 0.5) * 1.0
    fast, slow = (Network([3, 5, 4, 1], hidden="tanh", init="xavier", seed=3) for _ in range(2))
    B, epochs = batch_size or 7, 2
    for _ in range(epochs):  # the reference: forward, backward, the subclass's rule
        for i in range(0, 7, B):
            AL, caches = slow.forward(X[:, i : i + B])
            by_hand(
                slow.theta, gradients_to_vector(slow, slow.backward(AL, Y[:, i : i + B], caches))
            )
    CountedGD.calls = 0
    fast.fit(X, Y, epochs=epochs, optimizer=opt, batch_size=batch_size, shuffle=False)
    steps = epochs * -(-7 // B)
    assert opt.t == steps  # its step ran once per mini-batch
    assert CountedGD.calls == (steps if name == "counted-gd" else 0)
    np.testing.assert_allclose(fast.theta, slow.theta, rtol=0, atol=1e-12)


def test_the_builtin_rules_keep_their_fast_path() -> None:
    assert GradientDescent(0.1).plain
    assert not any(opt.plain for opt in (Momentum(), lw.RMSProp(), Adam(), ClippedGD()))


# ----- save: a model file names only code the library rebuilds exactly -------------------------
@pytest.mark.parametrize("name", IMPOSTORS)
def test_an_impostor_cannot_be_saved(name: str, tmp_path: Path) -> None:
    record = IMPOSTORS[name]
    net = Network([2, 3, 1], hidden=record, seed=0)
    shown = record.name
    with pytest.raises(ValueError, match=rf"custom records \['{shown}'\] cannot be saved"):
        net.save(tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


def test_an_impostor_output_cannot_be_saved(tmp_path: Path) -> None:
    output = Activation("linear", softsign, softsign_derivative)
    net = Network([2, 3, 1], output=output, loss="squared_error", seed=0)
    with pytest.raises(ValueError, match=r"custom records \['linear'\] cannot be saved"):
        net.save(tmp_path / "m.npz")


def test_an_impostor_loss_cannot_be_saved(tmp_path: Path) -> None:
    own = lw.LOSSES["squared_error"]
    loss = lw.Loss("squared_error", lambda A, Y: abs(A - Y), own.gradient, own.check_targets)
    net = Network([2, 3, 1], output="linear", loss=loss, seed=0)
    with pytest.raises(ValueError, match=r"custom records \['squared_error'\] cannot be saved"):
        net.save(tmp_path / "m.npz")


@pytest.mark.parametrize("record", OWN, ids=_shown)
def test_the_library_records_round_trip_exactly(record: Activation, tmp_path: Path) -> None:
    net = Network([2, 3, 1], hidden=record, seed=0)
    back = lw.load(net.save(tmp_path / "m.npz"))
    X = np.linspace(-2, 2, 10).reshape(2, 5)
    assert back.activations[0].builtin and back.activations[0].params == record.params
    np.testing.assert_array_equal(back.forward(X)[0], net.forward(X)[0])
    AL, caches = net.forward(X)
    AL2, caches2 = back.forward(X)
    Y = (X[:1] > 0) * 1.0
    grads, grads2 = net.backward(AL, Y, caches), back.backward(AL2, Y, caches2)
    np.testing.assert_array_equal(
        gradients_to_vector(back, grads2), gradients_to_vector(net, grads)
    )


# ----- checkpoints: a resume runs the same code, a file never rebuilds custom code --------------
def _run(hidden, optimizer, folder: Path, epochs: int, resume: bool = False) -> Network:
    """A fit with a checkpoint in ``folder``: 12 examples, batches of 4."""
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(4)
    X, Y = rng.standard_normal((3, 12)), (rng.random((1, 12)) > 0.5) * 1.0
    net = Network([3, 5, 1], hidden=hidden, seed=3)
    net.fit(
        X,
        Y,
        epochs=epochs,
        optimizer=optimizer(),
        batch_size=4,
        checkpoint=folder / "c.npz",
        resume=resume,
    )
    return net


CODE = {  # (hidden, optimizer) of a run with custom code, and the library's code of its names
    "record": (
        (IMPOSTORS["tanh"], lambda: GradientDescent(0.1)),
        ("tanh", lambda: GradientDescent(0.1)),
    ),
    "optimizer": (("tanh", lambda: ClippedGD(0.1)), ("tanh", lambda: GradientDescent(0.1))),
}


@pytest.mark.parametrize("what", CODE)
@pytest.mark.parametrize("custom_first", [True, False])
def test_a_resume_with_other_code_of_the_same_names_is_refused(
    what: str, custom_first: bool, tmp_path: Path
) -> None:
    custom, library = CODE[what]
    first, then = (custom, library) if custom_first else (library, custom)
    _run(*first, tmp_path, epochs=2)
    with pytest.raises(ValueError, match=r"written by a run with other code; resume with the same"):
        _run(*then, tmp_path, epochs=4, resume=True)


@pytest.mark.parametrize("what", CODE)
def test_a_resume_with_the_same_custom_code_continues_exactly(what: str, tmp_path: Path) -> None:
    custom, _ = CODE[what]
    _run(*custom, tmp_path, epochs=2)
    resumed = _run(*custom, tmp_path, epochs=4, resume=True)
    whole = _run(*custom, tmp_path / "whole", epochs=4)
    np.testing.assert_array_equal(resumed.theta, whole.theta)


def test_a_checkpoint_of_custom_records_is_not_rebuilt_from_its_names(tmp_path: Path) -> None:
    _run(*CODE["record"][0], tmp_path, epochs=1)
    with pytest.raises(
        ValueError,
        match=r"c\.npz was written by a run with custom records \['tanh'\]: it stores their "
        r"names, not their code, .* Hint: resume it with fit",
    ):
        load_checkpoint(tmp_path / "c.npz")
    _run(*CODE["optimizer"][0], tmp_path / "o", epochs=1)  # its network is the library's
    assert load_checkpoint(tmp_path / "o" / "c.npz").network.activations[0].builtin


@pytest.mark.parametrize("code", ["tanh", {"records": "tanh"}, ["records"]])
def test_a_checkpoint_with_a_hostile_code_entry_is_refused(code, tmp_path: Path) -> None:
    from model_files import edit_header

    _run("tanh", lambda: GradientDescent(0.1), tmp_path, epochs=1)
    edit_header(tmp_path / "c.npz", lambda header: header["fingerprint"].update(code=code))
    with pytest.raises(
        ValueError,
        match=r"not a valid .*its fingerprint's code must be null or an object with a list of "
        r"records, got [\[{']",
    ):
        load_checkpoint(tmp_path / "c.npz")


# ----- export: the library's own records exactly, anything else refused -------------------------
@pytest.mark.parametrize("layer", [1, 2])
@pytest.mark.parametrize("name", IMPOSTORS)
def test_export_refuses_an_impostor(name: str, layer: int) -> None:
    pytest.importorskip("onnx")
    from layerwise.export import to_onnx

    net = Network([2, 3, 1], output="linear", loss="squared_error", seed=0)
    net.layers[layer - 1].activation = IMPOSTORS[name]
    shown = IMPOSTORS[name].name
    with pytest.raises(
        ValueError,
        match=rf"activation '{shown}' of layer {layer} is a custom record, not the library's "
        rf"{shown}, so it has no ONNX operator; .* refuses any other\. Hint: retrain",
    ):
        to_onnx(net)


def test_export_refuses_a_custom_record_of_its_own_name() -> None:
    pytest.importorskip("onnx")
    from layerwise.export import to_onnx

    net = Network([2, 3, 1], hidden=CUSTOM, seed=0)
    with pytest.raises(ValueError, match=r"activation 'softsign' of layer 1 has no ONNX operator"):
        to_onnx(net)


@pytest.mark.parametrize("record", OWN, ids=_shown)
def test_export_writes_the_library_records_exactly(record: Activation) -> None:
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from layerwise.export import to_onnx

    net = Network([2, 3, 2], hidden=record, output="linear", loss="squared_error", seed=0)
    X = np.linspace(-2, 2, 10).reshape(2, 5)
    sess = ort.InferenceSession(
        to_onnx(net).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    got = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {"X": X.T}), strict=True))
    np.testing.assert_allclose(got["variable"], net.forward(X)[0].T, rtol=1e-12, atol=1e-14)


def test_export_of_an_impostor_loss_is_exact() -> None:
    """The graph holds the forward pass only, so a loss of any code exports exactly."""
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from layerwise.export import to_onnx

    own = lw.LOSSES["binary_crossentropy"]
    loss = lw.Loss(
        "binary_crossentropy",
        lambda A, Y: 2 * own.elementwise(A, Y),
        own.gradient,
        own.check_targets,
    )
    net = Network([2, 3, 1], loss=loss, seed=0)
    X = np.random.default_rng(0).standard_normal((2, 9))
    sess = ort.InferenceSession(
        to_onnx(net).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    got = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {"X": X.T}), strict=True))
    np.testing.assert_array_equal(got["label"], net.predict(X)[0])
    np.testing.assert_allclose(got["probabilities"][:, 1], net.forward(X)[0][0], rtol=1e-12)


class ScaledNetwork(Network):
    """A Network whose forward pass differs from its layers': not the library's Network."""

    def forward(self, X):
        AL, caches = super().forward(X)
        return 2 * AL, caches


class LayerwiseClassifier:
    """A namesake of the library's classifier."""

    network_ = Network([2, 3, 1], seed=0)
    classes_ = np.array([0, 1])
    _multilabel = False


@pytest.mark.parametrize("model", [ScaledNetwork([2, 3, 1], seed=0), LayerwiseClassifier()])
def test_export_refuses_a_subclass_or_namesake_of_the_library_classes(model) -> None:
    pytest.importorskip("onnx")
    from layerwise.export import to_onnx

    with pytest.raises(
        TypeError,
        match=rf"model is a test_impostors\.{type(model).__name__}, not layerwise's own class "
        r"of that kind: .* is refused\. Hint: export",
    ):
        to_onnx(model)


# ----- the playground: names only, from its tables ----------------------------------------------
@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("activation", "softsign"),
        ("activation", {"name": "tanh", "forward": "softsign"}),
        ("activation", ["tanh", "softsign"]),
        ("optimizer", "clipped_gd"),
        ("optimizer", {"name": "gd"}),
    ],
)
def test_the_playground_refuses_names_it_has_no_record_for(setting: str, value) -> None:
    import json

    message = json.dumps({"type": "config", "config": {setting: value}})
    with pytest.raises(MessageError, match=rf"{setting} must be one of .*; got "):
        parse(message)
