"""The training loop on preallocated buffers: the course's formulas at the speed of the GEMMs.

``Network.forward``/``backward`` are the readable reference. ``fit`` runs the same maths here.
Before the first epoch every step is *recorded* once as a tape: the list of NumPy calls it
makes, each bound to arrays allocated once (``out=`` everywhere). An epoch then refreshes the
inputs in place (shuffle order, targets) and replays the tapes, so a step costs its GEMMs plus
a few in-place elementwise calls and no Python bookkeeping. What the tape does, per step:

- the bias rides inside the GEMM for hidden layers, whose activations carry a row of ones:
  ``Z[l] = [W|b][l] [A[l-1]; 1]`` and ``[dW|db][l] = dZ[l] [A[l-1]; 1]ᵀ`` in one product each;
- a batch is gathered with one ``ndarray.take(..., out=)`` from ``X.T`` (rows = examples, never
  copied whole); small batches land next to a column of ones (the first layer's bias in its
  GEMM too), large ones in a contiguous buffer with a separate bias add and db1 = dZ1 · 1;
  full batch reads X in place;
- the scale c = 1/m (α/m for plain gradient descent) is folded into dZ[L], so the products give
  c·dW directly and the plain update is one vector subtraction over ``theta``; for large
  layers plain gradient descent goes further: ``[W|b] ← [W|b] - dZ [A_prev; 1]ᵀ`` is one BLAS
  call with an accumulating output (β = 1, ``_blas.gemm``), so dW is never written to memory;
- the targets' part of c·dZ[L] (e.g. c·Y) is prepared once per epoch, not once per step;
- per-example weights w (mean 1) scale the columns of dZ[L]: dZ[L] ⊙ w_batch (1, B), and the
  L2 term uses λ/s (s = the raw weights' mean), so weight 2 == the example twice;
- activations are applied in place; their derivatives are read from A, and ReLU's mask
  (0.0/1.0), made in the forward pass, is its derivative; a one-unit layer's Wᵀ dZ is a
  broadcast product, not a GEMM; dA_prev is not computed for the first layer;
- dropout (``keep_prob < 1``): each mask drawn into a buffer, the dropped A[l] beside A[l]
  (kept: g(Z), for g'; :mod:`.dropout`); no dropout, no op;
- the logits of every step are written into one epoch buffer, so the epoch's cost and accuracy
  are computed once per epoch, from the logits (stable).
- optional paths (``paths``): with numba, the fused kernels of ``kernels`` replace the NumPy
  calls of ReLU, of layer 1's separate bias and db1, of a one-unit layer's Wᵀ dZ and of the
  softmax/sigmoid delta (one pass each), and a small network's steps run compiled (``whole``);
  with MKL tuned for the CPU, large products use MKL's GEMM. NumPy's tape stays the reference.

The tests compare this loop with ``Network.backward`` step by step.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from .._validation import check_positive
from ..dropout import active as dropout_active
from ..optimizers import builtin_rule
from ..outputs import is_fused
from ..parameters import parameter_blocks
from ..random import shuffle_order
from . import blas as _blas
from . import paths as _paths
from . import whole as _whole
from .buffers import Buffers
from .tape import Op, Step, activation_ops
from .tape import product as _product

if TYPE_CHECKING:
    from ..network import Network

Array = np.ndarray
# Plain gradient descent updates [W|b] inside the dW product (one BLAS call, β = 1) for each
# product of at least this many multiply-adds: there it saves the gradient's round trip
# through memory (the speed benchmark's W1: about -180 µs of a 1.7 ms step). Smaller products
# go through np.dot and a block subtraction, which is faster there (W1's 10-unit output
# layer: 25 µs against 40 through BLAS), and a network with no large product keeps θ -= dθ.
BLAS_UPDATE_MIN_WORK = 1_000_000
# Ufuncs take their output positionally (no keyword parsing); products go through
# ``tape.product`` (np.dot, or MKL's GEMM for large ones: ``tape.LIBRARY_MIN_WORK``).


def _step(optimizer, theta: Array, grad: Array) -> None:
    optimizer.step(theta, grad)  # (looked up at every step: a step replaced later runs)


class Engine:
    """Training epochs for one network on one data set, replaying recorded step tapes.

    ``X_rows`` (m, n_x) and ``Y_rows`` (m, n_y): the examples (``X.T``) and targets as rows,
    read in place, never copied; ``B``: the batch size (the last batch holds the remaining
    m mod B); ``shuffle``: a fresh permutation every epoch, by blocks of ``shuffle_block``
    examples if given (blocks in random order, each shuffled inside: reads from a
    memory-mapped file stay near each other); ``optimizer``: plain gradient descent has α
    folded into dZ[L] and updates θ -= dθ (large blocks inside their gradient product, see
    ``BLAS_UPDATE_MIN_WORK``), optimizers with state receive dθ/m after each step; ``w_rows``
    (m, 1): per-example weights of mean 1, or None; ``l2_scale``: 1/s, s the raw weights'
    mean (the L2 term is λ/(2Bs) Σ‖W‖² a step); ``dropout_rng``: the masks' stream when
    ``net.keep_prob`` drops units (else None).

    The runtime, the divergence guard and the checkpointer use :meth:`epoch`, ``steps`` (one
    :class:`~layerwise.engine.tape.Step` each), :meth:`seen`, :meth:`examples`,
    :meth:`penalty`, :meth:`replay_steps`, the attributes ``shuffle`` and ``net``, the epoch's
    ``order``, ``ZL_epoch``, ``penalties`` and ``steps_done``; the buffers and tapes are the
    engine's own.
    """

    def __init__(
        self,
        net: Network,
        X_rows: Array,
        Y_rows: Array,
        B: int,
        shuffle: bool,
        shuffle_block: int | None,
        optimizer,
        w_rows: Array | None = None,
        l2_scale: float = 1.0,
        dropout_rng: np.random.Generator | None = None,
    ) -> None:
        self.net, self.X_rows, self.Y_rows = net, X_rows, Y_rows
        self.dropout_rng = dropout_rng if dropout_active(net.keep_prob) else None
        self.shuffle, self.shuffle_block = shuffle, shuffle_block
        self.w_rows, self.l2_scale = w_rows, l2_scale
        # the fused kernels (numba) or None, and the BLAS for large products (MKL) or None:
        # NumPy's tape and NumPy's products, the reference (see ``paths``)
        self.kernels = _paths.kernels(elements=Y_rows.shape[0] * sum(net.layer_dims[1:]))
        self.library = _paths.blas_library()
        # the network's row of the outputs table, for its in-place delta (fused pairs only)
        self.pair = net.pair if is_fused(net.activations[-1], net.loss) else None
        self.gtheta = np.zeros_like(net.theta)
        self.Wb = parameter_blocks(net.theta, net.layer_dims)  # views (n[l], n[l-1] + 1)
        self.gWb = parameter_blocks(self.gtheta, net.layer_dims)  # same shapes, the gradient
        self.B, self.optimizer, self.weight_mask = B, optimizer, None
        self._allocate_epoch()
        self._record(self._settings())
        self.first_step = self.steps_done = 0

    def _settings(self) -> tuple:
        """What the recorded steps hold: the optimizer's settings and rule, and λ."""
        return self.optimizer.config(), builtin_rule(self.optimizer), self.net.l2

    def _record(self, settings: tuple, steps: bool = True) -> None:
        """Take ``settings`` (``_settings()``) and record the epoch's tape with them (small
        networks: compiled whole, ``whole``); ``steps=False``: the compiled steps read them."""
        opt, self.settings = self.optimizer, settings
        self.plain_scale = opt.learning_rate if opt.plain else None
        if not steps:
            for step in self.steps:  # c = α/B again for plain descent
                self._scale(step.first, step.end)
            return self.compiled.follow()
        self.blas_update = self._updates_inside_products(self.B)
        if self.net.l2 and self.weight_mask is None:  # 1 on θ's weights, 0 on its biases
            self.weight_mask, self.l2_weights = (
                np.ones_like(self.gtheta),
                np.empty_like(self.gtheta),
            )
            for block in parameter_blocks(self.weight_mask, self.net.layer_dims):
                block[:, -1] = 0
        self.compiled, self.steps, self.ops = _whole.choose(self, opt, self._record_steps(opt))

    def _follow(self, settings: tuple) -> None:
        """Settings a callback changed: the compiled steps read α, β, ε and λ as they are; the
        tape is recorded again where it holds them (plain descent's α folded into dZ[L], λ)
        and for a rule replaced; other optimizers' steps read theirs at every step."""
        try:
            check_positive("learning_rate", self.optimizer.learning_rate, allow_zero=True)
            check_positive("l2", settings[2], allow_zero=True)
        except (TypeError, ValueError) as err:
            hint = "Hint: a callback set it between epochs; give it a finite number >= 0."
            raise type(err)(f"{err} {hint}") from None
        same_rule = settings[1] is self.settings[1]
        if self.compiled is not None and same_rule:
            self._record(settings, steps=False)
        elif not same_rule or self.plain_scale is not None or settings[2] != self.settings[2]:
            self._record(settings)
        self.settings = settings

    def _scale(self, i: int, j: int) -> float:
        """c = 1/B (α/B for plain descent) of the step on examples i..j-1, kept in ``scales``."""
        c = self.scales[i:j] = (1.0 if self.plain_scale is None else self.plain_scale) / (j - i)
        return c

    def _updates_inside_products(self, B: int) -> bool:
        """Whether [W|b] -= dZ [A_prev; 1]ᵀ runs in one call, no dθ in between: plain gradient
        descent without L2, with a BLAS, for a network with a large enough product."""
        dims = self.net.layer_dims
        work = max(n * n_prev for n_prev, n in pairwise(dims)) * B  # ≤ its largest product
        return (
            self.plain_scale is not None
            and not self.net.l2
            and (_blas.AVAILABLE or self.library is not None)
            and work >= BLAS_UPDATE_MIN_WORK
        )

    def _allocate_epoch(self) -> None:
        """The arrays of one epoch, in its order of the examples (refilled every epoch)."""
        net, Y_rows, w_rows, shuffle = self.net, self.Y_rows, self.w_rows, self.shuffle
        m, n_y = Y_rows.shape
        self.order = np.arange(m)  # the epoch's order of the examples
        self.Y_epoch = np.empty_like(Y_rows) if shuffle else Y_rows  # (m, n_y)
        self.w_epoch = w_rows if w_rows is None or not shuffle else np.empty_like(w_rows)
        self.T = np.empty_like(Y_rows)  # (m, n_y): the targets' part of c·dZ[L]
        self.ZL_epoch = np.empty((n_y, m), net.dtype)  # logits of every example
        self.scales = np.empty((m, 1), net.dtype)  # c of each example's batch
        self.penalties: list[float] = []  # L2 terms of the epoch's steps

    def _record_steps(self, optimizer) -> list[Step]:
        """Every step's tape, in order, on buffers shared by the steps of one batch size."""
        buffers: dict[int, Buffers] = {}
        steps, m, net, B = [], self.Y_rows.shape[0], self.net, self.B
        for i in range(0, m, B):
            j = min(i + B, m)
            if j - i not in buffers:
                X_all = self.X_rows if j - i == m else None  # full batch: no gather, no copy
                buffers[j - i] = Buffers(net.layer_dims, j - i, net.dtype, X_all, net.keep_prob)
            c = self._scale(i, j)
            steps.append(Step(tuple(self._record_step(buffers[j - i], i, j, c, optimizer)), i, j))
        return steps

    # ----- one epoch --------------------------------------------------------------------------
    def epoch(self, rng, stop: Callable[[], bool] | None = None, start: int = 0) -> int:
        """Shuffle (if asked), follow changed settings, prepare the targets, replay every step;
        return the steps done. Afterwards :meth:`examples` gives the epoch's logits and targets
        in the same order, ``penalties`` its steps' L2 terms. ``stop``, if given, is asked
        after every step but the last: True ends the epoch there (below ``len(self.steps)``).
        ``start > 0`` continues an epoch put back (``checkpoint.epoch``: no new shuffle)."""
        if (settings := self._settings()) != self.settings:  # (a resumed epoch's too)
            self._follow(settings)
        if start == 0:
            if self.shuffle:
                shuffle_order(rng, self.order, self.shuffle_block)
            self.penalties.clear()
        self.first_step = start  # where this call began (the divergence guard replays from it)
        if self.shuffle:
            np.take(self.Y_rows, self.order, axis=0, out=self.Y_epoch)
            if self.w_rows is not None:
                np.take(self.w_rows, self.order, axis=0, out=self.w_epoch)
        if self.pair is not None:  # the targets' part of c·dZ[L]: c·(½ - Y) or c·Y
            self.pair.targets(self.Y_epoch, self.T)
            np.multiply(self.T, self.scales, out=self.T)
        n = self.steps_done = len(self.steps)
        if stop is None and start == 0:
            for op in self.ops:
                op()
            return n
        for k in range(start, n):
            self.steps[k].run()
            if stop is not None and k + 1 < n and stop():
                self.steps_done = k + 1
                break
        return self.steps_done

    def penalty(self) -> float:
        """The mean L2 term of the epoch's steps (0 without L2)."""
        return float(sum(self.penalties)) / self.Y_rows.shape[0]

    def seen(self, steps_done: int) -> int:
        """How many examples the epoch's first ``steps_done`` steps have seen."""
        return self.steps[steps_done - 1].end

    def examples(self, i: int, j: int) -> tuple[Array, Array, Array | None]:
        """Examples i..j-1 of the epoch, in its order: their logits (n_y, j - i), targets
        (n_y, j - i) and weights (j - i,) or None (views, valid until the next epoch)."""
        w = None if self.w_rows is None else self.w_epoch[i:j, 0]
        return self.ZL_epoch[:, i:j], self.Y_epoch[i:j].T, w

    def replay_steps(self) -> list[tuple[int, Step]]:
        """The steps this process ran of the current epoch (from ``start``, for a resumed
        one), numbered, to be run again one at a time; their L2 terms are recorded again."""
        del self.penalties[self.first_step :]
        return list(enumerate(self.steps))[self.first_step :]

    # ----- recording one step -----------------------------------------------------------------
    def _record_step(self, buf: Buffers, i: int, j: int, c: float, optimizer) -> list[Op]:
        """The NumPy calls of the step on examples i..j-1 of the epoch, bound to their arrays."""
        net, Wb, L, B = self.net, self.Wb, self.net.L, j - i
        ZL = self.ZL_epoch[:, i:j]  # (n_y, B)
        TbT, YbT = self.T[i:j].T, self.Y_epoch[i:j].T  # (n_y, B)
        tape: list[Op] = []
        kern, product = self.kernels, partial(_product, library=self.library)
        if self.X_rows.shape[0] > B:  # gather the batch's rows into the buffer, epoch order
            # (the bound method skips np.take's Python wrappers, ~5 µs a call)
            tape.append(partial(self.X_rows.take, self.order[i:j], 0, buf.Xb, "clip"))
        acts = [  # each record's own ops (or a kernel for its code): never picked by name
            (kern and kern.activation_ops(a, buf.A[l], buf.dZ[l]))
            or activation_ops(a, buf.A[l], buf.dZ[l], buf.scratch[l], buf.mask[l])
            for l, a in enumerate(net.activations[:-1], start=1)
        ]
        # ----- forward: Z[l] = [W|b][l] [A[l-1]; 1], A[l] = g(Z[l]) in place -------------------
        Z1 = ZL if L == 1 else buf.A[1]  # (n1, B)
        if buf.X1 is not None:  # Z1 = [W|b]1 [X; 1]
            tape.append(product(Wb[0], buf.X1.T, Z1))
        else:  # Z1 = W1 X + b1
            tape.append(product(Wb[0][:, :-1], buf.Xb.T, Z1))
            bias_forward, bias_backward = self._separate_bias(buf, Z1, acts)
            tape += bias_forward
        for l in range(1, L):
            tape += acts[l - 1][0]
            tape += buf.drop.forward_ops(l, buf.A[l], self.dropout_rng)  # A ⊙ D/keep
            H = buf.drop.output(l, buf.H[l])  # [A; 1], or with dropout [A ⊙ D/keep; 1]
            tape.append(product(Wb[l], H, ZL if l + 1 == L else buf.A[l + 1]))
        # ----- output: c·dZ[L] = c (AL - Y) for the natural pairs ------------------------------
        tape += self._output_delta(ZL, TbT, YbT, buf.dZ[L], buf.col, c)
        if self.w_rows is not None:  # c·dZ[L] ⊙ w_batch: each column counts w_i times
            w_b = self.w_epoch[i:j].T  # (1, B), refreshed in place every epoch
            tape.append(partial(np.multiply, buf.dZ[L], w_b, buf.dZ[L]))
        # ----- backward: dA_prev = Wᵀ dZ, [dW|db] = dZ [A_prev; 1]ᵀ, dZ_prev = dA_prev ⊙ g' ----
        for l in range(L, 0, -1):
            if l > 1:  # dA_prev = Wᵀ dZ, with W before its update
                WT, dA_prev = Wb[l - 1][:, :-1].T, buf.dZ[l - 1]  # (n[l-1], n[l]), (n[l-1], B)
                if WT.shape[1] == 1:  # one unit: Wᵀ dZ is an outer product, cheaper broadcast
                    outer = kern and kern.outer_op(WT, buf.dZ[l], dA_prev)
                    tape.append(outer or partial(np.multiply, WT, buf.dZ[l], dA_prev))
                else:  # [dA_prev; unused] = [W|b]ᵀ dZ
                    tape.append(product(Wb[l - 1].T, buf.dZ[l], buf.dZ_ext[l - 1]))
            if l > 1 or buf.X1 is not None:  # [dW|db] = dZ [A_prev; 1]ᵀ
                A_prev1 = buf.X1.T if l == 1 else buf.drop.output(l - 1, buf.H[l - 1])
                tape += self._gradient_ops(buf.dZ[l], A_prev1.T, l - 1, slice(None))
            else:  # dW1 = dZ1 Xᵀ, db1 = dZ1 · 1
                tape += self._gradient_ops(buf.dZ[1], buf.Xb, 0, slice(None, -1))
                tape += bias_backward
            if l > 1:  # dZ_prev = dA_prev (⊙ D/keep with dropout) ⊙ g'
                tape += buf.drop.backward_ops(l - 1, buf.dZ[l - 1]) + acts[l - 2][1]
        return tape if self.blas_update else tape + self._update_ops(c, optimizer)

    def _separate_bias(self, buf: Buffers, Z1: Array, acts: list) -> tuple[list[Op], list[Op]]:
        """The first layer's bias when it is not in its GEMM: Z1 += b1 after the product and
        db1 = dZ1 · 1 (into dθ, or b1 -= db1 with ``blas_update``). The kernels fold them into
        layer 1's activation where they can (``acts[0]`` is replaced): A1 = g(Z1 + b1) and
        dZ1 = dA1 ⊙ g' with db1, one pass each."""
        kern, b1, L = self.kernels, self.Wb[0][:, -1:], self.net.L  # b1 (n1, 1)
        out = b1 if self.blas_update else self.gWb[0][:, -1:]  # db1 goes here (n1, 1)
        forward: list[Op] = [partial(np.add, Z1, b1, Z1)]
        if kern is not None and L > 1:
            act = self.net.activations[0]
            fused = kern.bias_activation_op(act, Z1, b1)
            if fused:
                acts[0], forward = ([fused], acts[0][1]), []
            fused = kern.backward_bias_op(act, buf.dZ[1], buf.A[1], out, self.blas_update)
            if fused:
                acts[0] = (acts[0][0], [fused])
                return forward, []
        fused = kern and kern.bias_gradient_op(buf.dZ[1], out, self.blas_update)
        if fused:
            return forward, [fused]
        return forward, self._gradient_ops(buf.dZ[1], buf.ones, 0, slice(-1, None))

    def _gradient_ops(self, dZ: Array, A_prevT: Array, k: int, cols: slice) -> list[Op]:
        """c·dW = dZ A_prevᵀ, dZ (n[l], B) and A_prevᵀ (B, n_cols), for the n_cols columns
        ``cols`` of block k = l - 1 ([W|b] (n[l], n[l-1] + 1)), into dθ; with
        ``blas_update``, subtracted from [W|b] at once: by the product itself (W ← W - dZ
        A_prevᵀ, one BLAS call) where it is large, else by the product then W -= dW."""
        W, dW = self.Wb[k][:, cols], self.gWb[k][:, cols]
        large = dZ.shape[0] * dZ.shape[1] * A_prevT.shape[1] >= BLAS_UPDATE_MIN_WORK
        if self.blas_update and large:
            # operands: buffers and X_rows (C); MKL's GEMM where it is selected, else OpenBLAS
            return [_blas.gemm(-1.0, dZ, A_prevT, 1.0, W, self.library)]
        product = _product(dZ, A_prevT, dW, self.library)
        if not self.blas_update:
            return [product]  # θ -= dθ once the step's gradients are all there
        return [product, partial(np.subtract, W, dW, W)]

    def _update_ops(self, c: float, optimizer) -> list[Op]:
        """Once every gradient is ready: L2's λ/m W into dW, then the update of all of θ:
        θ -= dθ for plain gradient descent (α is already in dθ), else the optimizer's rule."""
        ops: list[Op] = []
        if self.net.l2:
            ops.append(partial(self._l2, c * self.net.l2 * self.l2_scale))
        if self.plain_scale is not None:
            ops.append(partial(np.subtract, self.net.theta, self.gtheta, self.net.theta))
        else:
            ops.append(partial(_step, optimizer, self.net.theta, self.gtheta))
        return ops

    def _output_delta(
        self, ZL: Array, TbT: Array, YbT: Array, dZ: Array, col: Array, c: float
    ) -> list[Op]:
        """Ops writing c·dZ[L] into ``dZ`` (n_y, B): the fused pair's own in-place code from
        the logits and the target term, or the records' chain rule."""
        if self.pair is not None:
            fused = self.kernels and self.kernels.delta_ops(self.pair, ZL, TbT, dZ, c)
            return fused or self.pair.delta(ZL, TbT, dZ, col, c)
        return [partial(self._table_delta, ZL, YbT, dZ, c)]

    def _table_delta(self, ZL: Array, YbT: Array, dZ: Array, c: float) -> None:
        """Any other pair: c·dZ[L] = c·dAL ⊙ g'(Z[L]) through the activation and loss records."""
        act, loss = self.net.activations[-1], self.net.loss
        AL = act.forward(ZL)
        np.multiply(act.backward(loss.gradient(AL, YbT), ZL, AL), c, out=dZ)

    def _l2(self, scale: float) -> None:
        """L2 on the weights (not the biases), before the update: record the step's term
        λ/2 Σ_l ‖W[l]‖² (the epoch divides the sum by m), and dθ += scale · W, scale = c·λ."""
        theta, weights = self.net.theta, self.l2_weights  # (n_params,) both
        np.multiply(theta, self.weight_mask, weights)  # θ with the biases zeroed
        self.penalties.append(self.net.l2 * self.l2_scale / 2 * float(np.dot(weights, theta)))
        np.multiply(weights, scale, weights)
        np.add(self.gtheta, weights, self.gtheta)
