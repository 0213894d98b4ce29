"""What a sweep leaves in ``--out``: the best trials as a table, ``trials.csv``, PNG plots and
the best model, retrained from its trial's settings and seed, as ``best/model.npz``.

The best model is retrained rather than copied: trials may have run on other machines, and a
trial re-run with the same settings, seed and data trains the same network (bit for bit on the
same machine), which the report checks by printing both dev scores.
"""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.trial import TrialState

import layerwise as lw

from ..data.safe_text import write_csv
from ..persistence import atomic_write
from ..spec import Prepared
from ..spec.report import evaluate_split, split_table, table
from .objective import score, train_network
from .runner import FINISHED, describe, searched
from .space import onto, parse_space, suggest

PLOTS = {
    "history.png": "plot_optimization_history",
    "importances.png": "plot_param_importances",
    "slice.png": "plot_slice",
    "parallel.png": "plot_parallel_coordinate",
    "intermediate.png": "plot_intermediate_values",
}


@dataclass
class Results:
    """A finished (or shown) sweep: the study, its best trial and the files written."""

    study: optuna.Study
    best_trial: optuna.trial.FrozenTrial | None
    best_settings: dict[str, Any] | None
    model_path: Path | None
    text: str
    files: list[str] = field(default_factory=list)

    @property
    def best_value(self) -> float | None:
        return None if self.best_trial is None else self.best_trial.value


def best_trials(study: optuna.Study, top: int = 5) -> list[optuna.trial.FrozenTrial]:
    """The ``top`` complete trials, best first (ties: the earlier trial)."""
    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    sign = -1.0 if study.direction == optuna.study.StudyDirection.MAXIMIZE else 1.0
    return sorted(done, key=lambda t: (sign * t.value, t.number))[:top]


def summary(study: optuna.Study, metric: str, top: int = 5) -> str:
    """A count line and a table of the best trials."""
    states = [t.state for t in study.get_trials(deepcopy=False)]
    n = {s: states.count(s) for s in TrialState}
    line = (
        f"study {study.study_name}: {n[TrialState.COMPLETE] + n[TrialState.PRUNED]} finished "
        f"trials ({n[TrialState.COMPLETE]} complete, {n[TrialState.PRUNED]} pruned), "
        f"{n[TrialState.FAIL]} failed, {n[TrialState.RUNNING]} running"
    )
    best = best_trials(study, top)
    if not best:
        return line + "\nno complete trial yet."
    names = list(dict.fromkeys(k for t in best for k in searched(t.params)))
    rows = []
    for t in best:
        drawn, attrs = searched(t.params), t.user_attrs
        cells = [_cell(drawn.get(k, "-")) for k in names]
        rows.append(
            [t.number, t.value, attrs.get("epochs", "-"), attrs.get("seconds", "-"), *cells]
        )
    return line + "\n\n" + table(["trial", metric, "epochs", "seconds", *names], rows)


def _cell(value: Any) -> Any:
    return f"{value:.3g}" if isinstance(value, float) else value


def write_trials_csv(study: optuna.Study, path: Path) -> None:
    """One row per trial: number, value, state, times, ``params_*``, ``user_attrs_*``
    (without the per-epoch history, which stays in the study); no cell a spreadsheet would run
    (:func:`~layerwise.data.safe_text.write_csv`: the study may be shared)."""
    frame = study.trials_dataframe()
    frame = frame.drop(columns=[c for c in frame.columns if c == "user_attrs_history"])
    text = io.StringIO(newline="")
    write_csv(text, [str(c) for c in frame.columns], frame.itertuples(index=False, name=None))
    atomic_write(path, text.getvalue().encode("utf-8"))


def write_plots(
    study: optuna.Study, out: Path, metric: str, seed: int = 0
) -> tuple[list[str], list[str]]:
    """Optuna's matplotlib views as PNG; returns (written, skipped with the reason).

    The slice and parallel-coordinate views show the most important settings only (fANOVA,
    seeded), so that they stay readable.
    """
    import matplotlib.pyplot as plt
    import optuna.visualization.matplotlib as views

    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=seed)
    written, skipped = [], []
    for name, view in PLOTS.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # experimental API, plotting deprecations
                kwargs: dict[str, Any] = {"target_name": metric}
                if name == "importances.png":
                    kwargs["evaluator"] = evaluator
                elif name in ("slice.png", "parallel.png"):
                    ranked = optuna.importance.get_param_importances(study, evaluator=evaluator)
                    kwargs["params"] = list(ranked)[: 6 if name == "slice.png" else 5]
                elif name == "intermediate.png":
                    kwargs = {}
                axes = getattr(views, view)(study, **kwargs)
                figure = np.ravel(axes)[0].figure
                if name == "intermediate.png":
                    axes.set_xlabel("epoch (from 0)")
                    axes.set_ylabel(f"{metric} after the epoch")
                if name == "parallel.png":
                    figure.set_size_inches(10, 5)
                figure.savefig(out / name, dpi=110, bbox_inches="tight")
                plt.close(figure)
        except (ValueError, RuntimeError, ZeroDivisionError) as err:
            skipped.append(f"{name} ({' '.join(str(err).split())})")
            plt.close("all")
            continue
        written.append(name)
    return written, skipped


def retrain_best(
    study: optuna.Study, trial: optuna.trial.FrozenTrial, prepared: Prepared, out: Path
) -> tuple[Path, dict[str, Any], str]:
    """Retrain ``trial`` from its settings and save it with its preprocessing as
    ``out/best/model.npz``; returns the path, the settings and a report."""
    setup = study.user_attrs["setup"]
    metric = setup["metric"]
    settings = suggest(optuna.trial.FixedTrial(trial.params), parse_space(setup["space"]))
    net, history = train_network(prepared, onto(prepared.spec, settings), metric)
    value = score(history, metric)
    pre = prepared.pre
    splits = {"train": prepared.train, "dev": prepared.dev, "test": prepared.test}
    given = {"train": (prepared.X, prepared.Y), "dev": (prepared.X_dev, prepared.Y_dev)}
    reports = {
        name: evaluate_split(net, pre, d, given.get(name))
        for name, d in splits.items()
        if d is not None
    }
    headline = {
        s: {k: v for k, v in r.items() if isinstance(v, int | float)} for s, r in reports.items()
    }
    training = {
        "data": setup["data"],
        "task": pre.task,
        **settings,
        "epochs_run": history.epochs,
        "best_epoch": history.best_epoch,
        "seed": prepared.seed,
        "dev_fraction": setup["dev_fraction"],
        "test_fraction": setup["test_fraction"],
        "dtype": setup["dtype"],
        "sweep": {"study": study.study_name, "trial": trial.number, metric: trial.value},
    }
    folder = out / "best"
    folder.mkdir(parents=True, exist_ok=True)
    path = lw.save(net, folder / "model.npz", preprocessor=pre, training=training, metrics=headline)
    atomic_write(folder / "settings.json", (json.dumps(training, indent=1) + "\n").encode())
    atomic_write(folder / "history.json", (json.dumps(history.to_dict()) + "\n").encode())
    text = (
        f"best trial {trial.number} retrained: {metric} {value:.4f} on the dev set "
        f"(the trial scored {trial.value:.4f})\n\n{split_table(reports, pre.task)}"
    )
    return path, settings, text


def write_results(
    study: optuna.Study, out: Path, prepared: Prepared | None, top: int = 5
) -> Results:
    """Table, ``trials.csv``, plots and (with the data) the best model, into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    setup = study.user_attrs.get("setup", {})
    metric = setup.get("metric", "value")
    parts = [summary(study, metric, top)]
    write_trials_csv(study, out / "trials.csv")
    files = ["trials.csv"]
    finished = study.get_trials(deepcopy=False, states=FINISHED)
    if finished:
        plots, skipped = write_plots(study, out, metric, setup.get("seed", 0))
        files += plots
        if skipped:
            parts.append("plots skipped: " + "; ".join(skipped))
    best = best_trials(study, 1)
    model_path = settings = None
    if best and prepared is not None:
        model_path, settings, text = retrain_best(study, best[0], prepared, out)
        parts.append(text)
        files += ["best/model.npz", "best/settings.json", "best/history.json"]
    elif best:
        parts.append(
            f"best trial: {describe(best[0], metric)}; the model was not retrained (no data). "
            "Hint: pass DATA to retrain it."
        )
    parts.append(f"saved to {out}/: {', '.join(files)}")
    return Results(
        study, best[0] if best else None, settings, model_path, "\n\n".join(parts), files
    )
