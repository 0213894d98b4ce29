"""Hyperparameter sweeps on Optuna, from one process to many machines.

>>> from layerwise.sweep import sweep
>>> result = sweep("digits", trials=20, out="runs/sweep-digits")   # doctest: +SKIP
>>> result.best_settings, result.model_path                        # doctest: +SKIP

The study lives in ``out/study.db`` (SQLite) by default; ``storage="postgresql://..."`` lets any
number of machines run the same call and share it. Needs ``pip install 'layerwise[sweep]'``
(Optuna, a PostgreSQL driver, matplotlib, PyYAML); importing this package does not import them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["default_study_name", "show", "sweep"]


def _need_optuna() -> None:
    try:
        import optuna  # noqa: F401
    except ImportError as err:
        raise ImportError("sweeps need Optuna: pip install 'layerwise[sweep]'.") from err


def default_study_name(data: str | Path) -> str:
    """The study of a data set unless named: the file's stem or the bundled name."""
    return Path(str(data)).stem or "sweep"


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
    test_fraction: float | None = None,
    dtype: str = "float64",
    heartbeat: int = 10,
    grace: int | None = None,
    top: int = 5,
    quiet: bool = False,
):
    """Search hyperparameters for ``data`` until the study holds ``trials`` finished trials.

    Parameters
    ----------
    data : str or Path
        A bundled data set (``"digits"``) or a file, read and split as ``layerwise train``
        does (same seed, same train/dev/test rows).
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

    Returns
    -------
    Results
        ``study``, ``best_trial``, ``best_value``, ``best_settings``, ``model_path``
        (``out/best/model.npz``), ``text`` (the report) and ``files``.
    """
    _need_optuna()
    from .runner import Settings, run_local_workers, work
    from .space import load_space, parse_space

    trials, workers = _count("trials", trials), _count("workers", workers)
    heartbeat = _count("heartbeat", heartbeat)
    if grace is not None and _count("grace", grace) <= heartbeat:
        raise ValueError(
            f"grace must be longer than heartbeat ({heartbeat} s), got {grace}. Hint: a trial "
            "is only failed after that many seconds without a heartbeat; 2 × heartbeat works."
        )
    if isinstance(space, dict):
        from .space import DEFAULT_SPACE

        parse_space(space)
        spec = DEFAULT_SPACE | space
    else:
        spec = load_space(space)
    name = study or default_study_name(data)
    out = Path(out) if out is not None else Path("runs") / f"sweep-{name}"
    from .storage import check_url, default_url

    url = default_url(out) if storage is None else storage
    check_url(url)  # a malformed URL fails before the data are read
    prepared = _prepare(data, target, drop, task, seed, dev_fraction, test_fraction, dtype)
    settings = Settings(
        data=str(data),
        trials=trials,
        storage=url,
        study=name,
        space=spec,
        metric=_metric(metric, prepared.pre.task),
        target=[target] if isinstance(target, str) else target,
        drop=list(drop),
        task=task,
        seed=seed,
        dev_fraction=dev_fraction,
        test_fraction=test_fraction,
        dtype=dtype,
        timeout=timeout,
        heartbeat=heartbeat,
        grace=grace,
        quiet=quiet,
    )
    from .results import write_results
    from .runner import open_study, quiet_optuna
    from .storage import opened

    with quiet_optuna(), opened(url, heartbeat, grace) as store:
        # storage and data errors once, here, before any worker starts
        open_study(settings, prepared, store)
    if workers == 1:
        work(settings, prepared)
    else:
        codes = run_local_workers(settings, workers)
        for i, code in enumerate(codes):
            if code and code < 0 and not quiet:
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
    with quiet_optuna(), opened(url, heartbeat, grace) as store:
        study_ = _load(name, store)
        return write_results(study_, out, prepared, top)


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
    from .runner import check_same_setup, quiet_optuna
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
        setup = loaded.user_attrs.get("setup")
        if setup is None:
            raise ValueError(f"study {study!r} was not made by layerwise sweep (no setup).")
        source = str(data) if data is not None else setup["data"]
        prepared = _prepare(
            source,
            setup["target"],
            setup["drop"],
            setup["task"],
            setup["seed"],
            setup["dev_fraction"],
            setup["test_fraction"],
            setup["dtype"],
            missing_ok=data is None,
        )
        if prepared is not None:
            from .runner import Settings, setup_of

            mine = setup_of(Settings(source, 1, storage, study, {}, **_keys(setup)), prepared)
            check_same_setup(study, setup, mine, source)
        out = Path(out) if out is not None else Path("runs") / f"sweep-{study}"
        return write_results(loaded, out, prepared, top)


def _keys(setup: dict[str, Any]) -> dict[str, Any]:
    keys = ("metric", "target", "drop", "task", "seed", "dev_fraction", "test_fraction", "dtype")
    return {k: setup[k] for k in keys}


def _prepare(data, target, drop, task, seed, dev_fraction, test_fraction, dtype, missing_ok=False):
    from .objective import prepare

    try:
        prepared = prepare(
            str(data),
            target=[target] if isinstance(target, str) else target,
            drop=list(drop or ()),
            task=task,
            seed=seed,
            dev_fraction=dev_fraction,
            test_fraction=test_fraction,
            dtype=dtype,
        )
    except FileNotFoundError:
        if missing_ok:
            return None
        raise
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
