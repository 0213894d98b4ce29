"""Every message the page sends, checked before it reaches the session.

A message is one JSON object of at most ``MAX_MESSAGE_CHARS`` characters:

- ``{"type": "play" | "pause" | "step" | "reset"}``
- ``{"type": "config", "config": {key: value, ...}}`` with the keys of :class:`Config`, each in
  its range (``LIMITS``); a partial config changes only the keys it names.

:func:`parse` returns a :class:`Command` or raises :class:`MessageError`, whose text is shown on
the page as it is: it names the field, the rule and what was received.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..activations import HIDDEN_ACTIVATIONS
from ..initializers import INITIALIZERS
from ..optimizers import OPTIMIZERS as OPTIMIZER_TABLE
from .datasets import DATASETS

MAX_MESSAGE_CHARS = 16_384
#: The longest integer a message may spell out; every setting's limit has at most 10 digits.
#: A longer one is kept as its digit count (:class:`LongInteger`), so that no field accepts
#: it and the field's own message refuses it; Python refuses to convert an integer string of
#: more than 4,300 digits, and an integer beyond float's range cannot be compared as a float.
MAX_INTEGER_DIGITS = 30
# The page offers the core's tables whole: every hidden activation (softmax is output-only),
# init and optimizer. A new entry in a table shows up on the page with no change here.
ACTIVATIONS = HIDDEN_ACTIVATIONS
INITS = tuple(INITIALIZERS)
OPTIMIZERS = tuple(OPTIMIZER_TABLE)
COMMANDS = ("config", "play", "pause", "step", "reset")
#: Every number the page may set, (low, high), both included; the page's sliders and boxes
#: take their ranges from here (the server's hello message sends this table).
LIMITS = {
    "noise": (0.0, 1.0),
    "dev_fraction": (0.0, 0.5),
    "examples": (50, 2000),
    "layers": (0, 6),  # hidden layers
    "units": (1, 256),  # per hidden layer
    "learning_rate": (1e-6, 10.0),
    "l2": (0.0, 10.0),
    "keep_prob": (0.05, 1.0),  # dropout's probability of keeping a hidden unit; 1: no dropout
    "seed": (0, 2**32 - 1),
    "batch_size": (1, 2000),
    "speed": (1, 1000),
    "max_epochs": (1, 10_000_000),
}
#: Tabs open at once, by default (``layerwise playground --max-sessions``): each playing tab
#: keeps a core busy, and a tab over the cap is told so on its page.
MAX_SESSIONS = 8
MAX_HIDDEN_LAYERS = LIMITS["layers"][1]
MAX_UNITS = LIMITS["units"][1]
#: The sliders' steps: each divides its range, so both ends of ``LIMITS`` can be reached.
STEPS = {"noise": 0.05, "dev_fraction": 0.05, "keep_prob": 0.05, "examples": 50, "seed": 1}
#: The values the page's menus offer for settings that take any number in their range
#: (besides the word that means "none": the full batch, as many epochs as fit in a frame,
#: no limit on the epochs).
PRESETS: dict[str, tuple[str | int, ...]] = {
    "batch_size": ("full", 256, 64, 32, 16, 8, 1),
    "speed": ("auto", 1, 10, 100),
    "max_epochs": (1000, 10_000, 100_000, 1_000_000, "none"),
}
#: How the page shows a value, where the value itself does not read well; the others are
#: shown as they are, so a new table entry needs no label.
LABELS: dict[str, dict[str, str]] = {
    "init": {"small_random": "×0.01 (small random)", "xavier": "Xavier", "he": "He"},
    "optimizer": {"gd": "gradient descent", "rmsprop": "RMSProp", "adam": "Adam"},
    "batch_size": {"full": "full batch", "1": "1 (stochastic)"},
    "max_epochs": {"none": "no limit"},
}


class MessageError(ValueError):
    """A message from the page broke a rule; the text says which and what to send instead."""


@dataclass(frozen=True)
class Config:
    """What the page controls. Defaults: the course's planar model (4 tanh units, α = 1.2)."""

    dataset: str = "flower"
    noise: float = 0.0
    dev_fraction: float = 0.2
    examples: int = 400
    layers: tuple[int, ...] = (4,)
    activation: tuple[str, ...] = ("tanh",)  # one per hidden layer
    init: str = "small_random"
    optimizer: str = "gd"
    learning_rate: float = 1.2
    batch_size: int | None = None  # None: the full batch
    l2: float = 0.0
    keep_prob: float = 1.0  # every hidden layer's; 1 keeps every unit (no dropout)
    seed: int = 1
    speed: int | None = None  # epochs per update; None: as many as fit in the time budget
    max_epochs: int | None = 10_000  # training stops there (the course's 10,000); None: never

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, in the page's terms: ``"full"`` and ``"auto"`` for the None settings."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["layers"] = list(self.layers)
        out["activation"] = list(self.activation)
        out["batch_size"] = "full" if self.batch_size is None else self.batch_size
        out["speed"] = "auto" if self.speed is None else self.speed
        out["max_epochs"] = "none" if self.max_epochs is None else self.max_epochs
        return out

    def merged(self, changes: dict[str, Any]) -> Config:
        """A new Config with ``changes`` (already checked) applied; one activation name, or a
        list of another length, is fitted to the number of hidden layers."""
        new = replace(self, **changes)
        acts = new.activation
        if len(acts) != len(new.layers):
            fill = acts[-1] if acts else "tanh"
            acts = (acts + (fill,) * len(new.layers))[: len(new.layers)]
            new = replace(new, activation=acts)
        return new


@dataclass(frozen=True)
class Command:
    """A checked message: ``kind`` is one of ``COMMANDS``; ``changes`` only for ``config``."""

    kind: str
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LongInteger:
    """An integer of more than ``MAX_INTEGER_DIGITS`` digits in a message, never converted:
    no setting takes it, and messages show it as its length."""

    digits: int

    def __str__(self) -> str:
        return f"an integer of {self.digits} digits"


def _integer(text: str) -> int | LongInteger:
    """``json.loads``' reading of an integer: short ones as ``int``, long ones by length."""
    digits = len(text.lstrip("-"))
    return int(text) if digits <= MAX_INTEGER_DIGITS else LongInteger(digits)


def _shown(value: Any) -> str:
    if isinstance(value, LongInteger):
        return str(value)
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(name: str, value: Any, *, integer: bool = False) -> float | int:
    low, high = LIMITS[name]
    kind = "an integer" if integer else "a number"
    ok_type = isinstance(value, int) if integer else isinstance(value, int | float)
    # An int is finite whatever its size (math.isfinite(10**400) raises OverflowError).
    finite = ok_type and (isinstance(value, int) or math.isfinite(value))
    if isinstance(value, bool) or not finite:
        raise MessageError(f"{name} must be {kind} from {low} to {high}, got {_shown(value)}.")
    if not low <= value <= high:
        raise MessageError(
            f"{name} must be from {low} to {high}, got {_shown(value)}. "
            f"Hint: {'lower' if value > high else 'raise'} it."
        )
    return value if integer else float(value)


def _choice(name: str, value: Any, options: tuple[str, ...] | list[str]) -> str:
    if not isinstance(value, str) or value not in options:
        raise MessageError(f"{name} must be one of {', '.join(options)}; got {_shown(value)}.")
    return value


def _layers(value: Any) -> tuple[int, ...]:
    """``"8,4"``, ``"4"``, ``""`` (no hidden layer) or a list of ints."""
    low, high = LIMITS["units"]
    rule = (
        f"layers must list up to {MAX_HIDDEN_LAYERS} hidden layer sizes from {low} to {high}, "
        f'like "8,4" (empty: logistic regression)'
    )
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")] if value.strip() else []
        if len(value) > 100 or not all(p.isascii() and p.isdigit() for p in parts):
            raise MessageError(f"{rule}; got {_shown(value)}.")
        value = [int(p) for p in parts]
    if not isinstance(value, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) for n in value
    ):
        raise MessageError(f"{rule}; got {_shown(value)}.")
    if len(value) > MAX_HIDDEN_LAYERS or any(not low <= n <= high for n in value):
        raise MessageError(f"{rule}; got {_shown(value)}. Hint: use fewer or smaller layers.")
    return tuple(value)


def _activation(value: Any) -> tuple[str, ...]:
    if isinstance(value, list) and len(value) <= MAX_HIDDEN_LAYERS:
        return tuple(_choice("activation", a, ACTIVATIONS) for a in value)
    return (_choice("activation", value, ACTIVATIONS),)


def _or_word(word: str, name: str) -> Callable[[Any], int | None]:
    def check(value: Any) -> int | None:
        if value == word:
            return None
        low, high = LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise MessageError(
                f'{name} must be "{word}" or an integer from {low} to {high}, got {_shown(value)}.'
            )
        return value

    return check


FIELDS: dict[str, Callable[[Any], Any]] = {
    "dataset": lambda v: _choice("dataset", v, list(DATASETS)),
    "noise": lambda v: _number("noise", v),
    "dev_fraction": lambda v: _number("dev_fraction", v),
    "examples": lambda v: _number("examples", v, integer=True),
    "layers": _layers,
    "activation": _activation,
    "init": lambda v: _choice("init", v, INITS),
    "optimizer": lambda v: _choice("optimizer", v, OPTIMIZERS),
    "learning_rate": lambda v: _number("learning_rate", v),
    "batch_size": _or_word("full", "batch_size"),
    "l2": lambda v: _number("l2", v),
    "keep_prob": lambda v: _number("keep_prob", v),
    "seed": lambda v: _number("seed", v, integer=True),
    "speed": _or_word("auto", "speed"),
    "max_epochs": _or_word("none", "max_epochs"),
}


def _no_constants(name: str) -> None:
    raise MessageError(f"numbers must be finite; got {name}.")


def parse(text: Any) -> Command:
    """Check one message from the page (the raw WebSocket text) and return its Command."""
    if not isinstance(text, str):
        raise MessageError("messages must be JSON text, got binary data.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise MessageError(
            f"a message must be at most {MAX_MESSAGE_CHARS} characters, got {len(text)}."
        )
    try:
        message = json.loads(text, parse_constant=_no_constants, parse_int=_integer)
    except (json.JSONDecodeError, RecursionError) as err:
        raise MessageError(
            f"a message must be one JSON object; could not parse it ({err})."
        ) from None
    if not isinstance(message, dict):
        raise MessageError(f"a message must be a JSON object, got {type(message).__name__}.")
    kind = _choice("type", message.get("type"), COMMANDS)
    allowed = {"type", "config"} if kind == "config" else {"type"}
    extra = sorted(set(message) - allowed)
    if extra:
        raise MessageError(f"unknown field(s) {', '.join(map(repr, extra))} in a {kind} message.")
    if kind != "config":
        return Command(kind)
    changes = message.get("config")
    if not isinstance(changes, dict) or not changes:
        raise MessageError('a config message needs "config": an object of settings to change.')
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise MessageError(
            f"unknown setting(s) {', '.join(map(repr, unknown))}; valid: {', '.join(FIELDS)}."
        )
    return Command(kind, {key: FIELDS[key](value) for key, value in changes.items()})
