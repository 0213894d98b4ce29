"""Checkpoints: an interrupted ``fit`` resumed bit for bit.

``fit(net, X, Y, ..., checkpoint="run.ckpt.npz")`` writes one file every ``checkpoint_every``
epochs and after the last one; ``fit(..., checkpoint=PATH, resume=True)`` (the same call, run
again) restores it and continues, so the run ends with exactly the parameters and History of a
run that was never interrupted. The file holds everything the rest of the run depends on:

- θ (``theta``), the optimizer's step count and moments (``opt.v``, ``opt.s``);
- the exact state of the shuffle's bit generator (and of dropout's, ``dropout_rng``, after the
  last step run), the epochs done, the History so far;
- the callbacks' state (EarlyStopping: best value, best epoch, wait, best θ; a custom
  callback may offer ``checkpoint_state() -> dict`` and ``restore_state(dict)``);
- a fingerprint of the data (SHA-256 of X, Y, weights, dev set), of the settings and of any
  custom code (:mod:`.code`), so that a resume with other data, settings or code of the same
  names is refused instead of silently giving another run;
- ``extra``: what a caller adds (the CLI: its settings, the splits, the preprocessing).

The format is the model file's (see :mod:`layerwise.persistence.archive`): a zip of ``.npy``
members plus ``header.json``, no pickle, written atomically (a crash leaves the old file or the
new one). ``load_checkpoint`` checks every member's name, storage, ``.npy`` header and size
against the header before anything is allocated, then the contents against the network.

Signals: inside :func:`graceful_stop` (the CLI uses it), the first SIGINT/SIGTERM lets the
current step finish, a checkpoint holding the unfinished epoch (:mod:`.epoch`) is written and
:class:`TrainingInterrupted` is raised; a second signal stops at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import reprlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import is_number
from .._version import __version__
from ..callbacks import History
from ..optimizers import OPTIMIZERS, Optimizer
from ..parameters import n_parameters
from ..persistence import CHECKPOINT, read_archive, write_archive
from .callbacks import callback_settings, callback_state, restore_callback, stateful
from .code import custom_code
from .epoch import epoch_entry, restore_epoch
from .settings import put_back, saved_settings
from .signals import STOP, TrainingInterrupted
from .streams import rng_state, set_rng_state

if TYPE_CHECKING:
    from ..network import Network

Array = np.ndarray
FORMAT = CHECKPOINT.name
FORMAT_VERSION = CHECKPOINT.version
FILE_NAME = "checkpoint.npz"  # inside a folder given as the checkpoint path
SLOTS = {"gd": (), "momentum": ("v",), "rmsprop": ("s",), "adam": ("v", "s")}


class CheckpointPath(os.PathLike):
    """A checkpoint path that carries ``extra``: JSON-ready facts the writer stores with the
    run (the CLI: its settings, splits and preprocessing); pass it as ``fit(checkpoint=...)``."""

    def __init__(self, path: str | Path, extra: dict[str, Any]) -> None:
        self.path, self.extra = Path(path), dict(extra)

    def __fspath__(self) -> str:
        return os.fspath(self.path)


def checkpoint_file(path: str | Path) -> Path:
    """The file a checkpoint path names: the path itself, or ``checkpoint.npz`` in a folder."""
    path = Path(path)
    return path / FILE_NAME if path.is_dir() else path


def _plain(x: Any) -> Any:
    """NumPy scalars as Python numbers, for JSON."""
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(f"cannot store {type(x).__name__} in a checkpoint header.")


class OtherRunError(ValueError):
    """A resume refused: the checkpoint at ``path`` is of a run with other ``differs`` (the
    fingerprint's keys: data, network, optimizer, ...)."""

    def __init__(self, path: Path, differs: list[str]) -> None:
        super().__init__(
            f"checkpoint {path} was written by a run with other {', '.join(differs)}; "
            "resume with the same data and settings, or pass resume=False (or delete the "
            "file) to start over."
        )
        self.path, self.differs = path, differs


def _bad(path: Path, problem: str) -> ValueError:
    return ValueError(f"{path} is not a valid layerwise checkpoint: {problem}.")


# ----- what a checkpoint holds ------------------------------------------------------------------
def digest(*arrays: Array | None) -> str:
    """SHA-256 of the arrays' shapes, dtypes and bytes (None counts as absent)."""
    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            h.update(b"none;")
            continue
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape};".encode())
        h.update(memoryview(a.reshape(-1)).cast("B"))
    return h.hexdigest()


def _history_dict(history: History) -> dict[str, Any]:
    return {
        "cost": history.cost,
        "dev_cost": history.dev_cost,
        "metrics": history.metrics,
        "epoch_seconds": history.epoch_seconds,
        "stopped_epoch": history.stopped_epoch,
        "best_epoch": history.best_epoch,
    }


def _history(value: Any, epochs_done: int) -> History:
    def curve(x: Any) -> list[float]:
        if not isinstance(x, list) or len(x) != epochs_done or not all(is_number(c) for c in x):
            raise ValueError(f"a History curve must list {epochs_done} finite numbers")
        return [float(c) for c in x]

    if not isinstance(value, dict) or not isinstance(value.get("metrics"), dict):
        raise ValueError("history must be an object with metrics")
    dev = value.get("dev_cost")
    stopped, best = value.get("stopped_epoch"), value.get("best_epoch")
    for name, e in (("stopped_epoch", stopped), ("best_epoch", best)):
        if e is not None and (type(e) is not int or not 0 <= e < max(epochs_done, 1)):
            raise ValueError(f"history.{name} must be an epoch number, got {e!r}")
    return History(
        cost=curve(value.get("cost")),
        dev_cost=curve(dev) if dev else [],
        metrics={str(k): curve(x) for k, x in value["metrics"].items()},
        epoch_seconds=curve(value.get("epoch_seconds")),
        stopped_epoch=stopped,
        best_epoch=best,
    )


def _fixed(config: Any) -> Any:
    """A network's config without λ, which a callback may change during the run."""
    return {k: v for k, v in config.items() if k != "l2"} if isinstance(config, dict) else config


def checked_contents(header: dict[str, Any], arrays: dict[str, Array]) -> tuple[History, int]:
    """The checkpoint's History and epochs done, once every field was checked against θ."""
    config = header.get("network")
    if not isinstance(config, dict):
        raise ValueError("network is missing")
    dims, dtype = config.get("layer_dims"), config.get("dtype")
    if (
        not isinstance(dims, list)
        or not 2 <= len(dims) <= 10_000
        or not all(type(n) is int and n >= 1 for n in dims)
        or dtype not in ("float32", "float64")
    ):
        raise ValueError(f"layer_dims {reprlib.repr(dims)} / dtype {dtype!r} are not valid")
    fingerprint = header.get("fingerprint")
    held = fingerprint.get("network", config) if isinstance(fingerprint, dict) else config
    if _fixed(held) != _fixed(config):
        raise ValueError(  # (a resume compares the fingerprint, then copies the arrays)
            f"its network {reprlib.repr(config)} is not the one its fingerprint holds, "
            f"{reprlib.repr(fingerprint.get('network'))}"
        )
    theta = arrays.get("theta")
    size = n_parameters(dims)
    if theta is None or theta.shape != (size,) or theta.dtype.name != dtype:
        raise ValueError(f"theta must be {dtype} of shape ({size},) for layer_dims {dims}")
    unfinished = isinstance(header.get("epoch"), dict)
    for name, a in arrays.items():
        known = name == "theta" or name.startswith(("opt.", "cb"))
        if not (known or (unfinished and name in ("epoch.order", "epoch.logits"))):
            raise ValueError(f"unexpected array {name!r}")
        if name.startswith(("opt.", "cb")) and (a.shape != theta.shape or a.dtype != theta.dtype):
            raise ValueError(f"{name} must have theta's shape and dtype")
    opt = header.get("optimizer")
    if not isinstance(opt, dict) or not isinstance(opt.get("config"), dict):
        raise ValueError("optimizer is missing")
    name = opt["config"].get("name")
    if name not in OPTIMIZERS or type(opt.get("t")) is not int or opt["t"] < 0:
        raise ValueError(f"optimizer {reprlib.repr(opt)} is not valid")
    saved_settings(header)  # α, β, ε and λ as they were at the save (a callback may change them)
    slots = {k[4:] for k in arrays if k.startswith("opt.")}
    if not slots <= set(SLOTS[name]):
        raise ValueError(f"{name} keeps {SLOTS[name]}, the checkpoint holds {sorted(slots)}")
    done = header.get("epochs_done")
    if type(done) is not int or done < 0:
        raise ValueError(f"epochs_done must be a count, got {done!r}")
    if not isinstance(header.get("callbacks"), list) or not isinstance(header.get("rng"), dict):
        raise ValueError("callbacks and rng are missing")
    if "keep_prob" in config and not isinstance(header.get("dropout_rng"), dict):
        raise ValueError("its network drops units, but the dropout generator's state is missing")
    for key in ("fingerprint", "extra"):
        if not isinstance(header.get(key), dict):
            raise ValueError(f"{key} must be an object")
    return _history(header.get("history"), done), done


# ----- used by fit ------------------------------------------------------------------------------
class Checkpointer:
    """What ``fit`` calls when it is given a checkpoint path: :meth:`restore` before the loop,
    :meth:`epoch_end` after every epoch, :meth:`stop_requested` after every step (the engine
    asks) and :meth:`interrupt` when a signal stopped an epoch after a step.

    ``data`` is what the run trains on: ``(X_rows, Y_rows, w_rows, dev arrays)``; ``settings``
    every other choice it depends on; both are fingerprinted.
    """

    def __init__(
        self,
        path: str | Path,
        every: int,
        resume: bool,
        *,
        net: Network,
        optimizer: Optimizer,
        rng: np.random.Generator | np.random.RandomState,
        callbacks: Sequence[Any],
        data: Sequence[Array | None],
        settings: dict[str, Any],
        seed: Any = None,
        engine: Any = None,
        dropout_rng: np.random.Generator | None = None,
    ) -> None:
        if type(every) is not int or every < 1:
            raise ValueError(
                f"checkpoint_every must be a positive int (epochs), got {every!r}. "
                "Hint: 1 writes a checkpoint after every epoch."
            )
        self.path = checkpoint_file(path)
        if not self.path.parent.is_dir():
            raise FileNotFoundError(
                f"checkpoint {self.path}: folder {self.path.parent} does not exist."
            )
        self.every, self.resume = every, bool(resume)
        self.net, self.opt, self.rng, self.engine = net, optimizer, rng, engine
        self.dropout_rng = dropout_rng  # the masks' stream; None without dropout
        self.callbacks = [cb for cb in callbacks if stateful(cb)]  # others are not kept
        self.extra = getattr(path, "extra", None) or {}
        self.fingerprint = {
            "data": digest(*data),
            "network": net.config(),
            "optimizer": optimizer.config(),
            "code": custom_code(net, optimizer),  # None for the library's: older files match
            "callbacks": [callback_settings(cb) for cb in self.callbacks],
            "seed": (  # fit's own seed: an int, or the network's stream (None), or a generator
                int(seed) if isinstance(seed, int | np.integer) else seed and type(seed).__name__
            ),
        } | settings
        self.fingerprint = json.loads(json.dumps(self.fingerprint, default=_plain))

    def restore(self, history: History, epochs: int) -> tuple[int, int, float]:
        """With ``resume`` and a checkpoint on disk: put θ, the optimizer, the shuffle stream,
        the History, the callbacks and an unfinished epoch where it left them; return the
        first epoch to run (``epochs`` when the run had finished or stopped early), the step
        to start it with and the seconds it had run. Otherwise ``(0, 0, 0.0)``."""
        if not self.resume:
            return 0, 0, 0.0
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):  # a killed writer's
            stale.unlink(missing_ok=True)
        if not self.path.exists():
            return 0, 0, 0.0
        header, ck_arrays = read_archive(self.path, CHECKPOINT)
        try:
            ck_history, done = checked_contents(header, ck_arrays)
        except (KeyError, TypeError, ValueError) as err:
            raise _bad(self.path, str(err).rstrip(".")) from err
        differs = [
            k for k in self.fingerprint if header["fingerprint"].get(k) != self.fingerprint[k]
        ]
        if differs:
            raise OtherRunError(self.path, differs)
        put_back(header, self.opt, self.net)  # α, β, ε, λ as a callback may have left them
        start, seconds = 0, 0.0
        if header.get("epoch") is not None:  # stopped inside epoch `done`
            if ck_history.stopped_epoch is not None:
                raise _bad(self.path, "a run that stopped early holds an unfinished epoch")
            if epochs <= done:
                raise ValueError(
                    f"checkpoint {self.path} stopped inside epoch {done}; resume with "
                    f"epochs > {done} (got {epochs}), or start over without resume."
                )
            try:
                start, seconds = restore_epoch(self.engine, header, ck_arrays)
            except (KeyError, TypeError, ValueError) as err:
                raise _bad(self.path, str(err).rstrip(".")) from err
        self.net.theta[...] = ck_arrays["theta"]
        opt = header["optimizer"]
        self.opt.t = opt["t"]
        slots = {k[4:]: ck_arrays[k].copy() for k in ck_arrays if k.startswith("opt.")}
        self.opt.state = {"theta": slots} if slots else {}
        set_rng_state(self.rng, header["rng"])
        if self.dropout_rng is not None:  # (its network, fingerprinted, has dropout: so has it)
            set_rng_state(self.dropout_rng, header["dropout_rng"])
        for i, (cb, state) in enumerate(zip(self.callbacks, header["callbacks"], strict=True)):
            if not isinstance(state, dict):
                raise ValueError(f"{self.path}: callback state {reprlib.repr(state)} is not valid.")
            prefix = f"cb{i}."
            arrays = {k[len(prefix) :]: v for k, v in ck_arrays.items() if k.startswith(prefix)}
            restore_callback(cb, state, arrays)
        vars(history).update(vars(ck_history))
        if history.stopped_epoch is not None:  # (never with an unfinished epoch: refused above)
            return max(epochs, done), 0, 0.0
        return done, start, seconds

    def stop_requested(self) -> bool:
        """Whether a signal asked training to stop (asked after every step)."""
        return STOP["signum"] is not None

    def interrupt(self, epoch: int, history: History, seconds: float) -> None:
        """The engine stopped epoch ``epoch`` after a step on a signal: write the checkpoint
        with the unfinished epoch, raise TrainingInterrupted."""
        k = self.engine.steps_done
        self.save(epoch, history, epoch_entry(self.engine, k, seconds))
        raise TrainingInterrupted(
            self.path, epoch, STOP["signum"] or 0, (k, len(self.engine.steps))
        )

    def epoch_end(self, epoch: int, history: History, last: bool) -> None:
        """After epoch ``epoch`` (0-based) and its callbacks: write every ``every`` epochs, at
        the ``last`` one and when a signal asked to stop (then raise TrainingInterrupted)."""
        done = epoch + 1
        saved = last or done % self.every == 0 or STOP["signum"] is not None
        if saved:
            self.save(done, history)
        signum = STOP["signum"]  # again: a signal may have come during the write
        if signum is not None and not last:
            if not saved:
                self.save(done, history)
            raise TrainingInterrupted(self.path, done, signum)

    def save(self, epochs_done: int, history: History, unfinished: tuple | None = None) -> Path:
        """Write the checkpoint after ``epochs_done`` epochs (and the ``unfinished`` epoch's
        entry and arrays from :func:`.epoch.epoch_entry`)."""
        arrays = {"theta": self.net.theta}
        for slot, a in self.opt.state.get("theta", {}).items():
            arrays[f"opt.{slot}"] = a
        states = []
        for i, cb in enumerate(self.callbacks):
            state, cb_arrays = callback_state(cb)
            states.append(state)
            arrays |= {f"cb{i}.{k}": v for k, v in cb_arrays.items()}
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "library_version": __version__,
            "network": self.net.config(),
            "epochs_done": epochs_done,
            "optimizer": {"config": self.opt.config(), "t": self.opt.t},
            "rng": rng_state(self.rng),
            "history": _history_dict(history),
            "callbacks": states,
            "fingerprint": self.fingerprint,
            "extra": self.extra,
        }
        if self.dropout_rng is not None:  # where the masks' stream is, after the last step
            header["dropout_rng"] = rng_state(self.dropout_rng)
        if unfinished is not None:
            header["epoch"], epoch_arrays = unfinished
            arrays |= epoch_arrays
        return write_archive(self.path, header, arrays, CHECKPOINT)
