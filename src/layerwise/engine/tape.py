"""The engine's tape: a step as recorded ops, and a hidden layer's ops on the engine's buffers.

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

Array = np.ndarray
Op = Callable[[], object]


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
