"""Hyperparameter sweeps on Optuna, from one process to many machines.

>>> from layerwise.sweep import sweep
>>> result = sweep("digits", trials=20, out="runs/sweep-digits")   # doctest: +SKIP
>>> result.best_settings, result.model_path                        # doctest: +SKIP

The study lives in ``out/study.db`` (SQLite) by default; ``storage="postgresql://..."`` lets any
number of machines run the same call and share it. Needs ``pip install 'layerwise[sweep]'``
(Optuna, a PostgreSQL driver, matplotlib, PyYAML); importing this package does not import them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..spec import DataSpec, NetworkSpec, Prepared, RunSpec, prepare

__all__ = [
    "TEST_FRACTION",
    "SweepOptions",
    "default_study_name",
    "held_out",
    "show",
    "sweep",
    "sweep_spec",
]


def _need_optuna() -> None:
    try:
        import optuna  # noqa: F401
    except ImportError as err:
        raise ImportError("sweeps need Optuna: pip install 'layerwise[sweep]'.") from err


def default_study_name(data: str | Path) -> str:
    """The study of a data set unless named: the file's stem or the bundled name."""
    return Path(str(data)).stem or "sweep"


@dataclass(frozen=True)
class SweepOptions:
    """How a sweep searches, apart from the run it varies.

    Parameters
    ----------
    trials : int
        The study's total of finished (complete or pruned) trials, shared by every worker.
    space : path or dict, optional
        Settings over the default space (see :mod:`layerwise.sweep.space`).
    storage : str, optional
        ``postgresql://USER:PASSWORD@HOST:PORT/DB`` for many machines; default
        ``sqlite:///<out>/study.db``.
    study : str, optional
        Study name (default: the data's name). Workers with the same storage and study share it.
    workers : int
        Local worker processes (1: this process, reproducible with ``seed``). They are spawned
        processes: a script calling ``sweep(..., workers=K)`` needs the
        ``if __name__ == "__main__":`` guard.
    metric : {"dev_accuracy", "dev_cost"}, optional
        Default dev_accuracy for classification, dev_cost otherwise.
    heartbeat, grace : int
        Seconds between a running trial's heartbeats, and of silence after which it is marked
        FAIL and retried (default 2 × heartbeat).
    timeout : float, optional
        Start no trial after this many seconds.
    out : path, optional
        The folder of the report, ``trials.csv``, plots and ``best/`` (default
        ``runs/sweep-<study>``).
    top : int
        Rows of the best-trials table.
    quiet : bool
        No line per trial.
    wording : callable
        How the data's notes are worded (the command line passes its translation of argument
        names into flags); as the library says them by default.
    """

    trials: int = 20
    space: str | Path | dict[str, Any] | None = None
    storage: str | None = None
    study: str | None = None
    workers: int = 1
    timeout: float | None = None
    metric: str | None = None
    out: str | Path | None = None
    heartbeat: int = 10
    grace: int | None = None
    top: int = 5
    quiet: bool = False
    wording: Callable[[str], str] = str

    def __post_init__(self) -> None:
        for name in ("trials", "workers", "heartbeat"):
            _count(name, getattr(self, name))
        if self.grace is not None and _count("grace", self.grace) <= self.heartbeat:
            raise ValueError(
                f"grace must be longer than heartbeat ({self.heartbeat} s), got {self.grace}. "
                "Hint: a trial is only failed after that many seconds without a heartbeat; "
                "2 × heartbeat works."
            )


def sweep(
    data: str | Path,
    *,
    trials: int = 20,
    space: str | Path | dict[str, Any] | None = None,
    storage: str | None = None,
    study: str | None = None,
    workers: int = 1,
    timeout: float | None = None,
    seed: int = 0,
    metric: str | None = None,
    out: str | Path | None = None,
    target: list[str] | str | None = None,
    drop: list[str] = (),
    task: str = "auto",
    dev_fraction: float = 0.2,
    test: str | Path | None = None,
    test_fraction: float | None = None,
    dtype: str = "float64",
    device: str | None = None,
    heartbeat: int = 10,
    grace: int | None = None,
    top: int = 5,
    quiet: bool = False,
):
    """Search hyperparameters for ``data`` until the study holds ``trials`` finished trials.

    ``data`` (a bundled data set such as ``"digits"``, or a file), ``target``, ``drop``,
    ``task``, ``dev_fraction``, ``test``, ``test_fraction``, ``dtype``, ``device`` (where the
    trials train) and ``seed`` make the run's :class:`layerwise.spec.RunSpec`, read and split
    as ``layerwise train`` does (same seed, same train/dev/test rows), except that without
    ``test`` or ``test_fraction`` a sweep holds out 0.2 of any data, files too, as its test
    set; the rest are :class:`SweepOptions`. See :func:`sweep_spec`.

    Returns
    -------
    Results
        ``study``, ``best_trial``, ``best_value`` (the dev score that chose it),
        ``best_settings``, ``model_path`` (``out/best/model.npz``), ``reported`` (the best
        model's score on the test rows, which chose nothing, and which rows those are),
        ``text`` (the report) and ``files``.
    """
    options = SweepOptions(
        trials, space, storage, study, workers, timeout, metric, out, heartbeat, grace, top, quiet
    )
    targets = [target] if isinstance(target, str) else target
    run = RunSpec(
        DataSpec(
            str(data),
            target=None if targets is None else tuple(targets),
            drop=tuple(drop),
            task=task,
            dev_fraction=dev_fraction,
            test=None if test is None else str(test),
            test_fraction=test_fraction,
        ),
        NetworkSpec(dtype=dtype, device=device),
        seed=seed,
    )
    return sweep_spec(run, options)


def sweep_spec(spec: RunSpec, options: SweepOptions):
    """Search hyperparameters for the run ``spec`` (its data, dtype and seed; the trials draw
    its network and fit), as ``options`` say; see :func:`sweep`.

    The dev set chooses (early stopping, pruning, the best trial); the test set (``test``, or
    ``test_fraction`` of the rows: :data:`TEST_FRACTION` unless given) only scores the best
    trial's model once, so that the reported score is not the one that chose it.
    """
    _need_optuna()
    spec = held_out(spec)
    from .results import write_results
    from .runner import Settings, quiet_optuna
    from .storage import check_url, default_url, opened

    space = _space(options.space)
    name = options.study or default_study_name(spec.data.source)
    out = Path(options.out) if options.out is not None else Path("runs") / f"sweep-{name}"
    url = default_url(out) if options.storage is None else options.storage
    check_url(url)  # a malformed URL fails before the data are read
    settings = Settings(
        spec,
        options.trials,
        url,
        name,
        space,
        metric="",  # known once the data are read: it depends on the task
        timeout=options.timeout,
        heartbeat=options.heartbeat,
        grace=options.grace,
        quiet=options.quiet,
    )
    prepared = settings.prepared()
    for note in prepared.notes:
        print(f"note: {options.wording(note)}", file=sys.stderr)
    settings.metric = _metric(options.metric, prepared.pre.task)
    _run_workers(settings, prepared, options.workers)
    with quiet_optuna(), opened(url, options.heartbeat, options.grace) as store:
        return write_results(_load(name, store), out, prepared, options.top)


#: The share of any data (files too) a sweep holds out as its test set unless told otherwise.
TEST_FRACTION = 0.2


def held_out(spec: RunSpec) -> RunSpec:
    """``spec`` with a test set: :data:`TEST_FRACTION` of the rows unless its data name a test
    file or a test fraction (0 included: then the reported score is the dev score)."""
    data = spec.data
    if data.test is not None or data.test_fraction is not None:
        return spec
    return replace(spec, data=replace(data, test_fraction=TEST_FRACTION))


def _space(space: str | Path | dict[str, Any] | None) -> dict[str, Any]:
    """The default space with ``space`` (a file or a dict) over it, checked."""
    from .space import DEFAULT_SPACE, load_space, parse_space

    if isinstance(space, dict):
        parse_space(space)
        return DEFAULT_SPACE | space
    return load_space(space)


def _run_workers(settings, prepared: Prepared, workers: int) -> None:
    """Open (or join) the study, then run its trials in this process or ``workers`` spawned
    ones."""
    from .runner import open_study, quiet_optuna, run_local_workers, work
    from .storage import opened

    with quiet_optuna(), opened(settings.storage, settings.heartbeat, settings.grace) as store:
        # storage and data errors once, here, before any worker starts
        open_study(settings, prepared, store)
    if workers == 1:
        work(settings, prepared)
        return
    codes = run_local_workers(settings, workers)
    for i, code in enumerate(codes):
        if code and code < 0 and not settings.quiet:
            print(
                f"note: worker {i + 1} was stopped by signal {-code}; a trial it was "
                "running is marked FAIL after the grace period and re-run",
                flush=True,
            )
    if all(code != 0 for code in codes):
        raise ValueError(
            f"every worker stopped before the study was done (exit codes {codes}); see "
            "their messages above. Hint: from Python, call sweep(..., workers=K) under "
            "if __name__ == '__main__': (workers are spawned processes)."
        )


def _load(name: str, storage):
    """The study ``name`` of ``storage``."""
    import optuna

    return optuna.load_study(study_name=name, storage=storage)


def show(
    storage: str | None = None,
    study: str | None = None,
    *,
    data: str | Path | None = None,
    out: str | Path | None = None,
    top: int = 5,
):
    """Report on an existing study (table, ``trials.csv``, plots) and retrain its best trial
    into ``out/best/model.npz`` from the data the study recorded (or ``data``)."""
    _need_optuna()
    import optuna

    from .results import write_results
    from .runner import quiet_optuna
    from .storage import check_url, default_url, opened

    if storage is None:
        if out is None:
            raise ValueError("--show needs --storage URL, or --out DIR holding a study.db.")
        storage = default_url(out)
        if not (Path(out) / "study.db").exists():
            raise ValueError(f"no study.db in --out {out}. Hint: pass --storage URL.")
    shown = check_url(storage)
    with quiet_optuna(), opened(storage) as store:
        names = [s.study_name for s in optuna.get_all_study_summaries(store)]
        if study is None and len(names) == 1:
            study = names[0]
        if study not in names:
            raise ValueError(
                f"no study {study!r} in {shown}; it holds: {', '.join(names) or 'none'}. "
                "Hint: pass --study NAME."
            )
        loaded = optuna.load_study(study_name=study, storage=store)
        prepared = _prepare_setup(loaded, storage, data)
        out = Path(out) if out is not None else Path("runs") / f"sweep-{study}"
        return write_results(loaded, out, prepared, top)


def _prepare_setup(study, storage: str, data: str | Path | None) -> Prepared | None:
    """The data of ``study`` as its setup recorded them (read from ``data`` if given), checked
    against the setup; None when the recorded file is gone and no ``data`` is given."""
    from .runner import Settings, check_same_setup, setup_of

    setup = study.user_attrs.get("setup")
    if setup is None:
        raise ValueError(f"study {study.study_name!r} was not made by layerwise sweep (no setup).")
    source = str(data) if data is not None else setup["data"]
    target = setup["target"]
    spec = RunSpec(
        DataSpec(
            source,
            target=None if target is None else tuple(target),
            drop=tuple(setup["drop"] or ()),
            sep=setup.get("sep"),
            task=setup["task"],
            dev_fraction=setup["dev_fraction"],
            test=setup.get("test"),  # (a study of 0.1.0 has none)
            test_fraction=setup["test_fraction"],
            missing=setup.get("missing", "impute"),  # a study before these options: no gaps
            unseen=setup.get("unseen", "ignore"),
            min_frequency=setup.get("min_frequency"),
        ),
        NetworkSpec(dtype=setup["dtype"]),
        seed=setup["seed"],
    )
    try:
        prepared = prepare(spec)
    except FileNotFoundError:
        if data is None:
            return None
        raise
    settings = Settings(spec, 1, storage, study.study_name, {}, setup["metric"])
    check_same_setup(study.study_name, setup, setup_of(settings, prepared), source)
    return prepared


def _metric(metric: str | None, task: str) -> str:
    from .objective import METRICS

    classifier = task in ("binary", "multiclass", "multilabel")
    if metric is None:
        return "dev_accuracy" if classifier else "dev_cost"
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}.")
    if metric == "dev_accuracy" and not classifier:
        raise ValueError(
            f"metric dev_accuracy needs a classification task, but the task is {task}. "
            "Hint: --metric dev_cost."
        )
    return metric


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")
    return value
