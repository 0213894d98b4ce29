"""The charts' history: bounded at any length, spread evenly from epoch 0, and the overfitting
rule.

A :class:`Trace` keeps at most ``capacity`` points. The epochs fall into buckets of ``stride``
epochs; each bucket keeps its first point, and the latest point is kept too. When more than
``capacity`` points remain, the stride doubles (each pair of neighbouring buckets merges into
one, which keeps the earlier first point). So the points stay spread evenly over all the epochs
so far, whatever their number, and epoch 0 (first in the first bucket) is never dropped.

A point that is first in its bucket stays first when buckets merge, so thinning step by step
keeps the same points as thinning everything at once (:func:`kept`). The page relies on this:
it is sent only the points that are new since the last frame and the stride, appends them to
what it holds and applies the same rule, and ends with the server's points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

#: Points a Trace holds at most (the page holds the same): about 1/2 to 1 per pixel of a chart.
MAX_CURVE_POINTS = 400
#: The overfitting rule (:func:`overfitting`): the dev cost more than OVERFIT_RISE (5 %) above
#: its best median over OVERFIT_POINTS points at each of the last OVERFIT_POINTS points, while the
#: train cost fell.
OVERFIT_RISE = 0.05
OVERFIT_POINTS = 5


def kept(epochs: Sequence[int], stride: int) -> list[int]:
    """Indices of the points a trace keeps: the first of each ``stride``-epoch bucket, and the
    last point. ``epochs`` increase."""
    out, bucket = [], None
    for i, epoch in enumerate(epochs):
        if epoch // stride != bucket or i == len(epochs) - 1:
            out.append(i)
            bucket = epoch // stride
    return out


class Trace:
    """Values per epoch (``keys``), at most ``capacity`` points, spread evenly (module doc).

    Parameters
    ----------
    keys : sequence of str
        The values recorded with each epoch (``None`` where a value is undefined).
    capacity : int
        The most points kept; at least 2 (epoch 0 and the latest).
    """

    def __init__(self, keys: Sequence[str], capacity: int = MAX_CURVE_POINTS) -> None:
        if capacity < 2:
            raise ValueError(
                f"capacity must be at least 2 (the first and last point), got {capacity}"
            )
        self.capacity = capacity
        self.stride = 1
        self.epochs: list[int] = []
        self.values: dict[str, list[Any]] = {k: [] for k in keys}
        self._sent = -1  # the last epoch :meth:`fresh` gave out

    def __len__(self) -> int:
        return len(self.epochs)

    def extend(self, epochs: Sequence[int], values: Mapping[str, Sequence[Any]]) -> None:
        """Add points (epochs increasing, after the last one held), then thin to capacity.
        A point at or before the last epoch held is left out (a frame repeated while paused)."""
        last = self.epochs[-1] if self.epochs else -1
        new = [i for i, e in enumerate(epochs) if e > last]
        self.epochs += [int(epochs[i]) for i in new]
        for key, column in self.values.items():
            column += [values[key][i] for i in new]
        keep = kept(self.epochs, self.stride)
        while len(keep) > self.capacity:
            self.stride *= 2
            keep = kept(self.epochs, self.stride)
        if len(keep) < len(self.epochs):
            self.epochs = [self.epochs[i] for i in keep]
            self.values = {k: [v[i] for i in keep] for k, v in self.values.items()}

    def fresh(self) -> dict[str, list[Any]]:
        """The points not given out before (``epoch`` and each key), for the next frame."""
        start = next((i for i, e in enumerate(self.epochs) if e > self._sent), len(self.epochs))
        if self.epochs:
            self._sent = self.epochs[-1]
        out = {"epoch": self.epochs[start:]}
        out.update({k: v[start:] for k, v in self.values.items()})
        return out


def overfitting(
    epochs: Sequence[int],
    cost: Sequence[float | None],
    dev_cost: Sequence[float | None],
    rise: float = OVERFIT_RISE,
    points: int = OVERFIT_POINTS,
) -> int | None:
    """The epoch where the dev cost was lowest, when it has risen since while the train cost
    fell; else None.

    The rule, on the points where both costs are defined, in windows of ``points`` points (a
    window's median, so that one low point of a noisy curve, from mini-batches or a large
    learning rate, is not taken for the best): the dev cost's lowest window median is its best;
    each of the last ``points`` dev costs is more than ``rise`` (a fraction) above that best;
    and the train cost's median over the last window is below its median over the best window
    (it fell since) and not above its median over the window before (it still falls, or rests).

    Parameters
    ----------
    epochs, cost, dev_cost : sequences of the same length
        A trace's points: the epochs and both costs (None where undefined).
    rise : float
        How far above its best (a fraction of it) the dev cost must be.
    points : int
        The window: at how many of the last points the dev cost must be that far above.

    Returns
    -------
    int or None
        The epoch of the lowest dev cost in its best window; None: no overfitting seen.
    """
    both = [
        (e, c, d)
        for e, c, d in zip(epochs, cost, dev_cost, strict=True)
        if c is not None and d is not None
    ]
    if len(both) < 2 * points:
        return None
    train = _window_medians([c for _, c, _ in both], points)
    dev = _window_medians([d for _, _, d in both], points)
    best = min(range(len(dev)), key=dev.__getitem__)  # the first lowest window
    last = len(dev) - 1  # the window of the last points
    risen = all(d > dev[best] * (1 + rise) for _, _, d in both[last:])
    falling = train[last] < train[best] and train[last] <= train[last - points]
    if not (risen and falling):  # (risen: the best window came before the last)
        return None
    return min(both[best : best + points], key=lambda p: p[2])[0]


def _window_medians(values: list[float], points: int) -> list[float]:
    """The median of each run of ``points`` neighbouring values (``len(values) - points + 1``)."""
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(values, dtype=float), points)
    return np.median(windows, axis=1).tolist()
