"""The run spec: checked records, a strict JSON round trip, one prepare for every face."""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import layerwise as lw
from layerwise import cli
from layerwise.cli import checkpoint as cli_checkpoint
from layerwise.data import load_checkpoint, load_model
from layerwise.spec import (
    DataSpec,
    FitSpec,
    NetworkSpec,
    RunSpec,
    build_network,
    network_for,
    prepare,
)

PACKAGE = Path(lw.__file__).parent


def _spec(source: str = "planar") -> RunSpec:
    return RunSpec(
        DataSpec(source, target=("y",), drop=("junk",), sep=";", task="binary", test_fraction=0.1),
        NetworkSpec(layers=(5, 3), hidden=("tanh", "relu"), init="xavier", l2=0.01),
        FitSpec(optimizer="momentum", learning_rate=0.1, epochs=7, batch_size=None),
        seed=4,
    )


@pytest.fixture
def csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    rows = [f"{a:.4f},{b:.4f},x,{int(a + b > 0)}" for a, b in X]
    path = tmp_path / "small.csv"
    path.write_text("a,b,junk,label\n" + "\n".join(rows) + "\n")
    return path


# ----- the records --------------------------------------------------------------------------
def test_to_dict_and_from_dict_round_trip_through_json() -> None:
    spec = _spec()
    value = json.loads(json.dumps(spec.to_dict()))
    assert RunSpec.from_dict(value) == spec
    assert value["network"]["hidden"] == ["tanh", "relu"] and value["fit"]["batch_size"] is None
    assert RunSpec.from_dict({"data": {"source": "digits"}}) == RunSpec(DataSpec("digits"))


def test_the_defaults_are_layerwise_trains() -> None:
    spec = RunSpec(DataSpec("digits"))
    assert spec.network.layers == (64, 32) and spec.network.hidden == ("relu",)
    assert (spec.fit.optimizer, spec.fit.epochs, spec.fit.batch_size) == ("adam", 100, 32)
    assert spec.fit.alpha == 0.003 and replace(spec.fit, optimizer="gd").alpha == 0.05
    assert spec.fit.patience(has_dev=True) == 10 and spec.fit.patience(has_dev=False) == 0
    assert spec.resolved_seed == 0
    assert replace(spec, network=NetworkSpec(init="course")).resolved_seed == 1


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: DataSpec(""), TypeError, r"source must be a data set name or a path"),
        (lambda: DataSpec("d", target="y"), TypeError, r"target must be a list of names"),
        (lambda: DataSpec("d", target=()), ValueError, r"target must be a non-empty list"),
        (lambda: DataSpec("d", sep="ab"), ValueError, r"sep must be one character"),
        (lambda: DataSpec("d", task="ranking"), ValueError, r"Unknown task 'ranking'"),
        (lambda: DataSpec("d", dev_fraction=1.0), ValueError, r"dev_fraction must be in \[0, 1\)"),
        (
            lambda: DataSpec("d", test="t.csv", test_fraction=0.2),
            ValueError,
            r"use either test=FILE or test_fraction=, not both",
        ),
        (lambda: NetworkSpec(layers=(4, 0)), ValueError, r"layers must be >= 1, got 0"),
        (lambda: NetworkSpec(hidden=("swish",)), ValueError, r"Unknown activation 'swish'"),
        (lambda: NetworkSpec(hidden=()), ValueError, r"hidden must be a non-empty list"),
        (lambda: NetworkSpec(hidden=("softmax",)), ValueError, r"'softmax' is not elementwise"),
        (
            lambda: NetworkSpec(layers=(4, 3), hidden=("relu", "tanh", "relu")),
            ValueError,
            r"hidden must be one activation or 2 \(one per hidden layer\), got 3",
        ),
        (lambda: NetworkSpec(init="glorot"), ValueError, r"Unknown init 'glorot'"),
        (lambda: NetworkSpec(legacy_rng=1), TypeError, r"legacy_rng must be True or False"),
        (lambda: NetworkSpec(l2=-1.0), ValueError, r"l2 must be finite and >= 0"),
        (lambda: NetworkSpec(dtype="float16"), ValueError, r"dtype must be float32 or float64"),
        (lambda: NetworkSpec(keep_prob=0.0), ValueError, r"0 < keep_prob <= 1, got 0.0"),
        (
            lambda: NetworkSpec(layers=(4, 3), keep_prob=(0.5,)),
            ValueError,
            r"keep_prob must be one probability or 2 \(one per hidden layer\), got \(0.5,\)",
        ),
        (lambda: FitSpec(optimizer="sgd"), ValueError, r"Unknown optimizer 'sgd'"),
        (lambda: FitSpec(learning_rate=0.0), ValueError, r"learning_rate must be finite and > 0"),
        (lambda: FitSpec(epochs=0), ValueError, r"epochs must be >= 1, got 0"),
        (lambda: FitSpec(batch_size=2.5), TypeError, r"batch_size must be an integer"),
        (lambda: FitSpec(early_stopping=-1), ValueError, r"early_stopping must be >= 0"),
        (lambda: RunSpec("digits"), TypeError, r"data must be a DataSpec, got str"),
        (lambda: RunSpec(DataSpec("d"), seed=-1), ValueError, r"seed must be >= 0, got -1"),
    ],
)
def test_each_record_is_checked_on_construction(make, error, match) -> None:
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda d: d | {"extra": 1}, ValueError, r"spec holds unknown keys \['extra'\]"),
        (
            lambda d: d | {"fit": d["fit"] | {"momentum": 0.9}},
            ValueError,
            r"fit holds unknown keys \['momentum'\]\. Hint: its keys are batch_size",
        ),
        (lambda d: {"seed": 1}, ValueError, r"spec must hold data, got keys \['seed'\]"),
        (lambda d: d | {"data": {"task": "binary"}}, ValueError, r"data must hold source"),
        (lambda d: d | {"network": [64]}, TypeError, r"network must be a mapping, got list"),
        (lambda d: ["train"], TypeError, r"spec must be a mapping, got list"),
        (
            lambda d: d | {"fit": d["fit"] | {"epochs": "7"}},
            TypeError,
            r"epochs must be an integer",
        ),
    ],
)
def test_from_dict_is_strict(change, error, match) -> None:
    with pytest.raises(error, match=match):
        RunSpec.from_dict(change(_spec().to_dict()))


# ----- prepare and build: what `layerwise train` uses ---------------------------------------
def test_prepare_is_what_layerwise_train_uses(csv: Path, tmp_path: Path, capsys) -> None:
    folder, out = tmp_path / "ck", tmp_path / "out"
    argv = ["train", str(csv), "--drop", "junk", "--layers", "3", "--epochs", "2", "--seed", "5"]
    assert cli.main([*argv, "--checkpoint", str(folder), "--out", str(out), "--quiet"]) == 0
    spec = RunSpec(
        DataSpec(str(csv), drop=("junk",)), NetworkSpec(layers=(3,)), FitSpec(epochs=2), seed=5
    )
    stored = load_checkpoint(folder).extra
    assert stored["spec"] == spec.to_dict()  # the checkpoint holds the spec, not argv
    assert stored["command"] == {"out": str(out.resolve()), "checkpoint_every": 1}
    p = prepare(spec)
    assert stored["splits"] == {
        k: r.tolist() for k, r in zip(["train", "dev", "test"], p.rows, strict=True)
    }
    model = load_model(out / "model.npz")
    assert model.preprocessor.to_header() == p.pre.to_header()
    net = build_network(spec.network, p.pre, p.seed)
    stop = lw.EarlyStopping(10, monitor="dev_cost")  # train's default with a dev set
    fit = {"optimizer": "adam", "learning_rate": 0.003, "batch_size": 32, "callbacks": [stop]}
    net.fit(p.X, p.Y, epochs=2, dev=(p.X_dev, p.Y_dev), **fit)
    np.testing.assert_array_equal(model.network.theta, net.theta)
    assert p.fingerprint()["examples"] == {"train": 48, "dev": 12, "test": 0}


def test_prepare_notes_speak_of_the_library_and_the_cli_prints_flags(tmp_path, capsys) -> None:
    (tmp_path / "few.csv").write_text("x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(8)))
    p = prepare(RunSpec(DataSpec(str(tmp_path / "few.csv"), dev_fraction=0.0)))
    assert p.notes == [
        "task='auto' chose binary for the 2 distinct numbers of 'y' in 8 rows; if they are "
        "quantities, use task='regression'."
    ]
    code = cli.main(["train", str(tmp_path / "few.csv"), "--dev-fraction", "0", "--epochs", "1"])
    err = capsys.readouterr().err
    assert code == 0 and "note: --task auto chose binary for the 2 distinct numbers" in err
    assert "use --task regression." in err


def test_the_cli_names_the_specs_rule_with_its_flags(tmp_path, capsys) -> None:
    argv = ["train", "planar", "--test", str(tmp_path / "t.csv"), "--test-fraction", "0.1"]
    assert cli.main(argv) == 2
    assert "error: use either --test FILE or --test-fraction, not both." in capsys.readouterr().err


def test_network_for_builds_the_specs_network() -> None:
    spec = NetworkSpec(layers=(4, 3), hidden=("tanh", "relu"), init="he", l2=0.5)
    net = network_for(spec, 2, 1, "sigmoid", seed=3)
    assert net.layer_dims == [2, 4, 3, 1] and net.l2 == 0.5
    assert [a.name for a in net.activations] == ["tanh", "relu", "sigmoid"]
    same = lw.Network([2, 4, 3, 1], hidden=["tanh", "relu"], init="he", seed=3, l2=0.5)
    np.testing.assert_array_equal(net.theta, same.theta)
    course = network_for(NetworkSpec(layers=(4,), init="course"), 2, 1, "sigmoid", seed=1)
    assert course.legacy_rng and course.init == "xavier"
    logistic = network_for(NetworkSpec(layers=(), hidden=()), 3, 1, "sigmoid", seed=0)
    assert logistic.layer_dims == [3, 1]


# ----- checkpoints written before the spec ------------------------------------------------
def _argv_checkpoint(monkeypatch, csv: Path, out: Path, argv: list[str] | None = None):
    """Make ``layerwise train --checkpoint`` write what layerwise 0.1.0 wrote: its argv."""
    real = cli_checkpoint._extra

    def old(args, spec, splits, pre):
        extra = real(args, spec, splits, pre)
        del extra["spec"], extra["command"]
        return extra | {
            "argv": argv
            or [
                "train",
                str(csv.resolve()),
                "--drop=junk",
                "--task=auto",
                "--layers=3",
                "--hidden=relu",
                "--init=auto",
                "--l2=0.0",
                "--optimizer=adam",
                "--epochs=3",
                "--batch-size=32",
                "--dev-fraction=0.2",
                "--dtype=float64",
                f"--out={out.resolve()}",
                "--checkpoint-every=1",
            ]
        }

    monkeypatch.setattr(cli_checkpoint, "_extra", old)


def test_a_checkpoint_that_stored_argv_still_resumes(monkeypatch, csv, tmp_path, capsys) -> None:
    folder, out = tmp_path / "ck", tmp_path / "out"
    _argv_checkpoint(monkeypatch, csv, out)
    argv = ["train", str(csv), "--drop", "junk", "--layers", "3", "--epochs", "3", "--quiet"]
    assert cli.main([*argv, "--checkpoint", str(folder), "--out", str(out)]) == 0
    assert "argv" in load_checkpoint(folder).extra
    first = load_model(out / "model.npz").network.theta.copy()
    monkeypatch.undo()
    (out / "model.npz").unlink()
    assert cli.main(["train", "--resume", str(folder), "--quiet"]) == 0
    assert "network: [2, 3, 1] relu/sigmoid" in capsys.readouterr().out
    np.testing.assert_array_equal(load_model(out / "model.npz").network.theta, first)


def test_a_checkpoint_whose_settings_do_not_read_back_is_refused(
    monkeypatch, csv, tmp_path, capsys
) -> None:
    folder, out = tmp_path / "ck", tmp_path / "out"
    _argv_checkpoint(monkeypatch, csv, out, ["train", str(csv), "--layers=x"])
    argv = ["train", str(csv), "--drop", "junk", "--epochs", "1", "--quiet"]
    assert cli.main([*argv, "--checkpoint", str(folder), "--out", str(out)]) == 0
    monkeypatch.undo()
    assert cli.main(["train", "--resume", str(folder)]) == 2
    assert "the checkpoint's settings ['train'" in capsys.readouterr().err

    real = cli_checkpoint._extra
    bad = tmp_path / "bad"

    def unknown(args, spec, splits, pre):
        extra = real(args, spec, splits, pre)
        return extra | {"spec": extra["spec"] | {"schedule": "cosine"}}

    monkeypatch.setattr(cli_checkpoint, "_extra", unknown)
    assert cli.main([*argv, "--checkpoint", str(bad), "--out", str(out)]) == 0
    monkeypatch.undo()
    assert cli.main(["train", "--resume", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "the checkpoint's spec does not read back: spec holds unknown keys ['schedule']" in err


@pytest.mark.parametrize("option", [["--help"], ["-h"], ["--hel"], ["--resume", "x"]])
def test_stored_arguments_hold_only_the_runs_settings(
    monkeypatch, csv, tmp_path, capsys, option
) -> None:
    folder, out = tmp_path / "ck", tmp_path / "out"
    _argv_checkpoint(monkeypatch, csv, out, ["train", str(csv), "--task=auto", *option])
    argv = ["train", str(csv), "--drop", "junk", "--epochs", "1", "--quiet"]
    assert cli.main([*argv, "--checkpoint", str(folder), "--out", str(out)]) == 0
    monkeypatch.undo()
    capsys.readouterr()
    assert cli.main(["train", "--resume", str(folder)]) == 2
    printed = capsys.readouterr()
    assert "usage" not in printed.out + printed.err  # not the help text
    assert (
        f"the checkpoint's settings hold {option[0]!r}, not one of train's data, network or "
        in (printed.err)
    )


# ----- no argparse below the command line ---------------------------------------------------
def test_no_module_outside_cli_touches_argparse() -> None:
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).parts[0] == "cli":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(a.name for a in node.names)]
            if {"argparse", "Namespace", "SimpleNamespace"} & set(names):
                found.append(str(path.relative_to(PACKAGE)))
    assert not found, found


def test_an_empty_target_is_the_default_last_column(csv: Path, tmp_path: Path, capsys) -> None:
    code = cli.main(["train", str(csv), "--target", "", "--epochs", "1", "--out", str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    assert load_model(tmp_path / "model.npz").preprocessor.target_names == [_last_column(csv)]


def _last_column(csv: Path) -> str:
    return csv.read_text().splitlines()[0].split(",")[-1]


def test_keep_prob_round_trips_and_is_left_out_at_one() -> None:
    spec = _spec()
    assert (
        "keep_prob" not in spec.to_dict()["network"]
    )  # specs written before dropout: as they were
    for keep in (0.8, (0.5, 0.9)):
        network = NetworkSpec(layers=(5, 3), keep_prob=keep)
        dropped = RunSpec(spec.data, network, spec.fit, seed=4)
        text = json.dumps(dropped.to_dict())
        assert RunSpec.from_dict(json.loads(text)) == dropped
        assert json.loads(text)["network"]["keep_prob"] == (list(keep) if keep != 0.8 else 0.8)
    net = network_for(NetworkSpec(layers=(4, 3), keep_prob=[0.5, 0.9]), 2, 1, "sigmoid", seed=3)
    assert net.keep_prob == (0.5, 0.9)
