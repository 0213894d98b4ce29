"""Tested by killing it: SIGKILL at random moments, then resume, and nothing is lost.

1. ``layerwise train --checkpoint`` runs in a child process and is killed with SIGKILL at seeded
   random moments (while reading data, during epochs, checkpoint writes and the final outputs),
   resumed with ``layerwise train --resume`` each time (or restarted when no checkpoint exists
   yet), and finally compared with the uninterrupted run: parameters equal bit for bit, costs
   equal. About one interruption in four is a SIGTERM instead, which lets the current step
   finish and checkpoints the unfinished epoch (exit 143), resumed the same way.
2. Saves (model files and checkpoints, several MB each) are killed mid-write, and the file on disk
   must each time be the previous valid one or the new valid one.

So that a kill costs milliseconds rather than an interpreter's start-up, the children are forked
from a "zygote": a separate, single-threaded Python process that has imported layerwise once and
forks one child per command (``cli.main(argv)`` in the child, which exits with its code). The
zygote sends the SIGKILL itself, before reaping the child, so a recycled pid is never hit.
The counts are printed in the terminal summary.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import counts
import layerwise as lw
from layerwise.data import load_checkpoint

pytestmark = pytest.mark.slow  # hundreds of killed processes

ZYGOTE = r"""
import json, os, signal, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot, pandas  # noqa: F401  (loaded once, shared by every child)
from layerwise import checkpoint, cli, data, plots  # noqa: F401
import tempfile
with open(os.devnull, "w") as null, tempfile.TemporaryDirectory() as warm:
    # a first command imports and caches more: run one here, so every child starts warm
    sys.stdout, sys.stderr, saved = null, null, (sys.stdout, sys.stderr)
    cli.main(["train", "xor", "--epochs", "1", "--quiet", "--out", warm, "--checkpoint", warm])
    sys.stdout, sys.stderr = saved

for line in sys.stdin:
    task = json.loads(line)
    pid = os.fork()
    if pid == 0:  # the child: one command, its output in a log file, then exit
        log = os.open(task["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.chdir(task["cwd"])
        code = 3
        try:
            if task["what"] == "cli":
                code = cli.main(task["argv"])
            else:
                exec(task["code"], {"argv": task["argv"]})
                code = 0
        except SystemExit as stop:  # SIGTERM with --checkpoint: 143 once the checkpoint is written
            code = stop.code
        except BaseException:
            import traceback
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    print(pid, flush=True)
    order = sys.stdin.readline().strip()  # "kill", "term" or "wait"
    if order in ("kill", "term"):  # not reaped yet: pid is still this child's
        os.kill(pid, signal.SIGKILL if order == "kill" else signal.SIGTERM)
    _, status = os.waitpid(pid, 0)
    print(json.dumps([os.WIFSIGNALED(status), os.waitstatus_to_exitcode(status)]), flush=True)
"""


class Zygote:
    """A warmed-up interpreter that forks children on request (see the module docstring)."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.proc = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=cwd,
        )

    running = False

    def start(self, log: Path, argv: list, code: str | None = None) -> None:
        task = {"what": "cli" if code is None else "code", "argv": [str(a) for a in argv]}
        task |= {"code": code, "log": str(log), "cwd": str(self.cwd)}
        self.proc.stdin.write(json.dumps(task) + "\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip().isdigit()
        self.running = True

    def finish(self, kill: bool, term: bool = False) -> tuple[bool, int]:
        """``(killed by the signal, exit code)`` once the child is gone; ``term``: SIGTERM
        (training stops after its current step and checkpoints) instead of SIGKILL."""
        self.proc.stdin.write("term\n" if term else "kill\n" if kill else "wait\n")
        self.proc.stdin.flush()
        killed, code = json.loads(self.proc.stdout.readline())
        self.running = False
        return bool(killed), code

    def close(self) -> None:
        """Stop the zygote (killing a child still running, even when a test failed)."""
        if self.running:
            self.finish(kill=True)
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.proc.stdout.close()


KILLS_PER_RUN = 23
RUNS = {  # four runs, together >= 90 kills: every optimizer, full/mini-batch, both dtypes
    "adam-b16-f64": "xor --optimizer adam --batch-size 16 --epochs 30",
    "gd-full-f32": "xor --optimizer gd --learning-rate 0.5 --batch-size full --dtype float32 "
    "--early-stopping 0 --epochs 60",
    "momentum-b8-f32-stops-early": "iris --optimizer momentum --batch-size 8 --dtype float32 "
    "--early-stopping 3 --epochs 40",  # stops after 28 epochs, keeps epoch 25
    "rmsprop-b32-l2-every2": "xor --optimizer rmsprop --batch-size 32 --l2 0.01 "
    "--early-stopping 0 --checkpoint-every 2 --epochs 50",
}
COMMON = ["train", "--layers", "16,8", "--quiet", "--seed", "4"]


def _result(out: Path) -> tuple[np.ndarray, list[float], list[float]]:
    history = json.loads((out / "history.json").read_text())
    return lw.load(out / "model.npz").theta, history["cost"], history.get("dev_cost", [])


def _stray(folder: Path) -> int:
    return sum(1 for _ in folder.glob(".*.tmp")) if folder.is_dir() else 0


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def _killed_run(
    name: str, options: str, root: Path, seed: int, rerun: bool = False, kills: int = KILLS_PER_RUN
) -> dict[str, int]:
    zygote = Zygote(root)
    try:
        return _kill_and_resume(zygote, name, options, root, seed, rerun, kills)
    finally:
        zygote.close()


def _kill_and_resume(
    zygote: Zygote, name: str, options: str, root: Path, seed: int, rerun: bool, kills: int
):
    """Reference run, then the same run killed and resumed to its end (as many passes as it
    takes to reach ``kills`` kills), each pass compared bit for bit with the reference. Resumed
    with ``--resume`` (or restarted when no checkpoint exists yet); ``rerun``: the identical
    command each time, as a scheduler restarts a job."""
    rng = np.random.default_rng(seed)
    log = root / f"{name}.log"
    ref_out, ref_ck = root / f"{name}-ref", root / f"{name}-ref-ck"
    start = time.monotonic()
    command = [COMMON[0], *options.split(), *COMMON[1:]]  # train DATA options...
    zygote.start(log, [*command, "--out", ref_out, "--checkpoint", ref_ck])
    first, last, mtime = None, None, None  # when checkpoints were written (seconds)
    while not (ref_out / "model.npz").exists():
        stamp = _mtime(ref_ck / "checkpoint.npz")
        if stamp is not None and stamp != mtime:
            mtime, last = stamp, time.monotonic() - start
            first = first or last
        time.sleep(0.001)
    assert zygote.finish(kill=False) == (False, 0), log.read_text()
    total = time.monotonic() - start
    assert first is not None and last is not None
    window = 2 * (last - first) / (0.75 * kills)  # 3/4 of the kills spread over training
    reference = _result(ref_out)
    stopped = json.loads((ref_out / "history.json").read_text())["stopped_epoch"] is not None
    tally = {"kills": 0, "mid_write": 0, "passes": 0, "stopped_early": int(stopped)}
    tally |= {"terms": 0, "mid_epoch": 0, "before_first": 0, "resumed": 0}
    while tally["kills"] < kills:
        tally["passes"] += 1
        out, ck = root / f"{name}-out{tally['passes']}", root / f"{name}-ck{tally['passes']}"
        fresh = [*command, "--out", out, "--checkpoint", ck]
        while True:
            file = ck / "checkpoint.npz"
            resuming = file.exists()
            zygote.start(log, ["train", "--resume", ck] if resuming and not rerun else fresh)
            began, before = time.monotonic(), _mtime(file)
            term = False
            if tally["kills"] < kills:
                u = rng.random()
                if u < (0.15 if resuming else 0.5):  # while reading, splitting, preprocessing
                    time.sleep(rng.uniform(0, first))
                elif u < 0.25:  # a longer stretch: training and maybe the outputs
                    time.sleep(rng.uniform(first, first + total - last))
                else:  # once training runs again (its next checkpoint), a moment in it
                    while _mtime(file) == before and time.monotonic() - began < total:
                        time.sleep(0.001)
                    time.sleep(rng.uniform(0, window))
                term = rng.random() < 0.25  # a SIGTERM instead: stop after the step, checkpoint
                killed, code = zygote.finish(kill=True, term=term)
            else:
                killed, code = zygote.finish(kill=False)
            if term and (killed or code == 143):  # (killed: it came before training began)
                tally["terms"] += 1
                tally["mid_epoch"] += code == 143 and load_checkpoint(ck).steps_done > 0
                continue
            if not killed:
                assert code == 0, log.read_text()[-3000:]
                break
            tally["kills"] += 1
            tally["before_first"] += not file.exists()  # killed before the first checkpoint
            tally["resumed"] += resuming
            tally["mid_write"] += _stray(ck) > 0 or _stray(out) > 0
        result = _result(out)
        assert np.array_equal(result[0], reference[0]), name
        assert result[1:] == reference[1:], name  # costs and dev costs
        assert _stray(ck) == 0  # the resume removed what the killed writers left
    assert "Traceback" not in log.read_text()
    return tally


def test_training_killed_at_random_moments_resumes_bit_for_bit(tmp_path):
    with ThreadPoolExecutor(2) as pool:  # two runs at a time: CI has two cores
        jobs = {
            name: pool.submit(_killed_run, name, options, tmp_path, seed)
            for seed, (name, options) in enumerate(RUNS.items())
        }
        runs = {name: job.result() for name, job in jobs.items()}
    kills = sum(c["kills"] for c in runs.values())
    mid_write = sum(c["mid_write"] for c in runs.values())
    passes = sum(c["passes"] for c in runs.values())
    terms = sum(c["terms"] for c in runs.values())
    mid_epoch = sum(c["mid_epoch"] for c in runs.values())
    counts.report(
        f"kill test: {kills} SIGKILLs and {terms} SIGTERMs ({mid_epoch} stopped inside an "
        f"epoch) over {len(RUNS)} settings, {passes} runs to the end ({mid_write} kills while "
        "a file was being written); every run resumed bit for bit"
    )
    assert terms >= 10
    assert kills >= 90
    assert runs["momentum-b8-f32-stops-early"]["stopped_early"]  # early stopping did stop
    assert mid_write >= 1  # some kills did land inside a checkpoint or output write


def test_the_same_command_killed_and_run_again_ends_bit_for_bit(tmp_path):
    # a job script's habit: no --resume, the identical command again until it succeeds
    tally = _killed_run("rerun", RUNS["adam-b16-f64"], tmp_path, seed=7, rerun=True, kills=12)
    counts.report(
        f"kill test (the same command again): {tally['kills']} SIGKILLs and {tally['terms']} "
        f"SIGTERMs, {tally['passes']} runs to the end; every run ended bit for bit"
    )
    assert tally["kills"] >= 12
    assert tally["before_first"] >= 1 and tally["resumed"] >= 1  # before and after the first


# ----- saves killed mid-write ---------------------------------------------------------------------
WRITER = """
import itertools
import numpy as np
import layerwise as lw
from layerwise.checkpoint import Checkpointer
from layerwise.callbacks import History

kind, path, done_log, start = argv[0], argv[1], argv[2], int(argv[3])
net = lw.Network([1000, 100, 1], init="zeros")  # 100k parameters: 0.8 MB per array
opt = lw.Adam()
opt.state = {"theta": {"v": np.zeros_like(net.theta), "s": np.zeros_like(net.theta)}}
saver = Checkpointer(path, 1, False, net=net, optimizer=opt, rng=net.shuffle_rng,
                     callbacks=[], data=(), settings={})
with open(done_log, "a") as done:
    for k in itertools.count(start):
        net.theta.fill(k)
        opt.state["theta"]["v"].fill(k)
        if kind == "model":
            lw.save(net, path)
        else:
            saver.save(k, History(cost=[0.5] * k, epoch_seconds=[0.0] * k))
        done.write(f"{k}\\n")
        done.flush()
"""
MID_WRITE_KILLS = 200


def _version(kind: str, path: Path) -> int:
    """The version a valid file holds (checking that all of it is that version), or raise."""
    if kind == "model":
        theta = lw.load(path).theta
    else:
        ck = load_checkpoint(path)
        theta = ck.network.theta
        assert ck.epochs_done == theta[0] and np.all(ck.arrays["opt.v"] == theta[0])
    assert np.all(theta == theta[0])
    return int(theta[0])


def _kill_saves(kind: str, folder: Path, seed: int, wanted: int) -> dict[str, int]:
    folder.mkdir()
    zygote = Zygote(folder)
    try:
        return _kill_while_saving(zygote, kind, folder, seed, wanted)
    finally:
        zygote.close()


def _kill_while_saving(zygote: Zygote, kind: str, folder: Path, seed: int, wanted: int):
    rng = np.random.default_rng(seed)
    path = folder / ("model.npz" if kind == "model" else "checkpoint.npz")
    done_log, log = folder / "done.txt", folder / "log.txt"
    tally = {"kills": 0, "mid_write": 0}
    version = -1  # nothing on disk yet
    while tally["mid_write"] < wanted:
        assert tally["kills"] < 5 * wanted, tally  # writes must fill the writer's time
        done_log.write_text("")
        zygote.start(log, [kind, path, done_log, version + 1], code=WRITER)
        time.sleep(rng.uniform(0.0, 0.1))
        killed, _ = zygote.finish(kill=True)
        assert killed, log.read_text()[-3000:]
        tally["kills"] += 1
        lines = done_log.read_text().split()
        done = int(lines[-1]) if lines else version  # the last save that finished
        stray = list(folder.glob(f".{path.name}.*.tmp"))
        tally["mid_write"] += bool(stray)
        for p in stray:
            p.unlink()
        if not path.exists():
            assert done == -1
            continue
        version = _version(kind, path)
        assert version in (done, done + 1), (version, done)  # the old file or the new one
    return tally


def test_saves_killed_mid_write_leave_the_old_or_the_new_file(tmp_path):
    with ThreadPoolExecutor(2) as pool:
        jobs = [
            pool.submit(_kill_saves, kind, tmp_path / kind, seed, MID_WRITE_KILLS // 2)
            for seed, kind in enumerate(("model", "checkpoint"))
        ]
        tallies = [job.result() for job in jobs]
    mid_write = sum(c["mid_write"] for c in tallies)
    counts.report(
        f"mid-write kill test: {sum(c['kills'] for c in tallies)} SIGKILLs, {mid_write} in the "
        "middle of a save; every file left was the old valid one or the new valid one"
    )
    assert mid_write >= MID_WRITE_KILLS
