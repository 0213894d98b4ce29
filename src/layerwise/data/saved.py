"""A trained model as ``layerwise train`` saves it: the network and its preprocessing, one file.

The file is the core's model file (:mod:`layerwise.persistence`) with a ``preprocessing``
section: the :class:`~layerwise.data.Preprocessor`'s JSON state and its arrays
(``feature_mean``, ``feature_scale``), checked against each other and against the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..network import Network
from ..persistence import bad_file, read_archive
from . import fast
from .preprocessing import Preprocessor


@dataclass
class SavedModel:
    """What a model file holds: the network, its preprocessing (or None) and the raw header."""

    network: Network
    preprocessor: Preprocessor | None = None
    header: dict[str, Any] = field(default_factory=dict)

    def predict(self, data) -> np.ndarray:
        """Predictions for raw data, as ``layerwise predict`` writes them: labels ``(m,)``
        (binary, multi-class), 0/1 ``(m, k)`` (multi-label) or values ``(m, k)`` (regression).

        ``data``: a DataFrame, a mapping of column name -> values, one row (a mapping of column
        name -> value) or a list of rows; the same numbers as ``preprocessor.transform`` of it as a
        DataFrame, then ``network.predict_proba`` and ``preprocessor.decode``.
        """
        return self._checked_preprocessor().decode(self.output(data))

    def predict_proba(self, data) -> np.ndarray:
        """``(m, n_classes)``: per class (binary: 1 - p, p) or per label (multi-label), for raw
        ``data`` as :meth:`predict` takes it (classification models only)."""
        return self._checked_preprocessor().probabilities(self.output(data))

    def output(self, data) -> np.ndarray:
        """The network's output ``AL (n_y, m)`` for raw ``data`` (as :meth:`predict` takes
        it), preprocessed through NumPy (:mod:`.fast`): for both the predictions
        (``preprocessor.decode(AL)``) and the probabilities from one pass."""
        X = fast.transform(self._checked_preprocessor(), data, self.network.dtype)
        return self.network.predict_proba(X)

    def _checked_preprocessor(self) -> Preprocessor:
        if self.preprocessor is None:
            raise ValueError(
                "SavedModel.predict needs a model with preprocessing (trained on a table by "
                "`layerwise train`); this one holds a bare network. Hint: call "
                "model.network.predict(X) with X of shape (n_x, m)."
            )
        return self.preprocessor


def save_model(
    net: Network,
    path: str | Path,
    *,
    preprocessor: Preprocessor | None = None,
    training: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
) -> Path:
    """Write ``net`` with its preprocessing, training settings and metrics to ``path``."""
    return net.save(path, preprocessor=preprocessor, training=training, metrics=metrics)


def load_model(path: str | Path) -> SavedModel:
    """Load and check a model file with its preprocessing; ``ValueError`` naming the problem.

    Never executes code from the file: arrays are read with ``allow_pickle=False`` after the
    archive's member names, sizes, shapes and dtypes were checked against the header.
    """
    header, arrays = read_archive(path)  # (training and metrics: checked objects)
    net = Network.from_header(header, arrays, path)
    names = set(net.parameters)  # once: each `net.parameters` builds every layer's view
    extra = {k: a for k, a in arrays.items() if k not in names}
    section = header.get("preprocessing")
    if section is None:
        if extra:
            raise bad_file(path, f"arrays {sorted(extra)} belong to no section")
        return SavedModel(net, None, header)
    try:
        if not isinstance(section, dict):
            raise ValueError("preprocessing must be an object")
        shapes = Preprocessor.array_shapes(section)
        if {k: a.shape for k, a in extra.items()} != shapes:
            raise ValueError(f"its arrays must be {shapes}, the file holds {sorted(extra)}")
        pre = Preprocessor.from_header(section, extra)
    except (TypeError, ValueError) as err:
        raise bad_file(path, str(err).rstrip(".")) from err
    if pre.n_x != net.layer_dims[0] or pre.n_y != net.layer_dims[-1]:
        raise bad_file(
            path,
            f"preprocessing gives {pre.n_x} inputs and {pre.n_y} outputs, the network has "
            f"{net.layer_dims[0]} and {net.layer_dims[-1]}",
        )
    return SavedModel(net, pre, header)
