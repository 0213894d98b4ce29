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
    #: the best model's score on rows that chose nothing (see :func:`reported_score`)
    reported: dict[str, Any] | None = None

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
                    finished = len(study.get_trials(deepcopy=False, states=FINISHED))
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
                if name == "importances.png":
                    axes.set_title(
                        f"Hyperparameter Importances ({importance_note(finished)})", loc="left"
                    )
                figure.savefig(out / name, dpi=110, bbox_inches="tight")
                plt.close(figure)
        except (ValueError, RuntimeError, ZeroDivisionError) as err:
            skipped.append(f"{name} ({' '.join(str(err).split())})")
            plt.close("all")
            continue
        written.append(name)
    return written, skipped


#: Below this many finished trials, the importances are said to be a rough guess.
IMPORTANCE_TRIALS = 20


def importance_note(finished: int) -> str:
    """What the importance plot rests on, with a warning below :data:`IMPORTANCE_TRIALS`."""
    text = f"{finished} finished trial{'s' * (finished != 1)}"
    if finished < IMPORTANCE_TRIALS:
        text += f": fewer than {IMPORTANCE_TRIALS}, a rough guess"
    return text


def reported_score(
    trial: optuna.trial.FrozenTrial, metric: str, test: dict[str, Any] | None, setup: dict
) -> dict[str, Any]:
    """The best trial's score as the sweep reports it: on the test rows, which took no part
    in choosing it (``test``: the retrained model's metrics there), else the dev score that
    chose it, said to be optimistic; ``text`` is the report's line."""
    name = metric.removeprefix("dev_")
    head = f"best trial #{trial.number}: {metric} {trial.value:.4f} (chose it)"
    if test is None:
        return {
            "rows": "dev",
            "metric": metric,
            "value": trial.value,
            "text": f"{head}; no test rows (test_fraction 0): the reported score is the dev "
            "score that chose the trial, optimistic. Hint: --test FILE or --test-fraction 0.2.",
        }
    source = (
        f"the test file {setup['test']}"
        if setup.get("test")
        else f"{setup['data']} (test_fraction {setup['test_fraction']:g})"
    )
    rows = f"{test['examples']} held-out rows of {source}"
    value = float(test[name])
    return {
        "rows": "test",
        "metric": f"test_{name}",
        "value": value,
        "examples": test["examples"],
        "source": setup.get("test") or setup["data"],
        "dev": {metric: trial.value},
        "text": f"{head}, test {name} {value:.4f} on {rows}, which chose nothing",
    }


def retrain_best(
    study: optuna.Study, trial: optuna.trial.FrozenTrial, prepared: Prepared, out: Path
) -> tuple[Path, dict[str, Any], str, dict[str, Any]]:
    """Retrain ``trial`` from its settings and save it with its preprocessing as
    ``out/best/model.npz``; returns the path, the settings, a report and the reported score
    (:func:`reported_score`: on the test rows, evaluated here once)."""
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
    # the fraction as resolved (a study made before stored None for a bundled set's 0.2)
    resolved = setup | {"test_fraction": prepared.test_fraction}
    reported = reported_score(trial, metric, headline.get("test"), resolved)
    training = {
        "data": setup["data"],
        "task": pre.task,
        **settings,
        "epochs_run": history.epochs,
        "best_epoch": history.best_epoch,
        "seed": prepared.seed,
        "dev_fraction": setup["dev_fraction"],
        "test": setup.get("test"),
        "test_fraction": setup["test_fraction"],
        "dtype": setup["dtype"],
        "sweep": {"study": study.study_name, "trial": trial.number, metric: trial.value},
        "reported": {k: v for k, v in reported.items() if k != "text"},
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
    return path, settings, text, reported


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
        if "importances.png" in plots:
            parts.append(f"importances.png rests on {importance_note(len(finished))}")
    best = best_trials(study, 1)
    model_path = settings = reported = None
    if best and prepared is not None:
        model_path, settings, text, reported = retrain_best(study, best[0], prepared, out)
        parts += [text, reported["text"]]
        files += ["best/model.npz", "best/settings.json", "best/history.json", "summary.json"]
        write_summary(study, best[0], reported, out / "summary.json")
    elif best:
        parts.append(
            f"best trial: {describe(best[0], metric)}; the model was not retrained (no data). "
            "Hint: pass DATA to retrain it."
        )
    parts.append(f"saved to {out}/: {', '.join(files)}")
    text = "\n\n".join(parts)
    return Results(study, best[0] if best else None, settings, model_path, text, files, reported)


def write_summary(
    study: optuna.Study, best: optuna.trial.FrozenTrial, reported: dict[str, Any], path: Path
) -> None:
    """``summary.json``: the best trial, the dev score that chose it and the reported score
    with the rows it comes from."""
    finished = len(study.get_trials(deepcopy=False, states=FINISHED))
    summary = {
        "study": study.study_name,
        "finished_trials": finished,
        "best_trial": best.number,
        "chosen_by": {study.user_attrs["setup"]["metric"]: best.value, "rows": "dev"},
        "reported": reported,
    }
    atomic_write(path, (json.dumps(summary, indent=1) + "\n").encode())
