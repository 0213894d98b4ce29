"""Small networks compiled whole: an engine's steps run by one compiled call (:mod:`.epoch_kernel`).

:func:`choose` looks at what an engine would train and answers a :class:`Compiled` or None.
None (the tape runs) unless the setting ``paths.EPOCH`` allows it (see :mod:`.paths`) and the
network is one the kernel covers, decided by each record's *code*, never by its name:

- hidden layers: the library's relu, leaky_relu (any slope), tanh, sigmoid and linear records;
- the output: a fused pair (sigmoid + binary or multi-label cross-entropy, softmax +
  categorical cross-entropy, linear + squared error); others go through dL/dAL on the tape;
- the optimizers :class:`~layerwise.optimizers.GradientDescent`, ``Momentum``, ``RMSProp`` and
  ``Adam`` running their own rule (``optimizers.builtin_rule``: a subclass, or a rule replaced
  on the instance or a class, keeps its own ``step``); their settings are read again when a
  callback changes them (:meth:`Compiled.follow`);
- float32 and float64, L2, per-example weights, dropout, shuffled or ordered mini-batches and
  full batch.

A :class:`Compiled` replaces the engine's steps by steps of the same examples whose one op is a
compiled call, so everything that drives steps (a stop asked after each step, the divergence
guard's replay, a checkpoint's resume at step k) works unchanged; a whole epoch without a stop
to ask is one call. The NumPy parts stay where they were: the engine shuffles and prepares the
targets' part of c·dZ[L], and each call draws its steps' dropout uniforms from the dropout
stream before running them (one ``Generator.random`` fill: the same numbers in the same order
as the tape's per-layer draws), so every path sees the same random numbers.
"""

from __future__ import annotations

import inspect
from contextlib import nullcontext
from functools import partial
from itertools import pairwise
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from .. import activations as _acts
from .. import optimizers as _opts
from .. import outputs as _outputs
from ..parameters import block_offsets
from . import paths as _paths
from .tape import Step

if TYPE_CHECKING:
    from . import Engine

Array = np.ndarray
#: Dropout's uniforms drawn by one call at most (8 MB of float64): an epoch of many examples
#: runs in several calls rather than holding all of its draws at once.
MAX_DRAWS = 1 << 20


def _hidden_code(kern: ModuleType, act: _acts.Activation) -> tuple[int, float] | None:
    """(code, slope) of a hidden record the kernel computes, from its in-place code; or None."""
    code = _acts.inplace_of(act)
    slope = 0.0
    if isinstance(code, partial) and code.func is _acts.leaky_relu_inplace and not code.args:
        default = inspect.signature(code.func).parameters["slope"].default
        slope = code.keywords.get("slope", default)
        code = _acts.leaky_relu_inplace if set(code.keywords) <= {"slope"} else None
    elif code is _acts.leaky_relu_inplace:
        slope = inspect.signature(code).parameters["slope"].default
    codes = {
        _acts.relu_inplace: kern.RELU,
        _acts.leaky_relu_inplace: kern.LEAKY_RELU,
        _acts.tanh_inplace: kern.TANH,
        _acts.sigmoid_inplace: kern.SIGMOID,
        _acts.linear_inplace: kern.LINEAR,
    }
    return None if code not in codes else (codes[code], float(slope))


def _optimizer_code(kern: ModuleType, optimizer) -> tuple[int, list[float]] | None:
    """The kernel's code for the optimizer's rule (the library's own, unchanged) and its
    settings [α, β1, β2, ε]."""
    kind = _opts.builtin_rule(optimizer)
    if kind is _opts.GradientDescent:
        return kern.GD, [optimizer.learning_rate, 0.0, 0.0, 0.0]
    if kind is _opts.Momentum:
        return kern.MOMENTUM, [optimizer.learning_rate, optimizer.beta, 0.0, 0.0]
    if kind is _opts.RMSProp:
        return kern.RMSPROP, [optimizer.learning_rate, optimizer.beta, 0.0, optimizer.epsilon]
    if kind is _opts.Adam:
        rates = [optimizer.beta1, optimizer.beta2, optimizer.epsilon]
        return kern.ADAM, [optimizer.learning_rate, *rates]
    return None


def _codes(kern: ModuleType, engine: Engine, optimizer) -> tuple | None:
    """The network's activation codes, slopes and the optimizer's code and settings, or None
    where anything is outside what the kernel covers."""
    net = engine.net
    if net.dtype not in (np.float32, np.float64) or engine.pair is None:
        return None
    deltas = {
        _outputs.sigmoid_delta: kern.SIGMOID_DELTA,
        _outputs.softmax_delta: kern.SOFTMAX_DELTA,
        _outputs.linear_delta: kern.LINEAR_DELTA,
    }
    hidden = [_hidden_code(kern, act) for act in net.activations[:-1]]
    opt = _optimizer_code(kern, optimizer)
    if engine.pair.delta not in deltas or None in hidden or opt is None:
        return None
    codes = [0, *(code for code, _ in hidden), deltas[engine.pair.delta]]
    slopes = [0.0, *(slope for _, slope in hidden), 0.0]
    return codes, slopes, opt


def choose(engine: Engine, optimizer, steps: list[Step]) -> tuple[Compiled | None, list, list]:
    """``(compiled, steps, ops)`` for ``engine`` (built but for its steps), from its recorded
    ``steps``: ``(None, steps, their ops)`` for the tape, else the compiled steps and the op
    of a whole epoch."""
    net, m = engine.net, engine.Y_rows.shape[0]
    B = steps[0].end - steps[0].first
    work = B * sum(n * (n_prev + 1) for n_prev, n in pairwise(net.layer_dims))
    kern = _paths.epoch_kernel(elements=m * sum(net.layer_dims[1:]), work=work)
    codes = None if kern is None else _codes(kern, engine, optimizer)
    if codes is None:
        return None, steps, [op for step in steps for op in step.ops]
    compiled = Compiled(kern, engine, optimizer, steps, B, *codes)
    return compiled, compiled.steps, [compiled.epoch]


def _calls(draws: Array, capacity: int) -> list[tuple[int, int]]:
    """Consecutive runs of steps (k0, k1) covering the epoch, each drawing at most
    ``capacity`` uniforms (``draws``: where each step's draws start, and their total)."""
    calls, k0 = [], 0
    for k in range(1, draws.size):
        if draws[k] - draws[k0] > capacity:
            calls.append((k0, k - 1))
            k0 = k - 1
    return [*calls, (k0, draws.size - 1)]


def layout(dims: list[int], B: int, keep: list[float]) -> tuple[Array, int]:
    """Offsets of each layer's buffers in the workspace (see :mod:`.epoch_kernel`): row l holds
    H, Hd, D, dZe (layer 0: the gathered batch and, in slot 2, room for one Wᵀ; layer L:
    logits and dZ), and its size."""
    L = len(dims) - 1
    offs, pos = np.zeros((L + 1, 4), np.int64), B * (dims[0] + 1)
    for l in range(1, L):
        n = dims[l]
        offs[l] = pos, pos, 0, 0
        pos += (n + 1) * B
        if keep[l] < 1:
            offs[l, 1:3] = pos, pos + (n + 1) * B
            pos += (2 * n + 1) * B
        offs[l, 3] = pos
        pos += (n + 1) * B
    offs[L] = pos, 0, 0, pos + dims[L] * B
    pos += 2 * dims[L] * B
    offs[0, 2] = pos  # layer 0's slot 2: Wᵀ of one layer l ≥ 2 at a time, (n[l-1], n[l])
    return offs, pos + max((p * n for p, n in pairwise(dims[1:])), default=0)


class Compiled:
    """An engine's steps as compiled calls: :attr:`steps` (same examples as the tape's, one
    op each) and :meth:`run` for any run of consecutive steps."""

    def __init__(self, kern, engine: Engine, optimizer, steps, B: int, codes, slopes, opt):
        net = engine.net
        self.kern, self.engine, self.optimizer = kern, engine, optimizer
        dims = list(net.layer_dims)
        self.keep = [1.0, *net.keep_prob, 1.0]  # keep[l], l = 0..L (input and output: 1)
        self.dims, self.keep_array = np.array(dims, np.int64), np.array(self.keep)
        self.codes, self.slopes = np.array(codes, np.int64), np.array(slopes)
        self.opt = opt[0]
        self.hyper = np.empty(kern.PLAIN + 1)  # the float64 settings (``epoch_kernel``'s LR ...)
        self.follow()
        self.unweighted = np.empty((0, 1), net.dtype)
        self.scalars = np.zeros(8, net.dtype)  # the optimizer's constants in θ's dtype
        self.toff = np.array([0, *block_offsets(dims)[:-1]], np.int64)  # [W|b][l] in θ, l ≥ 1
        self.offs, size = layout(dims, B, self.keep)
        self.ws = np.zeros(size, net.dtype)
        self.bounds = np.array([s.first for s in steps] + [steps[-1].end], np.int64)
        sizes = np.diff(self.bounds)  # the uniforms each step draws, and where they start
        drawn = sum(dims[l] for l in range(1, len(dims) - 1) if self.keep[l] < 1) * sizes
        self.draws = np.concatenate([[0], np.cumsum(drawn)])
        self.U = np.empty(min(int(self.draws[-1]), max(MAX_DRAWS, *drawn)), np.float64)
        self.calls = _calls(self.draws, self.U.size)  # (k0, k1) of an epoch's calls
        self.pen = np.zeros(len(steps))
        self.layers = (self.toff, self.dims, self.codes, self.slopes, self.keep_array)
        self.layers += (self.ws, self.offs)
        self.warm = False  # (see run)
        self.steps = [
            Step((partial(self.run, k, k + 1),), s.first, s.end) for k, s in enumerate(steps)
        ]

    def follow(self) -> None:
        """The settings as the optimizer and the network hold them now (α, β, ε, λ; a
        callback may change them between epochs)."""
        engine, net = self.engine, self.engine.net
        _, settings = _optimizer_code(self.kern, self.optimizer)
        plain = 1.0 if engine.plain_scale is None else engine.plain_scale
        extra = [net.l2 or 0.0, engine.l2_scale, plain]
        self.hyper[:] = [*settings, *extra]  # (LR, BETA1, BETA2, EPS, L2, L2_SCALE, PLAIN)

    def epoch(self) -> None:
        """Every step of the epoch, in one call (with dropout, in as few as ``MAX_DRAWS``
        allows)."""
        for k0, k1 in self.calls:
            self.run(k0, k1)

    def run(self, k0: int, k1: int) -> None:
        """Steps k0..k1-1: draw their dropout uniforms, run them, record their L2 terms."""
        engine, opt, net = self.engine, self.optimizer, self.engine.net
        U = self.U[: self.draws[k1] - self.draws[k0]]
        if U.size:  # the tape's draws, layer by layer and step by step, in one fill
            engine.dropout_rng.random(None, np.float64, U)
        v = s = engine.gtheta  # (unused by the optimizers without moments)
        if self.opt != self.kern.GD:
            names = {self.kern.MOMENTUM: ("v",), self.kern.RMSPROP: ("s",)}.get(self.opt)
            slots = opt._slots("theta", net.theta, names or ("v", "s"))
            v, s = slots.get("v", v), slots.get("s", s)
        X_rows = engine.X_rows.view(np.ndarray)  # a memory map's rows, read in place
        w = self.unweighted if engine.w_epoch is None else engine.w_epoch
        # the engine's first call may compile (its arguments' types stay the same afterwards):
        # only that call runs with numba's SLP vectorizer on, for the tiles (see engine.gemm)
        with nullcontext() if self.warm else self.kern.gemm.vectorizing():
            opt.t = self.kern.run_steps(
                k0, k1, self.bounds, X_rows, engine.order, engine.T, w, net.theta,
                engine.gtheta, *self.layers, U, engine.ZL_epoch, self.pen, self.opt, opt.t,
                self.hyper, self.scalars, v, s,
            )  # fmt: skip
        self.warm = True
        if net.l2:
            engine.penalties.extend(self.pen[: k1 - k0].tolist())
