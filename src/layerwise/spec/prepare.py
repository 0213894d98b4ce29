"""A run's data made ready (read, split, preprocessed) and its network built, from a spec.

1. Read ``spec.data.source`` (rows); infer or check the task from the target.
2. Hold out a test set (the ``test`` file, or ``test_fraction`` of the rows: 20% of a bundled
   set by default), then a dev set (``dev_fraction``), stratified by class, drawn with the seed.
3. Fit the preprocessing on the training rows only; turn the splits into ``X (n_x, m)``.

Every face that trains calls :func:`prepare` (the command line, its checkpoints, the sweep), so
the same spec gives the same rows, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..data import Preprocessor, class_labels, infer_task, read_data, split_indices
from ..data.tables import TABLE_SUFFIXES
from ..network import Network
from ..random import make_rng
from .specs import NetworkSpec, RunSpec


@dataclass
class Prepared:
    """A spec's data, read, split and preprocessed.

    ``spec`` is the run it was prepared for; ``data``/``train``/``dev``/``test`` the raw
    :class:`layerwise.data.Dataset` rows (``dev`` and ``test`` None when empty), ``pre`` the
    fitted ``Preprocessor``, ``xy[name] = (X (n_x, m), Y (n_y, m))`` the transformed train and
    dev splits, ``rows`` the row numbers of train, dev and test in ``data``; ``notes`` say where
    the data look thin (for the face to show).
    """

    spec: RunSpec
    data: Any
    pre: Preprocessor
    train: Any
    dev: Any | None
    test: Any | None
    xy: dict[str, tuple[np.ndarray, np.ndarray]]
    seed: int
    dtype: np.dtype
    test_fraction: float
    rows: tuple[np.ndarray, np.ndarray, np.ndarray]
    notes: list[str] = field(default_factory=list)

    @property
    def X(self) -> np.ndarray:
        return self.xy["train"][0]  # (n_x, m)

    @property
    def Y(self) -> np.ndarray:
        return self.xy["train"][1]  # (n_y, m)

    @property
    def X_dev(self) -> np.ndarray:
        return self.xy["dev"][0]  # (n_x, m_dev)

    @property
    def Y_dev(self) -> np.ndarray:
        return self.xy["dev"][1]  # (n_y, m_dev)

    @property
    def test_m(self) -> int:
        return 0 if self.test is None else self.test.m

    def fingerprint(self) -> dict[str, Any]:
        """What a model trained on these data depends on: columns, target, task, classes,
        split sizes."""
        pre = self.pre
        return {
            "features": [str(c) for c in self.data.features.columns],
            "target": pre.target_names,
            "task": pre.task,
            "classes": None if pre.classes is None else [str(c) for c in pre.classes],
            "n_x": pre.n_x,
            "examples": {
                "train": self.train.m,
                "dev": 0 if self.dev is None else self.dev.m,
                "test": self.test_m,
            },
        }


def prepare(spec: RunSpec) -> Prepared:
    """Read, split and preprocess ``spec.data`` as every face that trains does."""
    d, seed = spec.data, spec.resolved_seed
    target = None if d.target is None else list(d.target)
    data = read_data(d.source, target, require_target=True, drop=list(d.drop), sep=d.sep)
    task = infer_task(data.target, d.task)
    test_fraction = d.test_fraction
    if test_fraction is None:
        test_fraction = 0.2 if data.origin == "bundled" and not d.test else 0.0
    classes = data.target.to_numpy() if task in ("binary", "multiclass") else None  # (m, 1)
    rng = make_rng(seed)  # one generator for both splits
    rest, test_index = split_indices(data.m, test_fraction, rng, classes)
    test = data.take(test_index) if test_index.size else None
    if d.test:
        sep = d.sep if Path(d.test).suffix.lower() in TABLE_SUFFIXES else None
        test = read_data(d.test, data.target_names, image=data.image, ignore=list(d.drop), sep=sep)
    train_index, dev_index = split_indices(  # positions in rest
        rest.size, d.dev_fraction, rng, None if classes is None else classes[rest]
    )
    train_set = data.take(rest[train_index])
    dev = data.take(rest[dev_index]) if dev_index.size else None
    notes = _check_splits(d, data, task, train_set, dev, test_index.size)
    notes += _constant_columns(data, train_set)
    # the classes of the whole file, so that a rare class missing from the train split is kept
    class_names = data.classes or (
        class_labels(data.target) if task in ("binary", "multiclass") else None
    )
    options = {"missing": d.missing, "unseen": d.unseen, "min_frequency": d.min_frequency}
    pre = Preprocessor(task, data.scaling, dropped=list(d.drop), **options).fit(
        train_set.features, train_set.target, classes=class_names, image=data.image
    )
    dtype = np.dtype(spec.network.dtype)
    xy = {
        name: (pre.transform(s.features, dtype), pre.transform_target(s.target, dtype))
        for name, s in (("train", train_set), ("dev", dev))
        if s is not None
    }
    rows = (rest[train_index], rest[dev_index], test_index)
    return Prepared(
        spec, data, pre, train_set, dev, test, xy, seed, dtype, test_fraction, rows, notes
    )


def build_network(spec: NetworkSpec, pre: Preprocessor, seed: int) -> Network:
    """The network of ``spec`` for data preprocessed by ``pre``: ``[n_x, *layers, n_y]`` with
    the task's output, its weights drawn from ``seed`` (a prepared run's ``seed``)."""
    return network_for(spec, pre.n_x, pre.n_y, pre.output, seed)


def network_for(spec: NetworkSpec, n_x: int, n_y: int, output: Any, seed: int) -> Network:
    """The network of ``spec`` with ``n_x`` inputs and ``n_y`` outputs through ``output``, its
    weights drawn from ``seed``: for a face whose data need no ``Preprocessor``."""
    course = spec.init == "course"  # Xavier's scale in the course's RandomState order
    hidden = list(spec.hidden) if len(spec.hidden) != 1 else spec.hidden[0]
    return Network(
        [n_x, *spec.layers, n_y],
        hidden=hidden if spec.layers else [],
        output=output,
        init="xavier" if course else spec.init,
        seed=seed,
        legacy_rng=course or spec.legacy_rng,
        dtype=np.dtype(spec.dtype),
        l2=spec.l2,
        keep_prob=spec.keep_prob,
        device=spec.device,
    )


def _check_splits(d, data, task: str, train_set, dev, n_test: int) -> list[str]:
    """Tiny or thinly spread data: a training split left with one class is an error that says
    why; a dev set far smaller than asked, or a task guessed from a handful of numbers, a note."""
    held = (
        f"{data.name} has {data.m} examples: {n_test} went to the test set "
        f"(test_fraction=), {0 if dev is None else dev.m} to the dev set (dev_fraction="
        f"{d.dev_fraction:g})"
    )
    classes = class_labels(data.target) if task in ("binary", "multiclass") else []
    if classes:
        left = class_labels(train_set.target)
        if len(left) < 2:
            raise ValueError(
                f"the training split holds only one class ({left[0]!r}): {held}, and "
                f"{train_set.m} to training. Hint: for so few examples use dev_fraction=0 "
                "(and test_fraction=0), or add data."
            )
    notes = []
    asked = round(d.dev_fraction * (train_set.m + (0 if dev is None else dev.m)))
    if dev is not None and dev.m < asked / 2:
        notes.append(
            f"the dev set has {dev.m} example{'s' * (dev.m != 1)} instead of about {asked}: "
            "most classes have too few examples to be split by class. Hint: check task= and "
            "target=."
        )
    from pandas.api import types  # pandas is there: the data were read with it

    dtype = data.target.dtypes.iloc[0]
    numeric = types.is_numeric_dtype(dtype) and not types.is_bool_dtype(dtype)
    if d.task == "auto" and classes and numeric and data.m < 10 * len(classes):
        notes.append(
            f"task='auto' chose {task} for the {len(classes)} distinct numbers of "
            f"{data.target_names[0]!r} in {data.m} rows; if they are quantities, use "
            "task='regression'."
        )
    return notes


def _constant_columns(data, train_set) -> list[str]:
    """A note naming the feature columns of a table that hold one value in the training rows:
    harmless (σ = 1) but useless, so said rather than refused (images and bundled sets, whose
    constant pixels are expected, say nothing)."""
    if data.image is not None or data.origin == "bundled":
        return []
    counts = train_set.features.nunique(dropna=False)  # (n,)
    constant = [str(c) for c, n in counts.items() if n <= 1]
    if not constant:
        return []
    shown = ", ".join(constant[:10]) + (" ..." if len(constant) > 10 else "")
    return [
        f"{len(constant)} column{'s' * (len(constant) != 1)} hold one value in the training "
        f"rows ({shown}): they carry no information. Hint: leave them out (drop=)."
    ]
