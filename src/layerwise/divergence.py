"""Divergence: stop at the first mini-batch that makes training non-finite, keep the last finite θ.

Checking every step would slow every step down, so ``fit`` checks once per epoch (the epoch's
cost and θ) and keeps, at the start of each epoch, a copy of θ and of the optimizer's state (a
few vector copies per epoch, next to the epoch's GEMMs). When an epoch ends non-finite,
:meth:`Guard.rewind` restores that copy and replays the epoch's recorded steps one at a time,
with the same shuffle order, checking the step's cost and θ after each: θ is left as it was before
the first step that produced a NaN or an infinity.
"""

from __future__ import annotations

import numpy as np

from .backend import copy_of

Array = np.ndarray


class Guard:
    """θ and the optimizer's state at the start of the current epoch (of its part run in this
    process, for an epoch resumed from a checkpoint), for ``engine``."""

    def __init__(self, net, optimizer, engine) -> None:
        self.net, self.opt, self.engine = net, optimizer, engine
        self.theta = np.empty_like(net.theta)
        self.t = 0
        self.state: dict[str, dict[str, Array]] = {}
        self.dropout_state = None  # the masks' stream at the epoch's start (with dropout)

    def begin_epoch(self) -> None:
        """Remember θ (n_params,), the step count and the optimizer's moments, each (n_params,),
        into buffers kept from epoch to epoch (no allocation once the moments exist)."""
        np.copyto(self.theta, self.net.theta)
        self.t = self.opt.t
        if self.engine.dropout_rng is not None:  # the replay draws the epoch's masks again
            self.dropout_state = self.engine.dropout_rng.bit_generator.state
        for key, slots in self.opt.state.items():
            kept = self.state.setdefault(key, {})
            for name, a in slots.items():
                mine = kept.get(name)
                if type(mine) is type(a) is np.ndarray and mine.shape == a.shape:
                    np.copyto(mine, a)
                else:  # (a device's moments, left by an earlier fit there: made afresh here)
                    kept[name] = copy_of(a)

    def theta_finite(self) -> bool:
        return bool(np.isfinite(self.net.theta).all())

    def rewind(self, step_cost) -> tuple[int, int] | None:
        """Replay the epoch from its start (from its first step in this process, for an epoch
        resumed from a checkpoint), step by step; stop before the first step whose cost
        (``step_cost(i, j)`` on examples i..j-1 of the epoch, from its logits) or update is
        not finite. Returns ``(step, first example)`` of that step, or None when every step
        stays finite."""
        net, opt = self.net, self.opt
        np.copyto(net.theta, self.theta)
        opt.t, opt.state = self.t, copy_state(self.state)
        if self.dropout_state is not None:
            self.engine.dropout_rng.bit_generator.state = self.dropout_state
        before = np.empty_like(net.theta)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for k, step in self.engine.replay_steps():  # (their L2 terms are recorded again)
                np.copyto(before, net.theta)
                t, state = opt.t, copy_state(opt.state)
                step.run()
                if not (np.isfinite(step_cost(step.first, step.end)) and self.theta_finite()):
                    np.copyto(net.theta, before)
                    opt.t, opt.state = t, state
                    return k, step.first
        return None


def copy_state(state: dict[str, dict[str, Array]]) -> dict[str, dict[str, Array]]:
    """A copy of an optimizer's state (its moments, each (n_θ,)) on their own device."""
    return {key: {name: copy_of(a) for name, a in slots.items()} for key, slots in state.items()}
