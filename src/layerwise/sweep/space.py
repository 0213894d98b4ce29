"""The search space: what each trial may try, checked before any trial runs.

A space maps a setting to either a fixed value or a range to search::

    learning_rate: {low: 0.0001, high: 0.1, log: true}   # float range (log scale)
    n_layers: {low: 1, high: 3}                          # int range
    units: {low: 16, high: 128, log: true}               # width of each hidden layer
    hidden: {choices: [relu, tanh]}                      # categorical
    epochs: 50                                           # fixed

``units`` is drawn once per hidden layer (``units_1``, ``units_2``, ...), so a trial with
``n_layers = 2`` has the widths ``[units_1, units_2]``. A ``--space`` file (JSON or YAML)
overrides the default setting by setting; settings it leaves out keep their default.
"""

from __future__ import annotations

import contextlib
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..activations import HIDDEN_ACTIVATIONS
from ..initializers import INITIALIZERS
from ..optimizers import OPTIMIZERS
from ..spec import RunSpec

# The names a setting may take are the core's tables ("auto": the init the network picks
# from its activations). The default space below searches a subset of them on purpose.
HIDDEN = HIDDEN_ACTIVATIONS
INITS = ("auto", *INITIALIZERS)

DEFAULT_SPACE: dict[str, Any] = {
    "learning_rate": {"low": 1e-4, "high": 3e-2, "log": True},
    "n_layers": {"low": 1, "high": 3},
    "units": {"low": 16, "high": 128, "log": True},
    "hidden": {"choices": ["relu", "tanh", "leaky_relu"]},
    "init": {"choices": ["he", "xavier"]},
    "optimizer": {"choices": ["adam", "rmsprop", "momentum"]},
    "batch_size": {"choices": [16, 32, 64, 128]},
    "l2": {"low": 1e-5, "high": 1.0, "log": True},
    "dropout": 0.0,  # searched when a space file asks, e.g. dropout: {low: 0, high: 0.5}
    "epochs": 60,
    "patience": 8,
}

# setting -> (kind, smallest value, description of the rule)
RULES: dict[str, tuple[str, float, str]] = {
    "learning_rate": ("float", 0.0, "a number > 0"),
    "n_layers": ("int", 0, "an integer >= 0 (0: no hidden layer)"),
    "units": ("int", 1, "an integer >= 1"),
    "hidden": ("name", 0, f"one of {', '.join(HIDDEN)}"),
    "init": ("name", 0, f"one of {', '.join(INITS)}"),
    "optimizer": ("name", 0, f"one of {', '.join(OPTIMIZERS)}"),
    "batch_size": ("batch", 1, "an integer >= 1 or 'full'"),
    "l2": ("float", 0.0, "a number >= 0"),
    "dropout": ("float", 0.0, "a probability of dropping a hidden unit, >= 0 and < 1"),
    "epochs": ("int", 1, "an integer >= 1"),
    "patience": ("int", 0, "an integer >= 0 (0: no early stopping)"),
}
NAMES = {"hidden": HIDDEN, "init": INITS, "optimizer": tuple(OPTIMIZERS)}


@dataclass(frozen=True)
class Param:
    """One setting of the space: ``fixed`` (value), ``int``/``float`` (low, high, log) or
    ``categorical`` (choices)."""

    name: str
    kind: str
    value: Any = None
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple = ()


def load_space(path: str | Path | None) -> dict[str, Any]:
    """The default space, with the settings of the JSON/YAML file ``path`` put over it."""
    space = dict(DEFAULT_SPACE)
    if path is None:
        return space
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(
            f"--space {path} cannot be read: {err}. Hint: pass a JSON or YAML file."
        ) from None
    try:
        if path.suffix.lower() == ".json":
            spec = json.loads(text)
        else:
            import yaml

            spec = yaml.safe_load(text)
    except ImportError as err:
        raise ImportError("YAML space files need pyyaml: pip install 'layerwise[sweep]'.") from err
    except Exception as err:  # json.JSONDecodeError, yaml.YAMLError
        where = " ".join(str(err).split())
        raise ValueError(f"--space {path} is not valid JSON/YAML: {where}") from None
    if not isinstance(spec, dict):
        raise ValueError(
            f"--space {path} must hold a mapping of settings (e.g. 'epochs: 30'), got "
            f"{type(spec).__name__}. Hint: settings are {', '.join(RULES)}."
        )
    parse_space(spec, where=f"--space {path}")  # check before merging: name the file
    return space | spec


def parse_space(spec: dict[str, Any], where: str = "space") -> dict[str, Param]:
    """Check ``spec`` (see the module docstring) and return one :class:`Param` per setting."""
    if not isinstance(spec, dict):
        raise ValueError(f"{where} must be a mapping of settings, got {type(spec).__name__}.")
    params = {}
    for name, entry in spec.items():
        if name not in RULES:
            raise ValueError(
                f"{where}: unknown setting {name!r}. Hint: settings are {', '.join(RULES)}."
            )
        params[name] = _param(name, entry, f"{where}: {name}")
    return params


def _param(name: str, entry: Any, where: str) -> Param:
    kind, _, rule = RULES[name]
    if not isinstance(entry, dict):
        return Param(name, "fixed", value=_value(name, entry, where))
    if "choices" in entry:
        choices = entry["choices"]
        extra = set(entry) - {"choices"}
        if extra or not isinstance(choices, list) or not choices:
            raise ValueError(
                f"{where} must be {{choices: [...]}} with a non-empty list and nothing else, "
                f"got {entry!r}."
            )
        return Param(name, "categorical", choices=tuple(_value(name, c, where) for c in choices))
    if kind not in ("int", "float") or set(entry) - {"low", "high", "log"} or "low" not in entry:
        hint = "{low: L, high: H, log: true}, {choices: [...]} or a value"
        if kind not in ("int", "float"):
            hint = "{choices: [...]} or a value"
        raise ValueError(f"{where} must be {hint}; got {entry!r}. Each value is {rule}.")
    low, high = (_value(name, entry.get(key), f"{where}.{key}") for key in ("low", "high"))
    log = entry.get("log", False)
    if not isinstance(log, bool):
        raise ValueError(f"{where}.log must be true or false, got {log!r}.")
    if not low < high:
        raise ValueError(
            f"{where}: low must be < high, got low={low}, high={high}. Hint: swap them, or give "
            "a single value to fix the setting."
        )
    if log and low <= 0:
        raise ValueError(f"{where}: a log range needs low > 0, got low={low}. Hint: log: false.")
    return Param(name, kind, low=low, high=high, log=log)


def _value(name: str, x: Any, where: str) -> Any:
    """One checked value of setting ``name``. YAML reads ``1e-4`` (no dot) as text: numbers
    written as text are accepted."""
    kind, smallest, rule = RULES[name]
    if kind == "name":
        if x not in NAMES[name]:
            raise ValueError(f"{where} must be {rule}; got {x!r}.")
        return x
    if kind == "batch" and x == "full":
        return x
    if isinstance(x, str) and kind == "float":
        with contextlib.suppress(ValueError):
            x = float(x)
    number = isinstance(x, int | float) and not isinstance(x, bool)
    whole = kind != "float" and isinstance(x, int) and not isinstance(x, bool)
    ok = (whole if kind != "float" else number) and math.isfinite(x) and x >= smallest
    if not ok or (name == "learning_rate" and x <= 0) or (name == "dropout" and x >= 1):
        raise ValueError(f"{where} must be {rule}; got {x!r}.")
    return float(x) if kind == "float" else x


def suggest(trial, params: dict[str, Param]) -> dict[str, Any]:
    """Draw one trial's settings: ``{"learning_rate", "layers" (list of widths), "hidden",
    "init", "optimizer", "batch_size" (int or None), "l2", "dropout", "epochs", "patience"}``."""

    def draw(name: str, key: str | None = None) -> Any:
        p, key = params[name], key or name
        if p.kind == "fixed":
            return p.value
        if p.kind == "categorical":
            return trial.suggest_categorical(key, list(p.choices))
        if p.kind == "int":
            return trial.suggest_int(key, p.low, p.high, log=p.log)
        return trial.suggest_float(key, p.low, p.high, log=p.log)

    n_layers = draw("n_layers")
    settings = {name: draw(name) for name in RULES if name not in ("n_layers", "units")}
    settings["layers"] = [draw("units", f"units_{l}") for l in range(1, n_layers + 1)]
    if settings["batch_size"] == "full":
        settings["batch_size"] = None
    return settings


def onto(base: RunSpec, settings: dict[str, Any]) -> RunSpec:
    """``base`` (the sweep's data, dtype and seed) with one trial's drawn ``settings`` (see
    :func:`suggest`) as its network and fit."""
    network = replace(
        base.network,
        layers=tuple(settings["layers"]),
        hidden=(settings["hidden"],),
        init=settings["init"],
        legacy_rng=False,
        l2=settings["l2"],
        keep_prob=1.0 - settings["dropout"],  # the CLI's --dropout rate, as keep_prob
    )
    fit = replace(
        base.fit,
        optimizer=settings["optimizer"],
        learning_rate=settings["learning_rate"],
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        early_stopping=settings["patience"],
    )
    return replace(base, network=network, fit=fit)
