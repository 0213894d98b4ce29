"""The parameters θ of a network: one flat vector, its ``[W | b]`` blocks, the course's dict.

Layer l's ``[W | b]`` block of shape ``(n[l], n[l-1] + 1)`` is a view of θ; ``W[l]`` and ``b[l]``
are views of the block. So an optimizer updates every parameter with one vector operation, and
the course's dict ``{"W1": ..., "b1": ...}`` is a live view: :class:`Parameters` reads the
network's arrays, and assigning an entry writes into the network, so the course's own update,
``parameters["W1"] = parameters["W1"] - learning_rate * grads["dW1"]``, trains it.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping, Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from .backend import copy_of, device_of, is_device_array, library_of, namespace, to_device, to_numpy

Array = np.ndarray


def n_parameters(layer_dims: Sequence[int]) -> int:
    """Σ_l n[l] (n[l-1] + 1): every weight and bias."""
    return sum(n * (n_prev + 1) for n_prev, n in pairwise(layer_dims))


def block_offsets(layer_dims: Sequence[int]) -> list[int]:
    """Where each block ``[W|b][l]`` (``n[l] × (n[l-1] + 1)`` values) starts in θ, l = 1..L,
    and θ's size last."""
    offsets = [0]
    for n_prev, n in pairwise(layer_dims):
        offsets.append(offsets[-1] + n * (n_prev + 1))
    return offsets


def parameter_blocks(flat: Array, layer_dims: Sequence[int]) -> list[Array]:
    """Views ``[W|b][l]`` of shape ``(n[l], n[l-1] + 1)`` into a flat vector, l = 1..L."""
    starts = block_offsets(layer_dims)
    xp = namespace(flat)
    if xp is not np:  # (the array API has reshape as a function only)
        return [
            xp.reshape(flat[start:end], (n, n_prev + 1))
            for (start, end), (n_prev, n) in zip(
                pairwise(starts), pairwise(layer_dims), strict=True
            )
        ]
    return [
        flat[start:end].reshape(n, n_prev + 1)
        for (start, end), (n_prev, n) in zip(pairwise(starts), pairwise(layer_dims), strict=True)
    ]


class Parameters(MutableMapping):
    """The course's ``parameters`` dict, live: ``"W1" (n1, n0)``, ``"b1" (n1, 1)``, ...

    Reading gives a view of θ (editing it in place edits the network); assigning an entry
    copies the new array into θ after checking its name, shape and dtype. Entries cannot be
    added or deleted: the architecture is fixed by ``layer_dims``. ``copy()`` is live too (as a
    dict's copy shares its values, so the course's ``parameters = params.copy()`` still
    trains the network); ``copy.deepcopy(parameters)`` or ``snapshot()`` is a detached copy.

    Examples
    --------
    >>> theta = np.zeros(n_parameters([2, 1]))
    >>> parameters = Parameters(theta, [2, 1])
    >>> parameters["W1"] = parameters["W1"] - 0.5 * np.ones((1, 2))
    >>> theta.tolist()
    [-0.5, -0.5, 0.0]
    """

    def __init__(self, theta: Array, layer_dims: Sequence[int]) -> None:
        self._views: dict[str, Array] = {}
        for l, Wb in enumerate(parameter_blocks(theta, layer_dims), start=1):
            self._views[f"W{l}"], self._views[f"b{l}"] = Wb[:, :-1], Wb[:, -1:]

    def __getitem__(self, key: str) -> Array:
        try:
            return self._views[key]
        except KeyError:
            raise KeyError(self._unknown(key)) from None

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in self._views:
            raise KeyError(self._unknown(key))
        target = self._views[key]
        if is_device_array(value):  # the same device's array, or refused
            self._refuse_elsewhere(key, target, value)
        array = np.asarray(value) if isinstance(target, np.ndarray) else to_numpy(value)
        if array.dtype.kind not in "fiub":
            raise TypeError(
                f"parameters[{key!r}] must hold real numbers, got dtype {array.dtype}. "
                f"Hint: assign a float array of shape {target.shape}."
            )
        if array.shape != target.shape:
            raise ValueError(
                f"parameters[{key!r}] must have shape {target.shape}, got {array.shape}. "
                "Hint: the architecture is fixed by layer_dims; build a new Network to change it."
            )
        if not isinstance(target, np.ndarray):  # a device's θ: the checked array moved there
            target[...] = to_device(array, namespace(target), device_of(target), target.dtype)
            return
        target[...] = array  # into θ, in the network's dtype

    @staticmethod
    def _refuse_elsewhere(key: str, target: Any, value: Any) -> None:
        """A device's array goes only into θ on its own library and device. Host data
        (NumPy arrays, lists) is the course's own assignment and is moved to a device's θ:
        the NumPy path's checks, then one copy over."""
        here = not isinstance(target, np.ndarray) and namespace(value) is namespace(target)
        if not (here and str(device_of(value)) == str(device_of(target))):
            raise TypeError(
                f"parameters[{key!r}] takes an array of the network's own library and device "
                f"({device_of(target)}) or NumPy data, got an array of {library_of(value)} on "
                f"{device_of(value)}. Hint: build the network with device=..., or move it "
                "there with net.to(...); layerwise moves no device's data silently."
            )

    def __delitem__(self, key: str) -> None:
        raise TypeError(
            f"cannot delete parameters[{key!r}]: every layer needs its W and b. "
            "Hint: build a new Network for another architecture."
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self._views)

    def __len__(self) -> int:
        return len(self._views)

    def copy(self) -> Parameters:
        """Another live view of the same network (``dict.copy`` shares the values too)."""
        twin = Parameters.__new__(Parameters)
        twin._views = dict(self._views)
        return twin

    def snapshot(self) -> dict[str, Array]:
        """A plain dict of copies: what the parameters are now, detached from the network."""
        return {key: copy_of(view) for key, view in self._views.items()}

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k!r}: {v.shape}" for k, v in self._views.items())
        return f"Parameters({{{shapes}}})"

    def _unknown(self, key: Any) -> str:
        return (
            f"no parameter {key!r}; the network has {list(self._views)}. "
            "Hint: layers count from 1: 'W1' is the first layer's weights."
        )
