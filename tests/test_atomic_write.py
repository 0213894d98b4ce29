"""Writes that cannot corrupt: disk full, permissions, interrupts leave the old file, no temp file.

A real "disk full" comes from the kernel through RLIMIT_FSIZE (writes past the limit fail with
EFBIG, as they fail with ENOSPC on a full disk) in a subprocess; ENOSPC and EACCES themselves are
injected. Divergence tests are at the end.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import layerwise as lw
from layerwise.callbacks import DivergenceError
from layerwise.persistence import atomic as persistence
from layerwise.persistence import atomic_write


def _files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), "Disk quota exceeded"),
        (PermissionError(errno.EACCES, "Permission denied"), "Permission denied"),
        (OSError(), "OSError"),  # no errno, no text: its type names it
    ],
)
def test_a_failing_write_keeps_the_previous_file_and_no_temporary(tmp_path, error, text) -> None:
    target = tmp_path / "model.npz"
    target.write_bytes(b"old")

    def write(f) -> None:
        f.write(b"new, partly")
        raise error

    with pytest.raises(
        type(error), match=f"cannot write .*model.npz: {text}; the previous file"
    ) as e:
        atomic_write(target, write)
    assert e.value.errno == error.errno  # what callers test (ENOSPC...) survives the rewording
    assert target.read_bytes() == b"old" and _files(tmp_path) == ["model.npz"]


def test_a_failing_rename_or_temporary_file_is_reported_in_one_line(tmp_path, monkeypatch) -> None:
    target = tmp_path / "h.json"

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(persistence.os, "replace", refuse)
    with pytest.raises(PermissionError, match=r"cannot write .*h.json: Permission denied; nothing"):
        atomic_write(target, b"{}")
    assert _files(tmp_path) == []
    monkeypatch.setattr(persistence.os, "open", refuse)  # the temporary file cannot be made
    with pytest.raises(PermissionError, match=r"cannot write .*: Permission denied; nothing was"):
        atomic_write(target, b"{}")


def test_temporary_names_are_drawn_again_when_taken(tmp_path, monkeypatch) -> None:
    names = iter(["aaaaaaaaaaaa", "aaaaaaaaaaaa", "bbbbbbbbbbbb"])
    monkeypatch.setattr(persistence.secrets, "token_hex", lambda n: next(names))
    (tmp_path / ".t.bin.aaaaaaaaaaaa.tmp").write_bytes(b"someone else's")
    atomic_write(tmp_path / "t.bin", b"new")
    assert (tmp_path / "t.bin").read_bytes() == b"new"
    assert (tmp_path / ".t.bin.aaaaaaaaaaaa.tmp").read_bytes() == b"someone else's"


def test_an_interrupt_during_a_write_removes_the_temporary_file(tmp_path) -> None:
    target = tmp_path / "c.npz"
    target.write_bytes(b"old")

    def write(f) -> None:
        f.write(b"x" * 1000)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, write)
    assert target.read_bytes() == b"old" and _files(tmp_path) == ["c.npz"]


def _limited(code: str, limit: int, cwd) -> subprocess.CompletedProcess:
    """Run ``code`` with files limited to ``limit`` bytes (the kernel's EFBIG = a full disk)."""
    prelude = f"""
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write instead of dying
        resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
    """
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(prelude) + textwrap.dedent(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_disk_full_while_saving_a_model_keeps_the_previous_model(tmp_path) -> None:
    small = lw.Network([2, 1], seed=0)
    small.save(tmp_path / "model.npz")
    before = (tmp_path / "model.npz").read_bytes()
    result = _limited(
        """
        import layerwise as lw
        try:
            lw.Network([300, 200, 1], seed=0).save("model.npz")  # ~0.5 MB, over the limit
        except OSError as err:
            print(type(err).__name__, err)
        """,
        100_000,
        tmp_path,
    )
    assert "cannot write model.npz: File too large; the previous file is unchanged" in (
        result.stdout
    ), result.stderr
    assert (tmp_path / "model.npz").read_bytes() == before
    assert _files(tmp_path) == ["model.npz"]
    assert np.array_equal(lw.load(tmp_path / "model.npz").theta, small.theta)


def test_the_temporary_file_is_hidden_next_to_the_target_until_the_rename(tmp_path) -> None:
    # `.NAME.*.tmp` in the target's folder: the pattern a resume removes a killed writer's by,
    # on the same file system as the target so that the rename is atomic
    seen = []
    target = tmp_path / "model.npz"
    atomic_write(target, lambda f: (seen.extend(_files(tmp_path)), f.write(b"new")))
    assert len(seen) == 1 and seen[0].startswith(".model.npz.") and seen[0].endswith(".tmp")
    assert _files(tmp_path) == ["model.npz"] and target.read_bytes() == b"new"


def test_a_bare_file_name_is_written_in_the_working_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert str(atomic_write("plain.txt", b"x")) == "plain.txt"
    assert (tmp_path / "plain.txt").read_bytes() == b"x" and _files(tmp_path) == ["plain.txt"]


@pytest.fixture(params=[0o022, 0o077], ids=["umask-022", "umask-077"])
def umask(request):
    old = os.umask(request.param)  # 022, the usual: rw-r--r--; 077, a private user: rw-------
    yield request.param
    os.umask(old)


def _save_model(path) -> None:
    lw.Network([2, 3, 1], seed=0).save(path)


def _save_checkpoint(path) -> None:
    X = np.random.default_rng(0).standard_normal((2, 8))
    lw.Network([2, 3, 1], seed=0).fit(X, (X[:1] > 0).astype(float), epochs=2, checkpoint=path)


@pytest.mark.parametrize("save", [_save_model, _save_checkpoint], ids=["model", "checkpoint"])
def test_a_new_file_gets_the_usual_mode_and_an_overwritten_one_keeps_its_own(
    tmp_path, umask, save
) -> None:
    # a new file gets the mode open() would give it (0o666 less the umask), not mkstemp's 0o600
    # nor a fixed 0o644 that a private umask would not want
    path = tmp_path / "file.npz"
    save(path)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    path.chmod(0o640)
    save(path)
    assert path.stat().st_mode & 0o777 == 0o640
    assert _files(tmp_path) == ["file.npz"]


@pytest.mark.slow
def test_disk_full_in_the_cli_is_one_line_and_leaves_no_temporary(tmp_path) -> None:
    result = _limited(
        """
        import sys
        from layerwise.cli import main
        sys.exit(main(["train", "xor", "--layers", "300", "--epochs", "2", "--quiet",
                       "--out", "out", "--checkpoint", "ck"]))
        """,
        20_000,
        tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot write ") and result.stderr.count("\n") == 1
    assert "File too large; nothing was written" in result.stderr and "Traceback" not in (
        result.stderr
    )
    assert _files(tmp_path / "ck") == []


@pytest.mark.slow
def test_plots_are_written_atomically(tmp_path, monkeypatch) -> None:
    pytest.importorskip("matplotlib")
    from layerwise import plots

    target = tmp_path / "cost.png"
    target.write_bytes(b"old png")
    monkeypatch.setattr(
        persistence.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full"))
    )
    with pytest.raises(OSError, match=r"cannot write .*cost.png: full; the previous file"):
        plots.plot_cost({"cost": [1.0, 0.5]}, target)
    assert target.read_bytes() == b"old png" and _files(tmp_path) == ["cost.png"]


# ----- divergence -------------------------------------------------------------------------------
def _diverging(dtype="float64"):
    rng = np.random.default_rng(0)
    X = (10 * rng.standard_normal((3, 64))).astype(dtype)
    Y = (X[:1] ** 2).astype(dtype)
    return X, Y


def test_full_batch_divergence_keeps_the_parameters_before_the_bad_step() -> None:
    X, Y = _diverging()
    net = lw.Network([3, 8, 1], hidden="relu", output="linear", seed=0)
    with pytest.raises(
        DivergenceError, match=r"at epoch (\d+) .*starting with example 0 .*last finite"
    ) as e:
        net.fit(X, Y, epochs=500, learning_rate=0.5)
    assert np.isfinite(net.theta).all()
    epoch = int(str(e.value).split("at epoch ")[1].split()[0])
    twin = lw.Network([3, 8, 1], hidden="relu", output="linear", seed=0)
    twin.fit(X, Y, epochs=epoch, learning_rate=0.5)  # the epochs before the bad one
    assert np.array_equal(net.theta, twin.theta)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_mini_batch_divergence_stops_within_one_mini_batch(optimizer) -> None:
    X, Y = _diverging()
    net = lw.Network([3, 8, 1], hidden="relu", output="linear", seed=0)
    lr = {"gd": 0.3, "momentum": 0.3, "adam": 1e200}[optimizer]
    with pytest.raises(DivergenceError, match=r"mini-batch starting with example (\d+) ") as e:
        net.fit(X, Y, epochs=500, learning_rate=lr, batch_size=8, optimizer=optimizer)
    assert np.isfinite(net.theta).all()
    assert "kept the last finite parameters" in str(e.value)


def test_mini_batch_divergence_keeps_the_parameters_before_the_bad_mini_batch() -> None:
    X, Y = _diverging()
    options = dict(learning_rate=0.3, batch_size=8, shuffle=False)
    net = lw.Network([3, 8, 1], hidden="relu", output="linear", seed=0)
    with pytest.raises(DivergenceError) as e:
        net.fit(X, Y, epochs=500, **options)
    text = str(e.value)
    epoch = int(text.split("at epoch ")[1].split()[0])
    start = int(text.split("starting with example ")[1].split()[0])  # the bad batch's first
    twin = lw.Network([3, 8, 1], hidden="relu", output="linear", seed=0)
    if epoch:
        twin.fit(X, Y, epochs=epoch, **options)  # the finite epochs
    if start:
        twin.fit(X[:, :start], Y[:, :start], epochs=1, **options)  # the good mini-batches
    np.testing.assert_allclose(net.theta, twin.theta, rtol=1e-12)


def test_divergence_with_a_checkpoint_keeps_the_last_good_checkpoint(tmp_path) -> None:
    from layerwise.data import load_checkpoint

    X, Y = _diverging()
    net = lw.Network([3, 8, 1], hidden="relu", output="linear", seed=0)
    with pytest.raises(DivergenceError):
        net.fit(X, Y, epochs=500, learning_rate=0.5, checkpoint=tmp_path / "c.npz")
    ck = load_checkpoint(tmp_path / "c.npz")
    assert np.isfinite(ck.network.theta).all() and ck.epochs_done >= 1


def test_divergence_in_the_cli_is_one_line_with_epoch_and_learning_rate(tmp_path, capsys) -> None:
    from layerwise.cli import main

    argv = ["train", "xor", "--optimizer", "gd", "--learning-rate", "1e30", "--epochs", "3"]
    code = main([*argv, "--out", str(tmp_path / "out")])  # not runs/ in the working folder
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2 and err.startswith("error: Cost became")
    assert "at epoch 0" in err and "(--learning-rate 1e+30)" in err and "lower the learning" in err
    assert os.linesep not in err
