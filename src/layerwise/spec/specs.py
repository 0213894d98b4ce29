"""The run spec: what data, what network, how to fit, as frozen records checked on construction.

``RunSpec(data=DataSpec(...), network=NetworkSpec(...), fit=FitSpec(...), seed=...)`` is what
every face builds: the command line parses its argv into one, a checkpoint of ``layerwise train``
stores ``spec.to_dict()``, the sweep draws network and fit fields onto a base spec with
``dataclasses.replace``. Messages name the library's arguments (``dev_fraction=``); the command
line translates them to its flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from .._validation import check_choice, check_dtype, check_fraction, check_int, check_positive
from ..activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from ..backend import check_dtype_on, resolve_device
from ..data.columns import MISSING_CHOICES, UNSEEN_CHOICES, check_min_frequency
from ..data.tables import check_sep
from ..dropout import check_keep_prob
from ..initializers import INITIALIZERS
from ..optimizers import OPTIMIZERS
from ..outputs import TASKS

#: The learning rate of each optimizer when none is given.
DEFAULT_LEARNING_RATE = {"gd": 0.05, "momentum": 0.05, "rmsprop": 0.001, "adam": 0.003}
TASK_NAMES = ("auto", *sorted(TASKS))
#: "course": Xavier's scale drawn in the course's RandomState order (its notebooks' weights).
INIT_NAMES = ("auto", *INITIALIZERS, "course")


def _names(name: str, value: Any, *, empty: bool = True) -> tuple[str, ...]:
    """A list of strings as a tuple (a spec is frozen and hashable)."""
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise TypeError(f"{name} must be a list of names, got {type(value).__name__} {value!r}.")
    if not all(isinstance(x, str) and x for x in value) or (not empty and not value):
        raise ValueError(
            f"{name} must be a {'' if empty else 'non-empty '}list of non-empty names, "
            f"got {value!r}."
        )
    return tuple(value)


@dataclass(frozen=True)
class DataSpec:
    """What data a run reads and how it splits them.

    ``source`` is a bundled data set's name, a file or an image folder; ``target`` the target
    column(s) (None: the last column); ``drop`` columns to ignore; ``sep`` a text table's
    delimiter (None: found from the file); ``task`` one of ``TASK_NAMES`` ("auto": inferred).
    The test set is the file ``test`` or ``test_fraction`` of the rows (None: 0.2 for a bundled
    set, else 0); ``dev_fraction`` of the rest is the dev set. Both splits are stratified by
    class and drawn from the run's seed. ``missing`` ("impute" or "refuse") says what becomes
    of gaps in the features, ``unseen`` ("ignore" or "error") of a category never seen in
    training, and ``min_frequency`` (None or a count) groups rare categories (see
    :class:`layerwise.data.Preprocessor`).
    """

    source: str
    target: tuple[str, ...] | None = None
    drop: tuple[str, ...] = ()
    sep: str | None = None
    task: str = "auto"
    dev_fraction: float = 0.2
    test: str | None = None
    test_fraction: float | None = None
    missing: str = "impute"
    unseen: str = "ignore"
    min_frequency: int | None = None

    def __post_init__(self) -> None:
        check_choice("missing", self.missing, MISSING_CHOICES)
        check_choice("unseen", self.unseen, UNSEEN_CHOICES)
        object.__setattr__(self, "min_frequency", check_min_frequency(self.min_frequency))
        if not isinstance(self.source, str) or not self.source:
            raise TypeError(f"source must be a data set name or a path, got {self.source!r}.")
        if self.target is not None:
            object.__setattr__(self, "target", _names("target", self.target, empty=False))
        object.__setattr__(self, "drop", _names("drop", self.drop))
        object.__setattr__(self, "sep", check_sep(self.sep))
        check_choice("task", self.task, TASK_NAMES)
        object.__setattr__(self, "dev_fraction", check_fraction("dev_fraction", self.dev_fraction))
        if self.test is not None and (not isinstance(self.test, str) or not self.test):
            raise TypeError(f"test must be a path or None, got {self.test!r}.")
        if self.test_fraction is not None:
            value = check_fraction("test_fraction", self.test_fraction)
            object.__setattr__(self, "test_fraction", value)
        if self.test is not None and self.test_fraction:
            raise ValueError("use either test=FILE or test_fraction=, not both.")


@dataclass(frozen=True)
class NetworkSpec:
    """What network a run builds: ``layers`` the hidden layer sizes (empty: logistic
    regression), ``hidden`` one activation or one per hidden layer (may be empty without
    hidden layers), ``init`` one of
    ``INIT_NAMES``, ``legacy_rng`` the course's ``RandomState`` draw, ``l2`` λ, ``dtype``,
    ``keep_prob`` dropout's probability of keeping a hidden unit, one for every hidden layer
    or one per hidden layer (1: no dropout; left out of ``to_dict`` then, as in old specs),
    ``device`` where the network trains (a spec of :func:`layerwise.backend.resolve_device`,
    e.g. ``"torch:cuda"``; None: NumPy, left out of ``to_dict`` then). The model a run saves
    is the same file whatever the device."""

    layers: tuple[int, ...] = (64, 32)
    hidden: tuple[str, ...] = ("relu",)
    init: str = "auto"
    legacy_rng: bool = False
    l2: float = 0.0
    dtype: str = "float64"
    keep_prob: float | tuple[float, ...] = 1.0
    device: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.layers, list | tuple):
            raise TypeError(f"layers must be a list of sizes, got {self.layers!r}.")
        layers = tuple(check_int("layers", n) for n in self.layers)
        object.__setattr__(self, "layers", layers)
        # no hidden layer, no hidden activation: an empty list is fine then
        hidden = _names("hidden", self.hidden, empty=not layers)
        object.__setattr__(self, "hidden", hidden)
        for name in self.hidden:
            check_choice("activation", name, ACTIVATIONS)
            if name not in HIDDEN_ACTIVATIONS:  # as the network would say, before any data
                raise ValueError(
                    f"hidden activation {name!r} is not elementwise; hidden layers take "
                    f"{', '.join(HIDDEN_ACTIVATIONS)}. Hint: softmax is an output activation."
                )
        if layers and len(hidden) not in (1, len(layers)):
            raise ValueError(
                f"hidden must be one activation or {len(layers)} (one per hidden layer), "
                f"got {len(hidden)}."
            )
        check_choice("init", self.init, INIT_NAMES)
        if not isinstance(self.legacy_rng, bool):
            raise TypeError(f"legacy_rng must be True or False, got {self.legacy_rng!r}.")
        object.__setattr__(self, "l2", check_positive("l2", self.l2, allow_zero=True))
        object.__setattr__(self, "dtype", str(check_dtype(self.dtype)))
        keep = check_keep_prob(self.keep_prob, len(layers))
        # One value stays one; a list of 1s (no dropout, however written) is stored as 1.
        one = not isinstance(self.keep_prob, list | tuple) or all(p == 1 for p in keep)
        object.__setattr__(self, "keep_prob", float(keep[0] if keep else 1) if one else keep)
        # Checked (and its library imported) now, before any data is read; NumPy's forms
        # ("cpu", "numpy") are stored as None, so a spec says NumPy one way.
        xp, where = resolve_device(self.device)
        check_dtype_on(xp, where, np.dtype(self.dtype), self.device)
        object.__setattr__(self, "device", None if xp is np else self.device)


@dataclass(frozen=True)
class FitSpec:
    """How a run fits: ``optimizer`` and ``learning_rate`` (None: the optimizer's default),
    ``epochs``, ``batch_size`` (None: the full batch), ``early_stopping`` the patience in epochs
    (None: 10 with a dev set, else off; 0: off)."""

    optimizer: str = "adam"
    learning_rate: float | None = None
    epochs: int = 100
    batch_size: int | None = 32
    early_stopping: int | None = None

    def __post_init__(self) -> None:
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        if self.learning_rate is not None:
            value = check_positive("learning_rate", self.learning_rate)
            object.__setattr__(self, "learning_rate", value)
        check_int("epochs", self.epochs)
        if self.batch_size is not None:
            check_int("batch_size", self.batch_size)
        if self.early_stopping is not None:
            check_int("early_stopping", self.early_stopping, minimum=0)

    @property
    def alpha(self) -> float:
        """The learning rate used: the given one or the optimizer's default."""
        return self.learning_rate or DEFAULT_LEARNING_RATE[self.optimizer]

    def patience(self, has_dev: bool) -> int:
        """Epochs without a better monitored cost before stopping (0: no early stopping)."""
        if self.early_stopping is None:
            return 10 if has_dev else 0
        return self.early_stopping


@dataclass(frozen=True)
class RunSpec:
    """One run: ``data``, ``network``, ``fit`` and the ``seed`` of its splits, initial weights
    and shuffles (None: 1 for the course's init, whose notebooks seed 1, else 0)."""

    data: DataSpec
    network: NetworkSpec = field(default_factory=NetworkSpec)
    fit: FitSpec = field(default_factory=FitSpec)
    seed: int | None = None

    def __post_init__(self) -> None:
        for name, kind in (("data", DataSpec), ("network", NetworkSpec), ("fit", FitSpec)):
            if not isinstance(getattr(self, name), kind):
                got = getattr(self, name)
                raise TypeError(f"{name} must be a {kind.__name__}, got {type(got).__name__}.")
        if self.seed is not None:
            check_int("seed", self.seed, minimum=0)

    @property
    def resolved_seed(self) -> int:
        """The seed used: ``seed``, or 1 for the course's init, or 0."""
        if self.seed is not None:
            return self.seed
        return 1 if self.network.init == "course" else 0

    def to_dict(self) -> dict[str, Any]:
        """The spec as JSON-safe nested dicts (tuples become lists)."""
        return {
            "data": _plain(self.data),
            "network": _plain(self.network, {"keep_prob": 1.0, "device": None}),
            "fit": _plain(self.fit),
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, value: Any) -> RunSpec:
        """The spec ``to_dict`` wrote; unknown or missing keys are refused with a message."""
        parts = _keys(value, "spec", {"data", "network", "fit", "seed"}, required={"data"})
        records = {
            name: kind(**_keys(parts[name], name, _field_names(kind), required=req))
            for name, kind, req in (
                ("data", DataSpec, {"source"}),
                ("network", NetworkSpec, set()),
                ("fit", FitSpec, set()),
            )
            if name in parts
        }
        return cls(**records, seed=parts.get("seed"))


def _plain(record: Any, optional: dict[str, Any] | None = None) -> dict[str, Any]:
    """The record's fields as JSON-ready values; those of ``optional`` at their default left
    out (fields added later: the specs written before them stay as they were)."""
    optional = optional or {}
    return {
        f.name: list(v) if isinstance(v := getattr(record, f.name), tuple) else v
        for f in fields(record)
        if f.name not in optional or getattr(record, f.name) != optional[f.name]
    }


def _field_names(kind: type) -> set[str]:
    return {f.name for f in fields(kind)}


def _keys(value: Any, name: str, known: set[str], required: set[str]) -> dict[str, Any]:
    """``value`` as a dict holding only ``known`` keys and every ``required`` one."""
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a mapping, got {type(value).__name__}.")
    unknown = sorted(map(str, set(value) - known))
    if unknown:
        raise ValueError(
            f"{name} holds unknown keys {unknown}. Hint: its keys are {', '.join(sorted(known))}."
        )
    missing = sorted(required - set(value))
    if missing:
        raise ValueError(f"{name} must hold {', '.join(missing)}, got keys {sorted(value)}.")
    return value
