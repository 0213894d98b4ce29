"""An L-layer fully connected network in the course's notation.

``Network([n_x, n_1, ..., n_L])`` chains L ``Dense`` layers. The parameters live in one flat
vector ``theta``; each layer's ``[W | b]`` block of shape ``(n[l], n[l-1] + 1)`` is a view of it,
and ``W``, ``b`` and the course's dict ``{"W1": ..., "b1": ...}`` are views of those blocks
(:mod:`layerwise.parameters`). So an optimizer updates every parameter with one vector operation,
and the learner who edits ``net.parameters["W1"]``, or assigns it, edits the network.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import _validation as v
from . import dropout as _dropout
from . import inference, persistence, placement, training
from .activations import HIDDEN_ACTIVATIONS, RELU_FAMILY, Activation, get_activation
from .backend import index_dtype, namespace
from .initializers import initialize_parameters
from .layers import Dense, DenseCache, check_network_caches
from .losses import Loss, get_loss
from .outputs import default_loss, find_pair, fused_delta, is_fused
from .parameters import Parameters, n_parameters, parameter_blocks
from .random import Seed, dropout_rng, seed_of, shuffle_rng

Array = np.ndarray
Generator = np.random.Generator


class Network:
    """A deep network: ``layer_dims[0]`` inputs, ``L = len(layer_dims) - 1`` Dense layers.

    Parameters
    ----------
    layer_dims : list of int
        ``[n_x, n_1, ..., n_L]``, e.g. ``[12288, 20, 7, 5, 1]``.
    hidden : str, Activation, spec dict or list of them
        Activation of the hidden layers, one name for all or one per hidden layer.
    output : str or Activation
        Output activation: ``"sigmoid"`` (binary / multi-label), ``"softmax"`` (multi-class),
        ``"linear"`` (regression).
    loss : str, optional
        Inferred from ``output`` when omitted: sigmoid → binary cross-entropy (multi-label when
        n_y > 1), softmax → categorical cross-entropy, linear → L2.
    init : {"auto", "zeros", "small_random", "xavier", "he"}
        ``"auto"`` is He for ReLU-family hidden layers and Xavier otherwise.
    seed : int, Generator, RandomState or None
        Drives the initial weights and, through an independent child stream, the training
        shuffle (``shuffle_rng``, continued across ``fit`` calls). None draws fresh entropy;
        ``net.seed`` is always the int that reproduces the network.
    legacy_rng : bool
        Draw with ``np.random.RandomState(seed)`` in the course's order, to reproduce its numbers.
    dtype : float64 or float32
    l2 : float
        λ of L2 regularization: cost += λ/(2m) Σ‖W[l]‖², dW[l] += λ/m W[l].
    keep_prob : float or list of float
        Inverted dropout in training (:mod:`layerwise.dropout`): the probability of keeping
        each hidden unit, one for every hidden layer or one per hidden layer, 0 < p ≤ 1;
        1 (the default) is no dropout. Off at predict; masks come from ``dropout_rng``.
    device : str, optional
        Where θ lives and the maths runs (:mod:`layerwise.backend`): None (NumPy, the default),
        ``"torch"``, ``"torch:cuda"``, ``"cupy"``, ... θ is drawn on the host (the same seed,
        the same θ everywhere) and moved once; ``net.to(device)`` moves it later.

    Examples
    --------
    >>> net = Network([2, 4, 1], hidden="tanh", seed=0)
    >>> AL, caches = net.forward(np.zeros((2, 5)))
    >>> AL.shape
    (1, 5)
    """

    def __init__(
        self,
        layer_dims: Sequence[int],
        hidden: str | Activation | Sequence[str | Activation] = "relu",
        output: str | Activation = "sigmoid",
        loss: str | Loss | None = None,
        init: str = "auto",
        seed: Seed = 0,
        *,
        legacy_rng: bool = False,
        dtype: Any = np.float64,
        l2: float = 0.0,
        keep_prob: float | Sequence[float] = 1.0,
        device: str | None = None,
    ) -> None:
        self.layer_dims = v.check_layer_dims(layer_dims)
        self.dtype = v.check_dtype(dtype)
        self.l2 = v.check_positive("l2", l2, allow_zero=True)
        L = len(self.layer_dims) - 1
        self.keep_prob = _dropout.check_keep_prob(keep_prob, L - 1)  # one per hidden layer
        one = isinstance(hidden, str | Activation | Mapping)  # a name, record or saved spec
        hidden_list = [hidden] * (L - 1) if one else list(hidden)
        if len(hidden_list) != L - 1:
            raise ValueError(
                f"hidden must be one activation or {L - 1} (one per hidden layer), "
                f"got {len(hidden_list)}."
            )
        activations = [get_activation(h) for h in hidden_list] + [get_activation(output)]
        for act in activations[:-1]:
            if not act.elementwise:
                raise ValueError(
                    f"hidden activation {act.name!r} is not elementwise; hidden layers take "
                    f"{', '.join(HIDDEN_ACTIVATIONS)} or a custom elementwise record. "
                    "Hint: softmax is an output activation."
                )
        n_y = self.layer_dims[-1]
        self.loss = default_loss(activations[-1].name, n_y) if loss is None else get_loss(loss)
        self.pair = find_pair(activations[-1], self.loss, n_y)  # the outputs table's row
        if init == "auto":
            relu_like = all(a.builtin and a.name in RELU_FAMILY for a in activations[:-1])
            init = "he" if relu_like and L > 1 else "xavier"
        self.init = init
        self.legacy_rng = legacy_rng
        # One flat vector holds every [W | b] block: theta = [vec(Wb1), vec(Wb2), ...].
        self.theta = np.zeros(n_parameters(self.layer_dims), dtype=self.dtype)
        self.layers = [
            Dense(Wb[:, :-1], Wb[:, -1:], act)
            for Wb, act in zip(
                parameter_blocks(self.theta, self.layer_dims), activations, strict=True
            )
        ]
        if seed is None:  # fresh entropy, kept as an int so that it can be reported and saved
            seed = seed_of(None)
        self.set_parameters(
            initialize_parameters(self.layer_dims, init, seed, legacy=legacy_rng, dtype=self.dtype)
        )
        self.seed = seed_of(seed)  # a generator passed in gives one more draw: the network's seed
        self.shuffle_rng = shuffle_rng(self.seed)  # fit's shuffle stream, continued across calls
        self.dropout_rng = dropout_rng(self.seed)  # fit's dropout masks, a stream of their own
        placement.place(self, device)  # θ drawn on the host above, moved once (None: stays)

    def to(self, device: str | None) -> Network:
        """Move θ to ``device`` (a spec of :func:`layerwise.backend.resolve_device`; None:
        NumPy) and return the network. An optimizer's state is not the network's: its
        moments start afresh on the new device (its step count goes on)."""
        placement.place(self, device)
        return self

    # ----- the course's views ------------------------------------------------------------
    @property
    def L(self) -> int:
        """Number of layers with parameters (the input layer is layer 0)."""
        return len(self.layers)

    @property
    def activations(self) -> list[Activation]:
        return [layer.activation for layer in self.layers]

    @property
    def output(self) -> str:
        """Name of the output activation."""
        return self.layers[-1].activation.name

    @property
    def parameters(self) -> Parameters:
        """The course's dict ``{"W1": (n1, n0), "b1": (n1, 1), ...}``, live: its arrays are
        views of the network's, and ``parameters["W1"] = new_W1`` writes into the network."""
        return Parameters(self.theta, self.layer_dims)

    def set_parameters(self, parameters: Mapping[str, Array]) -> None:
        """Copy a course-style dict into the network, checking every name and shape."""
        expected = self.parameters
        missing = sorted(set(expected) - set(parameters))
        extra = sorted(set(parameters) - set(expected))
        if missing or extra:
            raise ValueError(
                f"parameters must have keys {sorted(expected)}; "
                f"missing {missing}, unexpected {extra}."
            )
        for key in expected:
            expected[key] = parameters[key]  # checked (shape, dtype) and written into θ

    def n_parameters(self) -> int:
        """Total number of weights and biases."""
        return math.prod(self.theta.shape)  # (torch's .size is a method)

    # ----- forward, cost, backward -------------------------------------------------------
    def forward(self, X: Array, dropout: Generator | None = None) -> tuple[Array, list[DenseCache]]:
        """``X (n_x, m) -> AL (n_y, m)`` and one cache per layer, for ``backward``.

        ``dropout``: a training forward, the masks ``D[l]`` drawn from this generator for the
        hidden layers with ``keep_prob < 1`` and kept in the caches (``backward`` applies
        them); None (the default, and ``predict``) runs the whole network."""
        return self._forward(placement.inputs(self, "X", X), dropout)

    def _forward(self, A: Array, dropout=None) -> tuple[Array, list[DenseCache]]:
        """``forward`` on an input already checked (shape, dtype, finite)."""
        _dropout.check_generator(dropout)
        caches = []
        for l, layer in enumerate(self.layers, start=1):
            A, cache = layer.forward(A)  # (n[l], m)
            if dropout is not None and l < self.L and self.keep_prob[l - 1] < 1:
                A, cache = _dropout.masked(A, cache, self.keep_prob[l - 1], dropout)
            caches.append(cache)
        return A, caches

    def cost(self, AL: Array, Y: Array, caches: Sequence[DenseCache] | None = None) -> float:
        """J = (1/m) Σ L(AL, Y) (+ λ/(2m) Σ‖W‖²). Pass ``caches`` to compute it from Z[L]."""
        Y = placement.output_targets(self, Y, AL)
        if caches is not None and is_fused(self.activations[-1], self.loss):
            J = self.loss.cost_from_logits(caches[-1].Z, Y)
        else:
            J = self.loss.cost(AL, Y)
        return J + self.l2_penalty(AL.shape[1])

    def l2_penalty(self, m: int) -> float:
        """λ/(2m) Σ_l ‖W[l]‖²_F (0 when l2 = 0)."""
        if not self.l2:
            return 0.0
        xp = namespace(self.theta)
        return self.l2 / (2 * m) * float(sum(xp.sum(layer.W * layer.W) for layer in self.layers))

    def backward(self, AL: Array, Y: Array, caches: Sequence[DenseCache]) -> dict[str, Array]:
        """Gradients of the cost, ``{"dW1": (n1, n0), "db1": (n1, 1), ...}``.

        For the natural pairs the pass starts from ``dZ[L] = AL - Y``; otherwise from
        ``dAL = dL/dAL`` through g'.
        """
        Y = placement.output_targets(self, Y, AL)
        check_network_caches(caches)
        return self._backward(AL, Y, caches)

    def _backward(self, AL: Array, Y: Array, caches: Sequence[DenseCache]) -> dict[str, Array]:
        """``backward`` on targets and caches already checked."""
        m = AL.shape[1]
        grads: dict[str, Array] = {}
        if is_fused(self.activations[-1], self.loss):
            dA, dZ = None, fused_delta(AL, Y)  # (n_y, m)
        else:
            dA, dZ = self.loss.gradient(AL, Y), None  # (n_y, m)
        for l in range(self.L, 0, -1):
            layer = self.layers[l - 1]
            dA, dW, db = layer.backward(dA, caches[l - 1], dZ)
            dZ = None
            if l > 1 and caches[l - 2].D is not None:  # layer l-1's dropout mask
                dA = _dropout.backward(dA, caches[l - 2].D, self.keep_prob[l - 2])
            if self.l2:
                dW = dW + (self.l2 / m) * layer.W
            grads[f"dW{l}"], grads[f"db{l}"] = dW, db
        return dict(sorted(grads.items(), key=lambda kv: (int(kv[0][2:]), kv[0][1])))

    # ----- using the network ---------------------------------------------------------------
    def predict_proba(self, X: Array) -> Array:
        """AL, shape ``(n_y, m)``: probabilities for sigmoid/softmax, values for regression."""
        own = (type(self).forward, type(self)._forward) != (Network.forward, Network._forward)
        if own or not inference.covers(self.layers) or self.device is not None:
            return self.forward(X)[0]  # a subclass's (or layer's) forward decides; a device's
        return inference.output(self.layers, placement.inputs(self, "X", X))  # (NumPy's check)

    def predict(self, X: Array) -> Array:
        """Predictions for ``X (n_x, m)``: binary / multi-label 0/1 at 0.5, ``(n_y, m)``;
        multi-class the class index, ``(1, m)``; regression the output values ``(n_y, m)``."""
        AL = self.predict_proba(X)
        xp = namespace(AL)
        if self.pair.task in ("binary", "multilabel"):
            if xp is np:
                return (AL > 0.5).astype(np.int64)
            return xp.astype(AL > 0.5, index_dtype(xp, self.device_object))  # (int32 if no int64)
        if self.pair.task == "multiclass":
            return (
                AL.argmax(axis=0, keepdims=True)
                if xp is np
                else xp.argmax(AL, axis=0, keepdims=True)
            )
        return AL

    fit = training.fit  # one definition: net.fit(X, Y, ...) is layerwise.fit(net, X, Y, ...)

    def save(
        self,
        path: str | Path,
        *,
        preprocessor: Any = None,
        training: Mapping[str, Any] | None = None,
        metrics: Mapping[str, Any] | None = None,
        sections: Mapping[str, Any] | None = None,
    ) -> Path:
        """Write the network to one ``.npz`` file (arrays + JSON header, no pickle, atomic).

        ``preprocessor``: anything with ``to_header()`` and ``arrays()`` (the data layer's
        ``Preprocessor``), saved with it; ``training``, ``metrics`` and ``sections``: JSON-ready
        dicts for the header. ``layerwise.load(path)`` gives the network back; see
        :mod:`layerwise.persistence`.
        """
        header, arrays = persistence.model_contents(
            self, preprocessor=preprocessor, training=training, metrics=metrics, sections=sections
        )
        return persistence.write_archive(path, header, arrays)

    @classmethod
    def load(cls, path: str | Path) -> Network:
        """The network saved at ``path``, checked before anything is allocated (other sections:
        their arrays checked, not rebuilt)."""
        header, arrays = persistence.read_archive(path)
        return cls.from_header(header, arrays, path)

    @classmethod
    def from_header(cls, header: Mapping[str, Any], arrays: Mapping[str, Array], path) -> Network:
        """Build the network of a checked model file's header and arrays."""
        try:
            net = cls.from_config(header["network"])  # the parameters come from the file
        except (KeyError, TypeError, ValueError) as err:
            raise persistence.bad_file(path, f"its network cannot be built ({err})") from err
        net.set_parameters({k: arrays[k] for k in net.parameters})
        return net

    def config(self) -> dict[str, Any]:
        """JSON-ready architecture: enough to rebuild the network (weights aside)."""
        return {
            "layer_dims": self.layer_dims,
            "activations": [a.spec() for a in self.activations],
            "loss": self.loss.name,
            "init": self.init,
            "seed": self.seed,
            "legacy_rng": self.legacy_rng,
            "dtype": self.dtype.name,
            "l2": self.l2,
        } | ({"keep_prob": list(self.keep_prob)} if _dropout.active(self.keep_prob) else {})

    @classmethod
    def from_config(cls, config: Mapping[str, Any], theta: Array | None = None) -> Network:
        """Rebuild a network from ``config()`` (and, if given, its flat parameters ``theta``)."""
        specs = list(config["activations"])
        net = cls(
            config["layer_dims"],
            hidden=specs[:-1],
            output=specs[-1],
            loss=config["loss"],
            init="zeros",  # the weights come from theta; nothing to draw
            seed=config.get("seed"),
            legacy_rng=bool(config.get("legacy_rng", False)),
            dtype=config["dtype"],
            l2=config.get("l2", 0.0),
            keep_prob=config.get("keep_prob", 1.0),
        )
        net.init = config.get("init", net.init)
        if theta is not None:
            theta = np.asarray(theta)
            if theta.shape != net.theta.shape:
                raise ValueError(
                    f"theta must have shape {net.theta.shape} for layer_dims "
                    f"{net.layer_dims}, got {theta.shape}."
                )
            net.theta[...] = theta
        return net

    def __getstate__(self) -> dict[str, Any]:
        """Pickle/copy as config + theta, so W, b and the dict stay views of theta; the records
        themselves travel too. Host-only, as files: a device's network unpickles (and
        deep-copies) as NumPy's, even without its library; ``net.to(device)`` moves it back."""
        records = {"activations": self.activations, "loss": self.loss}
        return {
            "config": self.config() | records,
            "theta": placement.host_theta(self),
            "shuffle_rng": self.shuffle_rng.bit_generator.state,
            "dropout_rng": self.dropout_rng.bit_generator.state,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(Network.from_config(state["config"], state["theta"]).__dict__)
        self.shuffle_rng.bit_generator.state = state["shuffle_rng"]
        if "dropout_rng" in state:  # (pickled before dropout: a fresh stream of the seed)
            self.dropout_rng.bit_generator.state = state["dropout_rng"]

    def summary(self) -> str:
        """A table of layers, shapes of W[l] and b[l], activations and parameter counts."""
        rows = [f"{'layer':<7}{'W shape':<16}{'b shape':<12}{'activation':<12}{'params':>10}"]
        for l, layer in enumerate(self.layers, start=1):
            n, n_prev = layer.shape
            rows.append(
                f"{l:<7}{f'({n}, {n_prev})':<16}{f'({n}, 1)':<12}"
                f"{layer.activation.name:<12}{n * (n_prev + 1):>10,}"
            )
        rows.append(
            f"loss: {self.loss.name}   parameters: {self.n_parameters():,}   dtype: {self.dtype}"
        )
        return "\n".join(rows)

    def __repr__(self) -> str:
        names = [a.name for a in self.activations]
        return f"Network({self.layer_dims}, activations={names}, loss={self.loss.name!r})"


def load(path: str | Path) -> Network:
    """The network saved at ``path`` (with its preprocessing: ``layerwise.data.load_model``)."""
    return Network.load(path)


def save(net: Network, path: str | Path, **sections: Any) -> Path:
    """``net.save(path, ...)``: write ``net`` and the given sections to ``path``."""
    if not isinstance(net, Network):
        raise TypeError(f"net must be a layerwise.Network, got {type(net).__name__}.")
    return net.save(path, **sections)
