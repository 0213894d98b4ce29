"""The engine's tape: a step as recorded ops, a product's op, and a hidden layer's ops on the
engine's buffers.

An :class:`~layerwise.activations.Activation` carries its code: ``forward``/``backward`` (what
the reference path calls) and, for the library's records, ``inplace`` (the same formulas as
NumPy calls bound to buffers, ``out=`` everywhere). The engine takes the ops from the record,
never from its name: ``inplace`` where the record has it, else the record's own functions
written into the buffers, so a custom record trains exactly as the reference path computes it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import numpy as np

from ..activations import Activation, inplace_of
from . import blas as _blas

Array = np.ndarray
Op = Callable[[], object]
# With a faster BLAS selected (``paths``: MKL), products of at least this many multiply-adds go
# through it; smaller ones stay with np.dot, whose call costs less than a ctypes call.
LIBRARY_MIN_WORK = 1_000_000


def product(A: Array, B: Array, out: Array, library: _blas.Library | None = None) -> Op:
    """The op ``out = A @ B``. ``np.dot`` takes its output positionally, which skips matmul's
    keyword parsing (~0.8 µs a call: a tenth of a small network's step), but it needs a
    C-contiguous output and contiguous operands; strided views (W without its bias column, a
    slice of the epoch's logits) go to ``np.matmul``, which reads them in place. With a
    ``library`` (MKL), a large product is its GEMM (β = 0) where BLAS can read the layout."""
    if library is not None and A.shape[0] * A.shape[1] * B.shape[1] >= LIBRARY_MIN_WORK:
        try:
            return _blas.gemm(1.0, A, B, 0.0, out, library)
        except ValueError:  # strides BLAS cannot read
            pass
    if out.flags.c_contiguous and all(M.flags.c_contiguous or M.flags.f_contiguous for M in (A, B)):
        return partial(np.dot, A, B, out)
    return partial(np.matmul, A, B, out=out)


class Step(NamedTuple):
    """One recorded step: its tape and the examples ``first..end-1`` of the epoch it trains on."""

    ops: tuple[Op, ...]
    first: int
    end: int

    def run(self) -> None:
        """Replay the step's tape."""
        for op in self.ops:
            op()


def activation_ops(act: Activation, A: Array, dA: Array, scratch: Array, mask: Array):
    """The (forward, backward) ops of a hidden layer on buffers (n[l], B): forward turns ``A``
    holding Z into g(Z), backward turns ``dA`` into dZ = dA ⊙ g'(Z)."""
    if (inplace := inplace_of(act)) is not None:
        return inplace(A, dA, scratch, mask)
    if not act.elementwise:
        raise ValueError(
            f"activation {act.name!r} is not elementwise, so it cannot be a hidden layer. "
            "Hint: softmax is an output activation."
        )
    return record_ops(act, A, dA, scratch, mask)


def record_ops(act: Activation, A: Array, dA: Array, scratch: Array, mask: Array):
    """Ops for an elementwise record without in-place code: Z is kept in ``scratch``, then
    A = forward(Z) and dZ = backward(dA, Z, A), the record's own functions (what the reference
    path calls), written into the buffers."""
    forward = [partial(np.copyto, scratch, A), lambda: np.copyto(A, act.forward(scratch))]
    return forward, [lambda: np.copyto(dA, act.backward(dA, scratch, A))]
