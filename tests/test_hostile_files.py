"""A corpus of hostile model and checkpoint files, generated here, every one rejected.

Each file is opened by the loader it targets (``layerwise.load_model``, ``load_checkpoint`` and
``fit(..., resume=True)``) under tracemalloc: it must raise ``ValueError`` (or
``FileNotFoundError`` for what is not a regular file) with a message naming the file, in under
10 s and under 1 GiB of traced memory, and the canary file that the pickle payloads would create
must never appear. Plus: every truncation of a small valid model and checkpoint, and the CLI on
a sample (one ``error:`` line, exit 2, no traceback). The counts are printed in the summary.
"""

from __future__ import annotations

import io
import json
import pathlib
import pickle
import time
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import counts
import layerwise as lw
from layerwise import cli
from layerwise.data import load_checkpoint, load_model

GIB = 1 << 30
CANARY = "canary-was-created"


class Payload:
    """Unpickling this calls ``Path.touch(canary)``: proof that a loader executed pickle."""

    def __init__(self, canary: Path) -> None:
        self.canary = canary

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.canary),))


def _npy(array: np.ndarray, **kw) -> bytes:
    f = io.BytesIO()
    np.lib.format.write_array(f, array, allow_pickle=True, **kw)
    return f.getvalue()


def _npy_raw(header: str, body: bytes = b"") -> bytes:
    """A .npy whose header text is exactly ``header`` (padded to the format's alignment)."""
    text = header.encode("latin1")
    pad = 64 - (10 + len(text) + 1) % 64
    text += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + body


def _zip(files: dict[str, bytes], compression=zipfile.ZIP_STORED) -> bytes:
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point of some files
        with zipfile.ZipFile(f, "w", compression=compression) as zf:
            for name, data in files.items() if isinstance(files, dict) else files:
                zf.writestr(name, data)
    return f.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _edit_header(data: bytes, edit: Callable[[dict], None]) -> bytes:
    files = _members(data)
    header = json.loads(files["header.json"])
    edit(header)
    files["header.json"] = json.dumps(header).encode()
    return _zip(files)


def _replace(data: bytes, name: str, content: bytes) -> bytes:
    return _zip(_members(data) | {name: content})


def _set(path: list, value) -> Callable[[dict], None]:
    def edit(header: dict) -> None:
        target = header
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


def _bomb(name: str, size: int) -> bytes:
    """A deflated member of ``size`` zero bytes (a thousandth of that on disk)."""
    f = io.BytesIO()
    with (
        zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as zf,
        zf.open(name, "w", force_zip64=True) as member,
    ):
        block = bytes(1 << 20)
        for _ in range(size >> 20):
            member.write(block)
    return f.getvalue()


def _with_bomb(files: dict[str, bytes], name: str, size: int) -> bytes:
    """``files`` stored, except ``name``: ``size`` zero bytes, deflated."""
    f = io.BytesIO()
    with zipfile.ZipFile(f, "w") as zf:
        for member, data in files.items():
            if member != name:
                zf.writestr(member, data)
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as out:
            block = bytes(1 << 20)
            for _ in range(size >> 20):
                out.write(block)
    return f.getvalue()


def _flag_encrypted(data: bytes) -> bytes:
    """Set the 'encrypted' bit of every entry (local and central headers)."""
    out = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (i := out.find(sig, start)) >= 0:
            out[i + offset] |= 1
            start = i + 4
    return bytes(out)


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> dict[str, bytes]:
    """A small valid model file and checkpoint, as bytes."""
    folder = tmp_path_factory.mktemp("valid")
    net = lw.Network([2, 3, 1], seed=0)
    net.save(folder / "model.npz")
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((2, 8)), (rng.random((1, 8)) > 0.5).astype(float)
    net.fit(
        X,
        Y,
        epochs=2,
        optimizer="adam",
        callbacks=[lw.EarlyStopping(3, monitor="cost")],
        checkpoint=folder / "ck.npz",
    )
    return {
        "model": (folder / "model.npz").read_bytes(),
        "checkpoint": (folder / "ck.npz").read_bytes(),
    }


def corpus(valid: dict[str, bytes], canary: Path) -> list[tuple[str, str, bytes]]:
    """``(name, kind, bytes)``: kind is "model", "checkpoint" or "both" (either loader)."""
    model, ck = valid["model"], valid["checkpoint"]
    evil = Payload(canary)
    pickled = pickle.dumps(evil)
    obj_array = np.empty((3, 2), dtype=object)
    obj_array[0, 0] = evil
    files: list[tuple[str, str, bytes]] = [
        # not a zip at all
        ("empty file", "both", b""),
        ("raw pickle payload", "both", pickled),
        ("random bytes", "both", np.random.default_rng(1).bytes(4096)),
        ("png signature", "both", b"\x89PNG\r\n\x1a\n" + bytes(100)),
        ("hdf5 signature", "both", b"\x89HDF\r\n\x1a\n" + bytes(100)),
        ("json text", "both", b'{"format": "layerwise-model"}'),
        ("a bare .npy", "both", _npy(np.zeros(3))),
        ("pickle .npy", "both", _npy(obj_array)),
        # valid zips of the wrong thing
        ("empty zip", "both", _zip({})),
        ("np.savez of arrays", "both", _zip({"arr_0.npy": _npy(np.zeros(3))})),
        ("zip of a text file", "both", _zip({"readme.txt": b"hello"})),
        ("model opened as checkpoint", "checkpoint", model),
        ("checkpoint opened as model", "model", ck),
        # pickle and object arrays inside a valid-looking file
        ("object W1 with pickle", "model", _replace(model, "W1.npy", _npy(obj_array))),
        ("object theta with pickle", "checkpoint", _replace(ck, "theta.npy", _npy(obj_array))),
        ("pickle bytes as W1.npy", "model", _replace(model, "W1.npy", pickled)),
        ("pickle bytes as header", "both", _replace(model, "header.json", pickled)),
        (
            "object dtype declared",
            "checkpoint",
            _edit_header(
                _replace(ck, "theta.npy", _npy(obj_array)),
                _set(["arrays", "theta", "dtype"], "object"),
            ),
        ),
        # bombs and sizes
        ("zip bomb header 100 MB", "both", _bomb("header.json", 100 << 20)),
        ("zip bomb W1 200 MB", "model", _with_bomb(_members(model), "W1.npy", 200 << 20)),
        ("zip bomb theta 200 MB", "checkpoint", _with_bomb(_members(ck), "theta.npy", 200 << 20)),
        ("deflated members", "both", _zip(_members(model), zipfile.ZIP_DEFLATED)),
        ("deflated checkpoint", "checkpoint", _zip(_members(ck), zipfile.ZIP_DEFLATED)),
        (
            "terabyte shape in .npy",
            "model",
            _replace(
                model,
                "W1.npy",
                _npy_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }"),
            ),
        ),
        (
            "terabyte layer_dims",
            "model",
            _edit_header(model, _set(["network", "layer_dims"], [1_000_000, 1_000_000, 1])),
        ),
        (
            "terabyte theta declared",
            "checkpoint",
            _edit_header(ck, _set(["arrays", "theta", "shape"], [1 << 39])),
        ),
        (
            "negative shape in .npy",
            "model",
            _replace(
                model,
                "W1.npy",
                _npy_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (-3, 2), }"),
            ),
        ),
        (
            "negative shape declared",
            "checkpoint",
            _edit_header(ck, _set(["arrays", "theta", "shape"], [-17])),
        ),
        (
            "overflowing layer_dims",
            "model",
            _edit_header(model, _set(["network", "layer_dims"], [2**62, 2**62, 1])),
        ),
        (
            "overflowing shape in both headers",
            "model",
            _replace(
                _edit_header(
                    model,
                    lambda h: (
                        h["network"].__setitem__("layer_dims", [2**62, 2**62, 1]),
                        h["arrays"]["W1"].__setitem__("shape", [2**62, 2**62]),
                    ),
                ),
                "W1.npy",
                _npy_raw(
                    f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({2**62}, {2**62}), }}"
                ),
            ),
        ),
        (
            "overflowing theta",
            "checkpoint",
            _replace(
                _edit_header(ck, _set(["arrays", "theta", "shape"], [2**62, 4])),
                "theta.npy",
                _npy_raw(f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({2**62}, 4), }}"),
            ),
        ),
        (
            "huge .npy header length",
            "model",
            _replace(
                model, "W1.npy", b"\x93NUMPY\x02\x00" + (1 << 31).to_bytes(4, "little") + b"{"
            ),
        ),
        # names
        ("../ member", "both", _zip(_members(model) | {"../../evil.npy": b"x"})),
        ("absolute member", "both", _zip(_members(model) | {"/etc/evil.npy": b"x"})),
        (
            "../ array name declared",
            "checkpoint",
            _edit_header(
                ck, lambda h: h["arrays"].__setitem__("../x", {"shape": [1], "dtype": "float64"})
            ),
        ),
        (
            "duplicate members",
            "both",
            _zip([*_members(model).items(), ("W1.npy", _members(model)["W1.npy"])]),
        ),
        (
            "duplicate checkpoint members",
            "checkpoint",
            _zip([*_members(ck).items(), ("theta.npy", _members(ck)["theta.npy"])]),
        ),
        (
            "missing member",
            "model",
            _zip({k: v for k, v in _members(model).items() if k != "b2.npy"}),
        ),
        ("extra member", "checkpoint", _zip(_members(ck) | {"extra.npy": _npy(np.zeros(2))})),
        ("encrypted flag", "both", _flag_encrypted(model)),
        ("encrypted checkpoint", "checkpoint", _flag_encrypted(ck)),
        # dtypes and byte orders
        ("int64 W1", "model", _replace(model, "W1.npy", _npy(np.zeros((3, 2), np.int64)))),
        ("complex W1", "model", _replace(model, "W1.npy", _npy(np.zeros((3, 2), complex)))),
        ("float16 W1", "model", _replace(model, "W1.npy", _npy(np.zeros((3, 2), np.float16)))),
        ("bool theta", "checkpoint", _replace(ck, "theta.npy", _npy(np.zeros(13, bool)))),
        ("big-endian theta", "checkpoint", _replace(ck, "theta.npy", _npy(np.zeros(13, ">f8")))),
        (
            "float32 theta in a float64 run",
            "checkpoint",
            _replace(ck, "theta.npy", _npy(np.zeros(13, np.float32))),
        ),
        (
            "fortran-order W1",
            "model",
            _replace(model, "W1.npy", _npy(np.asfortranarray(np.zeros((3, 2))))),
        ),
        (
            "structured dtype W1",
            "model",
            _replace(model, "W1.npy", _npy(np.zeros(6, "f4,f4").reshape(3, 2))),
        ),
        ("NaN weights", "model", _replace(model, "W1.npy", _npy(np.full((3, 2), np.nan)))),
        ("inf theta", "checkpoint", _replace(ck, "theta.npy", _npy(np.full(13, np.inf)))),
        ("W1 body too short", "model", _replace(model, "W1.npy", _npy(np.zeros((3, 2)))[:-8])),
        (
            "theta body too long",
            "checkpoint",
            _replace(ck, "theta.npy", _npy(np.zeros(13)) + bytes(8)),
        ),
        # headers that lie
        (
            "lying layer_dims",
            "model",
            _edit_header(model, _set(["network", "layer_dims"], [2, 5, 1])),
        ),
        (
            "lying theta dims",
            "checkpoint",
            _edit_header(ck, _set(["network", "layer_dims"], [2, 5, 1])),
        ),
        (
            "too few activations",
            "both",
            _edit_header(model, _set(["network", "activations"], [{"name": "relu"}])),
        ),
        (
            "unknown activation",
            "model",
            _edit_header(model, _set(["network", "activations", 0, "name"], "os.system")),
        ),
        ("unknown loss", "checkpoint", _edit_header(ck, _set(["network", "loss"], "__import__"))),
        ("float16 network", "model", _edit_header(model, _set(["network", "dtype"], "float16"))),
        ("future format version", "both", _edit_header(model, _set(["format_version"], 99))),
        ("other format", "checkpoint", _edit_header(ck, _set(["format"], "pickle"))),
        ("header is a list", "both", _replace(model, "header.json", b"[1, 2, 3]")),
        (
            "deeply nested header",
            "both",
            _replace(model, "header.json", b"[" * 100_000 + b"]" * 100_000),
        ),
        (
            "NaN in header",
            "checkpoint",
            _replace(
                ck,
                "header.json",
                _members(ck)["header.json"].replace(b'"epochs_done": 2', b'"epochs_done": NaN'),
            ),
        ),
        ("non-UTF-8 header", "both", _replace(model, "header.json", b"\xff\xfe{}")),
        (
            "optimizer slot of the wrong size",
            "checkpoint",
            _replace(
                _edit_header(ck, _set(["arrays", "opt.v", "shape"], [5])),
                "opt.v.npy",
                _npy(np.zeros(5)),
            ),
        ),
        (
            "slot of another optimizer",
            "checkpoint",
            _edit_header(ck, _set(["optimizer", "config", "name"], "momentum")),
        ),
        ("negative step count", "checkpoint", _edit_header(ck, _set(["optimizer", "t"], -1))),
        ("negative epochs_done", "checkpoint", _edit_header(ck, _set(["epochs_done"], -5))),
        (
            "history shorter than epochs",
            "checkpoint",
            _edit_header(ck, _set(["history", "cost"], [0.5])),
        ),
        (
            "history of strings",
            "checkpoint",
            _edit_header(ck, _set(["history", "cost"], ["a", "b"])),
        ),
        (
            "stopped epoch out of range",
            "checkpoint",
            _edit_header(ck, _set(["history", "stopped_epoch"], 10**9)),
        ),
        ("missing fingerprint", "checkpoint", _edit_header(ck, lambda h: h.pop("fingerprint"))),
        (
            "preprocessing lies",
            "model",
            _edit_header(
                model, _set(["preprocessing"], {"scaling": "standardize", "numeric": ["a"] * 5})
            ),
        ),
    ]
    return files


RESUME_ONLY = [  # valid files whose content only a resume can refuse
    ("garbage rng state", _set(["rng"], {"bit_generator": "PCG64", "state": "x"})),
    ("rng of another kind", _set(["rng"], {"bit_generator": "MT19937", "state": {}})),
    ("early stopping state of strings", _set(["callbacks", 0], {"best": "x", "wait": "y"})),
    ("callbacks not objects", _set(["callbacks"], [7])),
]


def _load(kind: str, path: Path) -> None:
    if kind == "model":
        load_model(path)
    else:
        load_checkpoint(path)


def _rejected(kind: str, path: Path, canary: Path) -> str:
    """Load under tracemalloc; return the message (the test fails on anything else)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises((ValueError, FileNotFoundError)) as err:
            _load(kind, path)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(err.value)
    assert seconds < 10 and peak < GIB, (path.name, seconds, peak)
    assert str(path) in message and len(message) < 600, message
    assert not canary.exists()
    return message


@pytest.mark.slow
def test_every_hostile_file_is_rejected(tmp_path, valid) -> None:
    canary = tmp_path / CANARY
    files = corpus(valid, canary)
    assert len({name for name, _, _ in files}) == len(files)
    n = 0
    for i, (_, kind, data) in enumerate(files):
        path = tmp_path / f"hostile{i}.npz"
        path.write_bytes(data)
        for loader in ("model", "checkpoint") if kind == "both" else (kind,):
            _rejected(loader, path, canary)
            n += 1
    counts.report(
        f"hostile files: {len(files)} generated files, {n} loads, every one rejected "
        "under 10 s and 1 GiB, canary never created"
    )
    assert len(files) >= 44 and not canary.exists()


def test_the_loaders_accept_the_untouched_files(tmp_path, valid) -> None:
    # so the rejections above are about the damage, not about the starting files
    (tmp_path / "m.npz").write_bytes(valid["model"])
    (tmp_path / "c.npz").write_bytes(valid["checkpoint"])
    assert load_model(tmp_path / "m.npz").network.layer_dims == [2, 3, 1]
    assert load_checkpoint(tmp_path / "c.npz").epochs_done == 2


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["model", "checkpoint"])
def test_every_truncation_of_a_small_valid_file_is_rejected(tmp_path, valid, kind) -> None:
    data = valid[kind]
    canary = tmp_path / CANARY
    path = tmp_path / "cut.npz"
    for size in range(len(data)):
        path.write_bytes(data[:size])
        try:
            _load(kind, path)
        except (ValueError, FileNotFoundError) as err:
            assert str(path) in str(err)
        else:
            pytest.fail(f"{kind} cut to {size} of {len(data)} bytes was accepted")
    assert not canary.exists()
    counts.report(f"hostile files: all {len(data)} truncations of a valid {kind} rejected")


def test_hostile_checkpoints_are_refused_by_resume(tmp_path, valid) -> None:
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((2, 8)), (rng.random((1, 8)) > 0.5).astype(float)
    path = tmp_path / "ck.npz"
    for name, edit in RESUME_ONLY:
        path.write_bytes(_edit_header(valid["checkpoint"], edit))
        net = lw.Network([2, 3, 1], seed=0)
        with pytest.raises(ValueError, match=r"checkpoint|shuffle generator|EarlyStopping") as err:
            net.fit(
                X,
                Y,
                epochs=4,
                optimizer="adam",
                callbacks=[lw.EarlyStopping(3, monitor="cost")],
                checkpoint=path,
                resume=True,
            )
        assert "Traceback" not in str(err.value), name
    counts.report(f"hostile files: {len(RESUME_ONLY)} checkpoints refused by resume")


@pytest.mark.slow
def test_the_cli_rejects_hostile_files_in_one_line(tmp_path, valid, capsys) -> None:
    canary = tmp_path / CANARY
    files = corpus(valid, canary)
    for i, (_, kind, data) in enumerate(files[::3]):
        path = tmp_path / f"h{i}.npz"
        path.write_bytes(data)
        argv = ["summary", str(path)] if kind != "checkpoint" else ["train", "--resume", str(path)]
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert not canary.exists()


def test_a_folder_fifo_or_device_is_not_read(tmp_path) -> None:
    import os

    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    for path in (tmp_path, fifo, Path("/dev/zero")):
        with pytest.raises(FileNotFoundError, match=r"not found|is a folder|not a regular file"):
            load_model(path)
        with pytest.raises(FileNotFoundError, match=r"not found|is a folder|not a regular file"):
            load_checkpoint(path if path != tmp_path else tmp_path / "none")
