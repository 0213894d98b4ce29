"""Long runs: the same command again continues the run, ``--epochs`` trains further, a resume
says where it writes and leaves nothing behind when refused, and crafted checkpoints are refused
in words (the kill-and-rerun test is in test_kill.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import layerwise as lw
from layerwise import cli
from layerwise.cli import checkpoint as cli_checkpoint
from layerwise.cli.common import one_line
from layerwise.network import Network
from layerwise.persistence import CHECKPOINT, read_archive, write_archive

BASE = ["train", "xor", "--layers", "6", "--batch-size", "16"]  # (--quiet hides the lines)


def _train(args, capsys) -> tuple[int, str]:
    code = cli.main([str(a) for a in args])
    return code, capsys.readouterr().err


def _result(out: Path) -> tuple[np.ndarray, dict]:
    """θ and the History (without its seconds) of a finished run."""
    history = json.loads((out / "history.json").read_text())
    del history["epoch_seconds"]
    return lw.load(out / "model.npz").theta, history


def _same(a: tuple[np.ndarray, dict], b: tuple[np.ndarray, dict]) -> bool:
    return np.array_equal(a[0], b[0]) and a[1] == b[1]


@pytest.mark.slow
def test_the_same_command_starts_then_continues_the_run(tmp_path, capsys) -> None:
    ck, out = tmp_path / "ck", tmp_path / "out"
    argv = [*BASE, "--epochs", "3", "--out", out, "--checkpoint", ck]
    code, err = _train(argv, capsys)
    assert code == 0, err
    assert f"no checkpoint in {ck}: starting\nwriting to {out}\n" in err
    first = _result(out)
    (out / "model.npz").unlink()
    code, err = _train(argv, capsys)  # the identical command: it resumes the finished run
    assert code == 0, err
    assert f"resuming from {ck / 'checkpoint.npz'} at epoch 3\nwriting to {out}\n" in err
    assert _same(_result(out), first)
    (out / "model.npz").unlink()
    code, err = _train([*argv, "--quiet"], capsys)  # (--quiet: the same, without the lines)
    assert code == 0 and "resuming" not in err and _same(_result(out), first)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["resume", "same command"])
@pytest.mark.parametrize(  # (the second stops early in epoch 2, after the resume; 100 is
    ("options", "epochs"),  # --epochs' default, given: it counts)
    [("--early-stopping 10", "12"), ("--early-stopping 1 --learning-rate 0.3", "100")],
)
def test_training_further_equals_a_longer_run(tmp_path, capsys, how, options, epochs) -> None:
    base = [*BASE, *options.split()]
    assert _train([*base, "--epochs", epochs, "--out", tmp_path / "ref"], capsys)[0] == 0
    ck, out = tmp_path / "ck", tmp_path / "out"
    short = [*base, "--out", out, "--checkpoint", ck]
    assert _train([*short, "--epochs", "2"], capsys)[0] == 0
    again = ["train", "--resume", ck] if how == "resume" else short
    code, err = _train([*again, "--epochs", epochs], capsys)
    assert code == 0, err
    assert "resuming from" in err and "at epoch 2" in err
    assert _same(_result(out), _result(tmp_path / "ref"))
    stopped = _result(out)[1]["stopped_epoch"]
    assert stopped == (None if "10" in options else 2)


def _crafted(monkeypatch, out: Path) -> None:
    """Make ``train --checkpoint`` store ``out`` as its output folder (a crafted file)."""
    real = cli_checkpoint._extra

    def crafted(args, spec, splits, pre):
        extra = real(args, spec, splits, pre)
        return extra | {"command": extra["command"] | {"out": str(out)}}

    monkeypatch.setattr(cli_checkpoint, "_extra", crafted)


def _table(path: Path, scale: float) -> Path:
    rng = np.random.default_rng(0)
    rows = [f"{a:.4f},{scale * b:.4f},{int(a > 0)}" for a, b in rng.normal(size=(40, 2))]
    path.write_text("a,b,label\n" + "\n".join(rows) + "\n")
    return path


def _tree(root: Path) -> list[tuple[str, int]]:
    return sorted((str(p), p.stat().st_mtime_ns) for p in root.rglob("*"))


@pytest.mark.slow
@pytest.mark.parametrize("how", ["resume", "same command"])
def test_a_refused_resume_leaves_the_filesystem_unchanged(
    tmp_path, capsys, monkeypatch, how
) -> None:
    data, ck, elsewhere = tmp_path / "t.csv", tmp_path / "ck", tmp_path / "far" / "away"
    argv = ["train", _table(data, 1.0), "--layers", "3", "--epochs", "2", "--quiet"]
    argv += ["--checkpoint", ck]
    _crafted(monkeypatch, elsewhere)
    assert _train([*argv, "--out", tmp_path / "o"], capsys)[0] == 0
    monkeypatch.undo()
    _table(data, 2.0)  # the same rows (and splits), other values: other data
    before = _tree(tmp_path)
    code, err = _train(["train", "--resume", ck] if how == "resume" else argv, capsys)
    assert code == 2
    assert f"the checkpoint in {ck} was written by a run with other data" in err
    assert "resume=False" not in err and "Hint: choose another --checkpoint folder" in err
    assert _tree(tmp_path) == before and not elsewhere.parent.exists()


@pytest.mark.slow
def test_a_resume_says_where_it_writes_and_out_writes_elsewhere(
    tmp_path, capsys, monkeypatch
) -> None:
    ck, victim, mine = tmp_path / "ck", tmp_path / "victim", tmp_path / "mine"
    victim.mkdir()
    (victim / "model.npz").write_bytes(b"precious")
    _crafted(monkeypatch, victim)
    assert (
        _train([*BASE, "--epochs", "2", "--out", tmp_path / "o", "--checkpoint", ck], capsys)[0]
        == 0
    )
    monkeypatch.undo()
    code, err = _train(["train", "--resume", ck, "--out", mine], capsys)
    assert code == 0, err
    assert f"writing to {mine}\n" in err and (mine / "model.npz").is_file()
    assert (victim / "model.npz").read_bytes() == b"precious"
    code, err = _train(["train", "--resume", ck], capsys)
    assert code == 0, err
    assert f"writing to {victim} (the --out stored in the checkpoint; --out DIR writes" in err


@pytest.mark.slow
def test_a_stored_output_folder_must_be_absolute(tmp_path, capsys, monkeypatch) -> None:
    ck = tmp_path / "ck"
    _crafted(monkeypatch, Path("..") / "elsewhere")  # would depend on where the resume runs
    assert (
        _train([*BASE, "--epochs", "1", "--out", tmp_path / "o", "--checkpoint", ck], capsys)[0]
        == 0
    )
    monkeypatch.undo()
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")  # (so that a failing test writes inside tmp_path)
    code, err = _train(["train", "--resume", ck], capsys)
    assert code == 2
    assert "the checkpoint's command settings must be out (an absolute folder) and " in err
    assert not (tmp_path / "elsewhere").exists()


def test_a_checkpoint_whose_network_is_not_its_fingerprints_is_not_valid(tmp_path) -> None:
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((3, 40)), (rng.random((1, 40)) > 0.5).astype(float)
    path = tmp_path / "c.npz"
    Network([3, 5, 1], seed=3).fit(X, Y, epochs=2, checkpoint=path)
    header, arrays = read_archive(path, CHECKPOINT)
    big = Network([3, 100, 200, 1])
    header["network"] = big.config()
    arrays = {k: np.zeros_like(big.theta) for k in arrays}  # theta, opt.v, opt.s
    write_archive(path, header, arrays, CHECKPOINT)
    with pytest.raises(
        ValueError, match=r"not a valid layerwise checkpoint: its network .* is not"
    ):
        Network([3, 5, 1], seed=3).fit(X, Y, epochs=3, checkpoint=path, resume=True)


def test_flags_leave_flag_forms_alone() -> None:
    err = ValueError("the settings hold '--task=auto'; pass task='binary' or epochs=3")
    assert one_line(err) == "the settings hold '--task=auto'; pass --task binary or --epochs 3"


@pytest.mark.slow
def test_an_out_folder_that_cannot_be_made_fails_before_training(tmp_path, capsys) -> None:
    (tmp_path / "file").write_text("")
    code, err = _train([*BASE, "--quiet", "--out", tmp_path / "file" / "sub"], capsys)
    assert code == 2
    assert f"--out {tmp_path / 'file' / 'sub'} must be a folder we can write to, but " in err
    assert f"{tmp_path / 'file'} is not a folder. Hint: pick another --out folder" in err
