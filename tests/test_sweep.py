"""`layerwise sweep`: the space, the shared trial budget, fault tolerance against a real
PostgreSQL server and the local SQLite file, Ctrl-C, reproducibility, one-line errors.

Worker processes run the real command (`python -m layerwise sweep ...`) on the bundled planar
data (made in code), with a space of small networks and a heartbeat of 1 s, so that a killed
worker's trial is failed after 2 s and re-run.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import optuna  # the test extra installs the sweep extra: no skip without it
import pytest
import sqlalchemy

import layerwise as lw
from layerwise import cli
from layerwise.spec import DataSpec, RunSpec, prepare
from layerwise.sweep import TEST_FRACTION, held_out, show, sweep
from layerwise.sweep.results import importance_note, write_plots
from layerwise.sweep.runner import TrialSeededSampler, check_same_setup
from layerwise.sweep.space import DEFAULT_SPACE, load_space, onto, parse_space, suggest
from layerwise.sweep.storage import check_url, masked
from postgres import PostgresUnavailableError, create_database, free_port, postgres_server

FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
SPACE = """\
learning_rate: {low: 1e-3, high: 5e-2, log: true}   # YAML reads 1e-3 as text: accepted
n_layers: 1
units: {low: 4, high: 16}
hidden: {choices: [relu, tanh]}
init: he
optimizer: adam
batch_size: 32
l2: 0
epochs: 20
patience: 0
"""
WAIT = 120  # seconds: the longest any step below may take on a loaded 2-core machine


@pytest.fixture(scope="module")
def space_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("space") / "space.yaml"
    path.write_text(SPACE)
    return path


@pytest.fixture(scope="module")
def long_trials(tmp_path_factory) -> Path:
    """Trials of a second or two, so that a kill lands in the middle of one."""
    path = tmp_path_factory.mktemp("space") / "long.yaml"
    path.write_text(SPACE.replace("epochs: 20", "epochs: 200"))
    return path


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server for the module; in CI (CI=true) failing to start one fails."""
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailableError as err:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL must run in CI: {err}")
        pytest.skip(f"no PostgreSQL server here: {err}")


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def start_worker(folder: Path, *argv) -> subprocess.Popen:
    """``python -m layerwise sweep ...`` in its own working folder, output to files there."""
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "layerwise", "sweep", *map(str, argv)]
    with open(folder / "stdout.txt", "w") as out, open(folder / "stderr.txt", "w") as err:
        return subprocess.Popen(command, cwd=folder, stdout=out, stderr=err)  # its own copies


@contextlib.contextmanager
def loaded(url: str, study: str):
    """The study, from a storage whose connections are closed after the block."""
    storage = optuna.storages.RDBStorage(url.replace("postgresql:", "postgresql+psycopg:", 1))
    try:
        yield optuna.load_study(study_name=study, storage=storage)
    finally:
        storage.engine.dispose()


def watched(path: Path) -> str:
    """A URL that reads a live SQLite study and can never write to it. Opened read-write, the
    test's storage would create the tables itself when it came first; racing the worker doing
    the same, one of the two could fail ("table already exists") and the test with it."""
    return f"sqlite:///file:{path}?mode=ro&uri=true"


def wait_for_running_trial(url: str, study: str, pids: set[int], deadline: float, reported=0):
    """The first RUNNING trial of ``study`` run by one of ``pids`` that has reported at least
    ``reported`` epochs (a SQLite study: through :func:`watched`)."""
    while time.monotonic() < deadline:
        try:
            with loaded(url, study) as s:
                running = s.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
        except KeyError:  # the study is not created yet
            running = []
        # no file yet, tables not all created yet (read-only: only the worker creates them)
        except (sqlalchemy.exc.OperationalError, optuna.exceptions.StorageInternalError):
            running = []
        for t in running:
            if t.user_attrs.get("pid") in pids and len(t.intermediate_values) >= reported:
                return t
        time.sleep(0.1)
    raise AssertionError(f"no trial of {pids} ran within {WAIT} s")


def check_killed_trial_retried(url: str, study: str, victim: int, trials: int, workers: int):
    """The study holds ``trials`` finished trials (more only as ``sweep.runner`` allows: one
    more per survivor beyond the first that started the last one at the same moment, and one
    more where a worker saw the failed trial's queued copy that another one took first), the
    killed worker's trial is FAIL, and its copy finished. Returns the study's trials."""
    with loaded(url, study) as s:
        every = s.get_trials()
    finished = [t for t in every if t.state in FINISHED]
    shown = [(t.number, t.state.name, t.user_attrs.get("pid"), t.system_attrs) for t in every]
    assert trials <= len(finished) <= trials + workers, shown
    assert not [t for t in every if t.state.name in ("RUNNING", "WAITING")], shown
    killed = [t for t in every if t.state.name == "FAIL" and t.user_attrs.get("pid") == victim]
    assert len(killed) == 1
    retries = [t for t in every if t.system_attrs.get("failed_trial") == killed[0].number]
    assert len(retries) == 1 and retries[0].state in FINISHED
    assert retries[0].params == killed[0].params
    assert retries[0].user_attrs["pid"] != victim
    return every


def check_model_predicts(capsys, model: Path) -> None:
    net = lw.load(model)
    assert net.layer_dims[0] == 2 and net.layer_dims[-1] == 1
    code, out, err = run(capsys, "predict", model, "planar")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "prediction" and len(lines) == 401
    assert set(lines[1:]) <= {"0", "1"}


# ----- many machines: worker processes sharing one PostgreSQL study ---------------------------
@pytest.mark.slow
def test_postgres_workers_share_a_study_and_retry_a_killed_workers_trial(
    postgres, long_trials, tmp_path, capsys
):
    url = create_database(postgres, "kill")
    trials, argv = 6, ["--space", long_trials, "--storage", url, "--study", "planar"]
    workers = [
        start_worker(
            tmp_path / f"machine{i}", "planar", "--trials", trials, *argv, "--heartbeat", 1
        )
        for i in range(3)
    ]
    victim = workers[0]
    deadline = time.monotonic() + WAIT
    killed = wait_for_running_trial(url, "planar", {victim.pid}, deadline)
    victim.send_signal(signal.SIGKILL)
    assert victim.wait(WAIT) == -signal.SIGKILL
    for w in workers[1:]:
        assert w.wait(WAIT) == 0, (Path(w.args[0]).name, (tmp_path / "machine1/stderr.txt"))
    every = check_killed_trial_retried(url, "planar", victim.pid, trials, workers=2)
    assert killed.number in [t.number for t in every if t.state.name == "FAIL"]
    for i in (1, 2):  # each surviving machine wrote the results into its own folder
        out = tmp_path / f"machine{i}" / "runs" / "sweep-planar"
        assert {"trials.csv", "history.png", "importances.png"} <= {p.name for p in out.iterdir()}
        check_model_predicts(capsys, out / "best" / "model.npz")
        printed = (tmp_path / f"machine{i}" / "stdout.txt").read_text()
        assert "best trial" in printed and "Traceback" not in printed
    # --show from anywhere: the table, and the best model retrained from the recorded data
    code, out, err = run(
        capsys, "sweep", "--show", "--storage", url, "--study", "planar", "--out", tmp_path / "s"
    )
    assert code == 0, err
    assert f"{len([t for t in every if t.state in FINISHED])} finished trials" in out
    check_model_predicts(capsys, tmp_path / "s" / "best" / "model.npz")


# ----- one machine: the default SQLite file and --workers 2 ----------------------------------
@pytest.mark.slow
def test_local_workers_share_the_default_file_and_retry_a_killed_workers_trial(
    long_trials, tmp_path, capsys
):
    out, trials = tmp_path / "out", 6
    parent = start_worker(
        tmp_path,
        "planar",
        "--trials",
        trials,
        "--space",
        long_trials,
        "--workers",
        2,
        "--heartbeat",
        1,
        "--out",
        out,
    )
    url = f"sqlite:///{out / 'study.db'}"
    deadline = time.monotonic() + WAIT
    workers = _children(parent.pid, 2, deadline)
    running = wait_for_running_trial(watched(out / "study.db"), "planar", workers, deadline)
    victim = running.user_attrs["pid"]
    os.kill(victim, signal.SIGKILL)
    assert parent.wait(WAIT) == 0, (tmp_path / "stderr.txt").read_text()
    every = check_killed_trial_retried(url, "planar", victim, trials, workers=1)
    # the victim's failed trial: the one seen running, or a later one if the worker finished
    # that trial between the look and the kill (a trial lasts a second or two)
    failed = [t.number for t in every if t.state.name == "FAIL"]
    assert len(failed) == 1 and failed[0] >= running.number, (failed, running.number)
    printed = (tmp_path / "stdout.txt").read_text()
    assert "worker" in printed and "stopped by signal 9" in printed
    check_model_predicts(capsys, out / "best" / "model.npz")
    assert (out / "trials.csv").read_text().count("\n") >= trials + 1


def _children(pid: int, n: int, deadline: float) -> set[int]:
    """The ``n`` worker processes of ``pid`` (its children that are Python processes)."""
    while time.monotonic() < deadline:
        kids = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == pid:
                    kids.add(int(entry.name))
        if len(kids) >= n:
            return kids
        time.sleep(0.1)
    raise AssertionError(f"process {pid} did not start {n} workers")


@pytest.mark.slow
def test_ctrl_c_marks_the_trial_failed_and_leaves_the_study_usable(space_file, tmp_path, capsys):
    out, slow = tmp_path / "out", tmp_path / "slow.yaml"
    slow.write_text(SPACE.replace("epochs: 20", "epochs: 100000"))  # running when Ctrl-C comes
    worker = start_worker(tmp_path, "planar", "--trials", 50, "--space", slow, "--out", out)
    url = f"sqlite:///{out / 'study.db'}"
    deadline = time.monotonic() + WAIT
    # Ctrl-C once an epoch is reported: one pressed in epoch 0 ends the trial before it reports
    study_db = watched(out / "study.db")
    running = wait_for_running_trial(study_db, "planar", {worker.pid}, deadline, reported=1)
    worker.send_signal(signal.SIGINT)
    assert worker.wait(WAIT) == 130
    err = (tmp_path / "stderr.txt").read_text()
    assert "interrupted" in err and "Traceback" not in err and err.count("\n") == 1
    with loaded(url, "planar") as study:
        trials = study.trials
    assert [t.state.name for t in trials] == ["FAIL"] and trials[0].number == running.number
    assert trials[0].user_attrs["interrupted"] is True
    # stopped after an epoch, not before, and kept what it had reported
    assert len(trials[0].intermediate_values) >= len(running.intermediate_values) >= 1
    # the same command continues the study
    code, printed, err = run(
        capsys, "sweep", "planar", "--trials", 2, "--space", space_file, "--out", out
    )
    assert code == 0, err
    assert "2 finished trials (2 complete, 0 pruned), 1 failed, 0 running" in printed


# ----- reproducible: one worker and a seed ----------------------------------------------------
@pytest.mark.slow
def test_one_worker_and_a_seed_give_the_same_trials_and_model(space_file, tmp_path):
    runs = [
        sweep("planar", trials=4, space=space_file, seed=s, out=tmp_path / name, quiet=True)
        for name, s in (("a", 3), ("b", 3), ("c", 4))
    ]
    a, b, c = ([(t.params, t.value) for t in r.study.trials] for r in runs)
    assert a == b
    assert [p for p, _ in a] != [p for p, _ in c]
    nets = [lw.load(r.model_path) for r in runs[:2]]
    assert np.array_equal(nets[0].theta, nets[1].theta)
    # the retrained model is the best trial's network: same dev accuracy
    prepared = prepare(RunSpec(DataSpec("planar"), seed=3))
    accuracy = np.mean(nets[0].predict(prepared.X_dev) == prepared.Y_dev)
    assert accuracy == runs[0].best_value
    assert runs[0].best_settings["epochs"] == 20 and runs[0].best_settings["init"] == "he"


def test_trial_seeded_sampler_differs_by_trial_number():
    study = optuna.create_study(sampler=TrialSeededSampler(0))
    drawn = [study.ask().suggest_float("x", 0, 1) for _ in range(3)]
    again = optuna.create_study(sampler=TrialSeededSampler(0))
    assert [again.ask().suggest_float("x", 0, 1) for _ in range(3)] == drawn
    assert len(set(drawn)) == 3


# ----- the space --------------------------------------------------------------------------------
def test_space_file_overrides_the_default_setting_by_setting(space_file):
    space = load_space(space_file)
    assert space["learning_rate"] == {"low": "1e-3", "high": "5e-2", "log": True}
    assert space["optimizer"] == "adam" and space["units"] == {"low": 4, "high": 16}
    params = parse_space(space)
    assert params["learning_rate"].low == 1e-3 and params["epochs"].kind == "fixed"
    assert load_space(None) == DEFAULT_SPACE
    settings = suggest(
        optuna.trial.FixedTrial({"learning_rate": 0.01, "units_1": 5, "hidden": "tanh"}), params
    )
    assert settings == {
        "learning_rate": 0.01,
        "hidden": "tanh",
        "init": "he",
        "optimizer": "adam",
        "batch_size": 32,
        "l2": 0.0,
        "dropout": 0.0,
        "epochs": 20,
        "patience": 0,
        "layers": [5],
    }


def test_default_space_draws_layers_and_full_batch():
    params = parse_space(DEFAULT_SPACE | {"batch_size": "full"})
    trial = optuna.trial.FixedTrial(
        {
            "learning_rate": 0.001,
            "n_layers": 2,
            "units_1": 64,
            "units_2": 32,
            "hidden": "relu",
            "init": "he",
            "optimizer": "adam",
            "l2": 1e-3,
        }
    )
    settings = suggest(trial, params)
    assert settings["layers"] == [64, 32] and settings["batch_size"] is None


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("beta1: 0.5\n", r"unknown setting 'beta1'\. Hint: settings are learning_rate"),
        ("learning_rate: {low: 0.1, high: 0.01}\n", r"low must be < high, got low=0.1"),
        ("l2: {low: 0, high: 1, log: true}\n", r"a log range needs low > 0"),
        ("hidden: {choices: [relu, swish]}\n", r"hidden must be one of .*relu.*got 'swish'"),
        ("epochs: 0\n", r"epochs must be an integer >= 1; got 0"),
        ("units: {low: 4.5, high: 8}\n", r"units\.low must be an integer >= 1; got 4\.5"),
        ("optimizer: {low: 1, high: 2}\n", r"optimizer must be \{choices: \[\.\.\.\]\} or a value"),
        ("- a list\n", r"must hold a mapping of settings"),
        ("epochs: [1, 2\n", r"is not valid JSON/YAML"),
    ],
)
def test_invalid_space_file_is_one_line_error(tmp_path, capsys, text, match):
    path = tmp_path / "space.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        load_space(path)
    code, _out, err = run(capsys, "sweep", "planar", "--space", path, "--out", tmp_path / "o")
    assert code == 2 and err.startswith("error: --space") and err.count("\n") == 1


# ----- storage and study errors -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("postgres//nowhere", r"is not a database URL\. Hint: postgresql://USER"),
        ("mysql://u@h/db", r"must be a sqlite, postgresql.* URL, got 'mysql'"),
        ("postgresql://u:secret@/db", r"must name a host and a database"),
    ],
)
def test_malformed_storage_url_is_one_line_error(tmp_path, capsys, url, match):
    with pytest.raises(ValueError, match=match):
        check_url(url)
    code, _out, err = run(capsys, "sweep", "planar", "--storage", url, "--out", tmp_path)
    assert code == 2 and err.startswith("error: --storage") and err.count("\n") == 1
    assert "secret" not in err


def test_unreachable_storage_is_one_line_error(tmp_path, capsys):
    url = f"postgresql://postgres:secret@127.0.0.1:{free_port()}/sweeps"
    code, _out, err = run(capsys, "sweep", "planar", "--storage", url, "--out", tmp_path)
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith("error: cannot reach --storage postgresql://postgres:***@127.0.0.1:")
    assert "Hint: start the server" in err and "secret" not in err


@pytest.mark.slow
def test_a_study_of_another_data_sets_features_is_refused(space_file, tmp_path, capsys):
    argv = ["--space", space_file, "--out", tmp_path, "--study", "shared", "--quiet"]
    code, _, err = run(capsys, "sweep", "planar", "--trials", 1, *argv)
    assert code == 0, err
    other = tmp_path / "other.csv"
    other.write_text("a,b,c,y\n" + "".join(f"{i},{i % 3},{i % 5},{i % 2}\n" for i in range(40)))
    code, _out, err = run(capsys, "sweep", other, "--trials", 2, *argv)
    assert code == 2 and err.count("\n") == 1
    assert "study 'shared' was made for planar (2 features [x1, x2] -> ['target'], binary)" in err
    assert "other.csv has 3 features [a, b, c]" in err and "own --study name" in err
    with pytest.raises(ValueError, match=r"was run with seed 0, this worker has 5"):
        sweep("planar", trials=2, space=space_file, out=tmp_path, study="shared", seed=5)


def test_show_needs_an_existing_study(tmp_path, capsys):
    code, _out, err = run(capsys, "sweep", "--show", "--out", tmp_path)
    assert code == 2 and "no study.db in --out" in err
    with pytest.raises(ValueError, match=r"no study 'nope' in sqlite:///.*it holds: none"):
        show(f"sqlite:///{tmp_path / 'x.db'}", "nope")


def test_importing_layerwise_and_its_parser_does_not_import_optuna():
    code = "import sys, layerwise, layerwise.cli; layerwise.cli.build_parser(); "
    code += "print(sorted(m for m in ('optuna', 'sqlalchemy', 'yaml') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ----- every other message a user can cause ----------------------------------------------------
def test_a_searched_dropout_rate_becomes_the_networks_keep_prob():
    params = parse_space(DEFAULT_SPACE | {"dropout": {"low": 0.0, "high": 0.5}})
    trial = optuna.trial.FixedTrial(
        {
            "learning_rate": 0.001,
            "n_layers": 2,
            "units_1": 16,
            "units_2": 16,
            "hidden": "relu",
            "init": "he",
            "optimizer": "adam",
            "batch_size": 16,
            "l2": 1e-3,
            "dropout": 0.25,
        }
    )
    settings = suggest(trial, params)
    assert settings["dropout"] == 0.25
    spec = onto(RunSpec(DataSpec("digits")), settings)
    assert spec.network.keep_prob == 0.75
    assert onto(RunSpec(DataSpec("digits")), settings | {"dropout": 0.0}).network.keep_prob == 1.0


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("hidden: {choices: []}\n", r"hidden must be \{choices: \[\.\.\.\]\} with a non-empty"),
        ("learning_rate: {low: 0.1, high: 1, log: 1}\n", r"learning_rate\.log must be true or"),
        ('{"epochs": 5, "patience": -1}', r"patience must be an integer >= 0 \(0: no early"),
        ("dropout: 1\n", r"dropout must be a probability of dropping a hidden unit, >= 0 and < 1"),
        ("dropout: {low: 0, high: 1.5}\n", r"dropout\.high must be a probability"),
    ],
)
def test_more_invalid_spaces(tmp_path, text, match):
    path = tmp_path / ("space.json" if text.startswith("{") else "space.yml")
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        load_space(path)


def test_space_errors_outside_files(tmp_path):
    with pytest.raises(ValueError, match=r"--space .*missing\.yaml cannot be read"):
        load_space(tmp_path / "missing.yaml")
    with pytest.raises(ValueError, match=r"space must be a mapping of settings, got list"):
        parse_space(["epochs"])
    with pytest.raises(ValueError, match=r"space: epochs must be an integer >= 1; got 'x'"):
        sweep("planar", space={"epochs": "x"}, out=tmp_path)


def test_sqlite_url_must_name_a_file():
    with pytest.raises(ValueError, match=r"must name a file\. Hint: sqlite:///PATH/study\.db"):
        check_url("sqlite://")


def test_missing_database_driver_is_named(monkeypatch, tmp_path):
    def no_driver(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'psycopg'", name="psycopg")

    monkeypatch.setattr(optuna.storages, "RDBStorage", no_driver)
    with pytest.raises(ImportError, match=r"needs its database driver \(psycopg\): pip install"):
        sweep("planar", storage="postgresql://u@127.0.0.1/db", out=tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"trials": 0}, r"trials must be an integer >= 1, got 0"),
        ({"workers": 1.5}, r"workers must be an integer >= 1, got 1\.5"),
        ({"heartbeat": 2, "grace": 2}, r"grace must be longer than heartbeat \(2 s\), got 2"),
        ({"metric": "f1"}, r"metric must be one of dev_accuracy, dev_cost, got 'f1'"),
        ({"dev_fraction": 0.0}, r"dev_fraction must be in \(0, 1\): every trial is scored"),
    ],
)
def test_sweep_arguments_are_checked(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        sweep("planar", out=tmp_path, **kwargs)


def test_accuracy_needs_a_classification_task(tmp_path, capsys):
    code, _, err = run(capsys, "sweep", "diabetes", "--metric", "dev_accuracy", "--out", tmp_path)
    assert code == 2
    assert "dev_accuracy needs a classification task, but the task is regression" in err


def test_data_is_required_unless_show(capsys):
    code, _, err = run(capsys, "sweep", "--trials", 3)
    assert code == 2 and "DATA is required (a bundled data set or a file), unless --show" in err


@pytest.mark.slow
def test_same_columns_but_other_rows_are_refused(space_file, tmp_path):
    def write(name: str, m: int) -> Path:
        rows = "".join(f"{i % 7},{i % 5},{i % 2}\n" for i in range(m))
        (tmp_path / name).write_text("a,b,y\n" + rows)
        return tmp_path / name

    argv = {"space": space_file, "out": tmp_path / "o", "study": "s", "quiet": True}
    sweep(write("first.csv", 40), trials=1, **argv)
    with pytest.raises(ValueError, match=r"split its data into .* not the same rows"):
        sweep(write("second.csv", 60), trials=1, **argv)


def test_show_refuses_a_study_not_made_by_sweep_and_needs_a_place(tmp_path):
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    storage = optuna.storages.RDBStorage(url)
    optuna.create_study(study_name="plain", storage=storage)
    storage.engine.dispose()
    with pytest.raises(ValueError, match=r"study 'plain' was not made by layerwise sweep"):
        show(url, "plain", out=tmp_path)
    with pytest.raises(ValueError, match=r"--show needs --storage URL, or --out DIR"):
        show()


def test_timeout_starts_no_trial_after_it_and_reports_an_empty_study(space_file, tmp_path):
    result = sweep("planar", trials=100, timeout=1e-9, space=space_file, out=tmp_path, quiet=True)
    assert result.study.trials == [] and result.best_trial is None and result.model_path is None
    assert "no complete trial yet" in result.text and (tmp_path / "trials.csv").exists()


def test_the_trials_csv_has_no_cell_a_spreadsheet_would_run(tmp_path):
    from layerwise.sweep.results import write_trials_csv

    study = optuna.create_study()
    study.enqueue_trial({"x": -2.0})
    study.optimize(lambda t: t.set_user_attr("note", "=1+1") or t.suggest_float("x", -5, 5), 1)
    write_trials_csv(study, tmp_path / "trials.csv")
    header, row = (tmp_path / "trials.csv").read_text().splitlines()
    cells = dict(zip(header.split(","), row.split(","), strict=True))
    assert cells["user_attrs_note"] == "'=1+1" and cells["params_x"] == cells["value"] == "-2.0"


# ----- the estimators in Optuna's scikit-learn search -----------------------------------------
@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
@pytest.mark.filterwarnings("ignore:.*optuna.terminator.*:FutureWarning")
def test_the_estimators_work_with_optunas_scikit_learn_search():
    from optuna.distributions import CategoricalDistribution, FloatDistribution
    from optuna_integration import OptunaSearchCV
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    space = {
        "learning_rate": FloatDistribution(1e-3, 1e-1, log=True),
        "activation": CategoricalDistribution(["relu", "tanh"]),
    }
    base = lw.LayerwiseClassifier((8,), max_epochs=30, random_state=0)
    search = OptunaSearchCV(base, space, n_trials=4, cv=3, random_state=0).fit(X, y)
    assert len(search.trials_) == 4 and set(search.best_params_) == set(space)
    assert search.best_score_ > 0.8 and search.best_estimator_.score(X, y) > 0.8


@pytest.mark.slow
def test_the_sweep_command_words_its_notes_with_flags_and_keeps_sep(tmp_path, capsys):
    rows = "".join(f"{i};{(i * 7) % 5};{i % 2}\n" for i in range(16))  # few: a note
    (tmp_path / "few.csv").write_text("a;b;y\n" + rows)
    argv = ["sweep", str(tmp_path / "few.csv"), "--sep", ";", "--trials", "1", "--quiet"]
    (tmp_path / "space.json").write_text('{"epochs": 2}')
    code = cli.main(
        [*argv, "--out", str(tmp_path / "out"), "--space", str(tmp_path / "space.json")]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert "note: --task auto chose binary" in err and "task='auto'" not in err
    study = optuna.load_study(
        study_name="few", storage=f"sqlite:///{tmp_path / 'out' / 'study.db'}"
    )
    assert study.user_attrs["setup"]["sep"] == ";"


# ----- honest scores: the dev set chooses, the test rows only report -------------------------
def noisy_table(path: Path, m: int = 120) -> Path:
    """A binary table whose label follows ``a`` with noise: dev and test scores differ."""
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=m), rng.normal(size=m)
    y = (a + 0.8 * rng.normal(size=m) > 0).astype(int)
    path.write_text(
        "a,b,y\n" + "".join(f"{x:.4f},{z:.4f},{t}\n" for x, z, t in zip(a, b, y, strict=True))
    )
    return path


@pytest.mark.slow
def test_the_reported_score_comes_from_test_rows_that_chose_nothing(tmp_path):
    data = noisy_table(tmp_path / "noisy.csv")
    space = {"epochs": 3, "patience": 0, "n_layers": 1, "units": 4}
    result = sweep(data, trials=2, space=space, out=tmp_path / "out", quiet=True)
    # the rows the sweep used: its spec, with the sweep's default test share (0.2 of a file)
    prepared = prepare(RunSpec(DataSpec(str(data), test_fraction=0.2)))
    train, dev, test = (set(rows.tolist()) for rows in prepared.rows)
    assert len(test) == 24 and not test & (train | dev) and not train & dev
    net = lw.load(result.model_path)
    rows = prepared.data.take(prepared.rows[2])
    X, Y = prepared.pre.transform(rows.features), prepared.pre.transform_target(rows.target)
    on_test = float(np.mean(net.predict(X) == Y))
    on_dev = float(np.mean(net.predict(prepared.X_dev) == prepared.Y_dev))
    reported = result.reported
    assert reported["rows"] == "test" and reported["examples"] == 24
    assert reported["value"] == on_test and on_dev == result.best_value != on_test
    line = f"test accuracy {on_test:.4f} on 24 held-out rows of {data} (test_fraction 0.2)"
    assert line in result.text and f"dev_accuracy {on_dev:.4f} (chose it)" in result.text
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["reported"]["value"] == on_test and summary["chosen_by"]["rows"] == "dev"
    settings = json.loads((tmp_path / "out" / "best" / "settings.json").read_text())
    assert settings["reported"]["metric"] == "test_accuracy"
    assert "importances.png rests on 2 finished trials: fewer than 20" in result.text


@pytest.mark.slow
def test_a_test_file_scores_the_best_model_and_no_test_rows_is_said(tmp_path, capsys):
    data, test = noisy_table(tmp_path / "d.csv"), noisy_table(tmp_path / "t.csv", 30)
    (tmp_path / "space.json").write_text('{"epochs": 2, "patience": 0}')
    argv = ["sweep", data, "--trials", 1, "--space", tmp_path / "space.json", "--quiet"]
    code, out, err = run(capsys, *argv, "--test", test, "--out", tmp_path / "a")
    assert code == 0, err
    assert "on 30 held-out rows of the test file " in out and "which chose nothing" in out
    code, out, err = run(capsys, *argv, "--test-fraction", 0, "--out", tmp_path / "b")
    assert code == 0, err
    assert "no test rows (test_fraction 0): the reported score is the dev score" in out
    assert "optimistic" in out
    # the study records what defines its rows: a worker with other test rows is refused
    code, _, err = run(capsys, *argv, "--out", tmp_path / "a")
    assert code == 2 and "was run with test 't.csv', this worker has None" in err


def test_a_sweep_takes_a_test_file_or_a_test_fraction_not_both(capsys):
    code, _, err = run(capsys, "sweep", "planar", "--test", "t.csv", "--test-fraction", 0.1)
    assert code == 2 and "use either --test FILE or --test-fraction, not both" in err


def test_a_study_made_before_the_test_split_was_stored_is_joined_or_refused_clearly():
    def setup(test_fraction, test_rows: int, **more) -> dict:
        examples = {"train": 80, "dev": 20, "test": test_rows}
        fingerprint = {"features": ["a"], "target": ["y"], "task": "binary", "classes": None}
        keys = {"seed": 0, "dev_fraction": 0.2, "metric": "dev_accuracy", "dtype": "float64"}
        return {"data": "d.csv", "test_fraction": test_fraction, **keys, **more} | {
            "fingerprint": fingerprint | {"examples": examples}
        }

    # before: None was 0.2 of a bundled set (test rows) and 0 of a file (none)
    check_same_setup("old", setup(None, 25), setup(0.2, 25), "planar")
    check_same_setup("old", setup(None, 0), setup(0.0, 0), "d.csv")
    with pytest.raises(ValueError, match=r"run with test_fraction 0\.0, this worker has 0\.2.*"):
        check_same_setup("old", setup(None, 0), setup(0.2, 25), "d.csv")
    # a test file compares by name (machines may keep it in other folders)
    check_same_setup("s", setup(0.0, 9, test="/a/t.csv"), setup(0.0, 9, test="/b/t.csv"), "x")
    with pytest.raises(ValueError, match=r"run with test 't\.csv', this worker has None"):
        check_same_setup("s", setup(0.0, 9, test="/a/t.csv"), setup(0.0, 9), "x")


def test_held_out_gives_files_a_test_share_unless_told():
    spec = RunSpec(DataSpec("d.csv"))
    assert held_out(spec).data.test_fraction == TEST_FRACTION == 0.2
    for data in (DataSpec("d.csv", test_fraction=0.0), DataSpec("d.csv", test="t.csv")):
        assert held_out(RunSpec(data)).data == data


@pytest.mark.slow
def test_the_importance_plot_says_how_many_trials_it_rests_on(tmp_path, monkeypatch):
    import matplotlib.figure

    titles = []
    monkeypatch.setattr(
        matplotlib.figure.Figure,
        "savefig",
        lambda figure, *a, **k: titles.append(figure.axes[0].get_title(loc="left")),
    )
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1), 3)
    written, _ = write_plots(study, tmp_path, "value")
    shown = dict(zip(written, titles, strict=True))["importances.png"]
    assert shown == "Hyperparameter Importances (3 finished trials: fewer than 20, a rough guess)"
    assert importance_note(20) == "20 finished trials" and "1 finished trial:" in importance_note(1)


# ----- probe: a password in a URL that does not parse ------------------------------------------
def test_a_password_never_shows_in_a_storage_error(tmp_path, capsys):
    url = "postgresql://u:S3CRET@127.0.0.1:notaport/db"
    with pytest.raises(ValueError, match=r"'postgresql://u:\*\*\*@127\.0\.0\.1:notaport/db' is"):
        check_url(url)
    code, _out, err = run(capsys, "sweep", "planar", "--storage", url, "--out", tmp_path)
    assert code == 2 and err.count("\n") == 1 and "S3CRET" not in err
    assert "postgresql://u:***@127.0.0.1:notaport/db" in err
    assert masked("postgresql://u:p@ss:w/rd@h/db") == "postgresql://u:***@h/db"
    assert masked("sqlite:///x/y.db") == "sqlite:///x/y.db"


@pytest.mark.slow
def test_a_study_of_before_the_stored_test_split_is_shown_and_joined(tmp_path):
    space = {"epochs": 2, "patience": 0, "n_layers": 1, "units": 4}
    sweep("planar", trials=1, space=space, out=tmp_path, quiet=True)
    url = f"sqlite:///{tmp_path / 'study.db'}"
    with loaded(url, "planar") as study:  # as a study of 0.1.0 stored it: None for 0.2
        study.set_user_attr("setup", study.user_attrs["setup"] | {"test_fraction": None})
    shown = show(url, "planar", out=tmp_path / "shown")
    assert "on 80 held-out rows of planar (test_fraction 0.2)" in shown.text
    joined = sweep("planar", trials=2, space=space, out=tmp_path, quiet=True)
    assert len(joined.study.trials) == 2 and joined.reported["examples"] == 80
