"""The model file: one ``.npz`` archive, a JSON header, no pickle, checked before it is read.

The file is a zip archive (what ``np.savez`` writes, so ``np.load`` opens it too) holding

- ``header.json``: format name and version, library version, the network's ``config()``
  (layer dims, activations, loss, dtype, l2), the declared name, shape and dtype of every array,
  and sections written by the layers around the core (preprocessing, training settings,
  metrics, an estimator's fitted state);
- ``W1.npy``, ``b1.npy``, ... ``WL.npy``, ``bL.npy``: the parameters, shapes ``(n[l], n[l-1])``
  and ``(n[l], 1)``; any further arrays a section declares (e.g. ``feature_mean.npy``).

A file is untrusted: before anything is allocated, :func:`read_archive` checks that the members
are exactly the declared names, stored uncompressed, that every ``.npy`` header declares the
shape and plain float dtype the header promises and that its byte size matches; arrays are then
read with ``allow_pickle=False``. Writes are atomic (:func:`atomic_write`).
"""

from __future__ import annotations

import json
import math
import re
import reprlib
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..activations import ACTIVATIONS
from ..initializers import INITIALIZERS
from ..losses import ALIASES, LOSSES
from . import atomic

Array = np.ndarray
FORMAT = "layerwise-model"
FORMAT_VERSION = 1
HEADER = "header.json"
MAX_HEADER_BYTES = 64 << 20
MAX_LAYERS = 10_000
FLOAT_DTYPES = ("float32", "float64")
_ARRAY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def write_archive(path: str | Path, header: dict[str, Any], arrays: dict[str, Array]) -> Path:
    """Write ``header`` (completed with the format fields and the array declarations) and
    ``arrays`` atomically to ``path``. Returns the path."""
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **header,
        "arrays": {k: {"shape": list(a.shape), "dtype": a.dtype.name} for k, a in arrays.items()},
    }
    text = json.dumps(header, indent=1, allow_nan=False, default=_json_default).encode()
    path = Path(path)
    atomic.atomic_write(path, lambda f: _write_zip(f, text, arrays))
    return path


def _json_default(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(f"cannot store {type(x).__name__} in a model header.")


def _write_zip(f, header: bytes, arrays: dict[str, Array]) -> None:
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(HEADER, header)
        for name, array in arrays.items():
            array = np.ascontiguousarray(array)
            with zf.open(f"{name}.npy", "w", force_zip64=array.nbytes > 1 << 30) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def read_archive(path: str | Path) -> tuple[dict[str, Any], dict[str, Array]]:
    """Check and read a model file: ``(header, arrays)``; ``ValueError`` naming the problem if it
    is not one. Never executes code from the file."""
    path = Path(path)
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "not found"
        raise FileNotFoundError(f"model file {path} {what}.")
    try:
        with zipfile.ZipFile(path) as zf:
            header = _read_header(zf, path)
            expected = expected_arrays(header, path)
            _check_members(zf, expected, path)
            arrays = {name: _read_array(zf, name) for name in expected}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as err:
        raise ValueError(
            f"{path} is not a layerwise model file, or it is truncated or corrupt ({err})."
        ) from err
    for name, array in arrays.items():
        if not np.isfinite(array).all():
            raise bad_file(path, f"{name} holds NaN or inf")
    return header, arrays


def bad_file(path: str | Path, problem: str) -> ValueError:
    return ValueError(f"{path} is not a valid layerwise model: {problem}.")


def _read_header(zf: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    names = zf.namelist()
    if HEADER not in names:
        raise bad_file(path, f"no {HEADER} (found {names[:5]}); save models with Network.save")
    info = zf.getinfo(HEADER)
    if info.flag_bits & 0x1:  # zipfile would raise RuntimeError asking for a password
        raise bad_file(path, f"{HEADER} is encrypted")
    if info.file_size > MAX_HEADER_BYTES:
        raise bad_file(path, f"{HEADER} is {info.file_size} bytes, over {MAX_HEADER_BYTES}")
    try:
        header = json.loads(zf.read(HEADER).decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise bad_file(path, f"{HEADER} is not valid JSON ({err})") from err
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise bad_file(path, f"{HEADER} does not describe a {FORMAT!r}")
    version = header.get("format_version")
    if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise bad_file(
            path,
            f"format version {version!r}, this library reads up to {FORMAT_VERSION}; "
            "upgrade layerwise",
        )
    for key in ("training", "metrics"):
        value = header.setdefault(key, {})
        if not isinstance(value, dict):
            raise bad_file(path, f"{key} must be an object, got {reprlib.repr(value)}")
    for split, values in header["metrics"].items():
        if not isinstance(values, dict):
            raise bad_file(
                path,
                f"metrics[{split!r}] must be an object of named numbers, "
                f"got {reprlib.repr(values)}",
            )
    return header


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def expected_arrays(header: dict[str, Any], path: Path) -> dict[str, tuple[tuple[int, ...], str]]:
    """Names, shapes and dtypes of the arrays: the network's, from its checked config, and the
    sections' own, each a plain float array of a declared, bounded shape."""
    dims, dtype = check_network_config(header.get("network"), path)
    expected = {}
    for l in range(1, len(dims)):
        expected[f"W{l}"] = ((dims[l], dims[l - 1]), dtype)
        expected[f"b{l}"] = ((dims[l], 1), dtype)
    declared = header.get("arrays")
    if not isinstance(declared, dict) or not set(expected) <= set(declared):
        raise bad_file(
            path,
            f"arrays must include {sorted(expected)}, the header declares {reprlib.repr(declared)}",
        )
    for name, entry in declared.items():
        if name in expected:
            shape, dt = expected[name]
            if (
                isinstance(entry, dict)
                and entry.get("shape") == list(shape)
                and entry.get("dtype") == dt
            ):
                continue
            raise bad_file(path, f"{name} must be {dt} of shape {shape}, the header says {entry!r}")
        expected[name] = _extra_array(name, entry, path)
    return expected


def _extra_array(name: Any, entry: Any, path: Path) -> tuple[tuple[int, ...], str]:
    """A section's array declaration: a safe name, float dtype, 1 or 2 non-negative dims."""
    shape = entry.get("shape") if isinstance(entry, dict) else None
    if (
        not isinstance(name, str)
        or not _ARRAY_NAME.fullmatch(name)
        or not isinstance(shape, list)
        or not 1 <= len(shape) <= 2
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
        or entry.get("dtype") not in FLOAT_DTYPES
    ):
        raise bad_file(path, f"array {reprlib.repr(name)} is declared as {reprlib.repr(entry)}")
    return tuple(shape), entry["dtype"]


def check_network_config(net: Any, path: Path) -> tuple[list[int], str]:
    """The network section of a header: ``(layer_dims, dtype)`` once every field is checked."""
    if not isinstance(net, dict):
        raise bad_file(path, "network is missing")
    dims = net.get("layer_dims")
    if (
        not isinstance(dims, list)
        or not 2 <= len(dims) <= MAX_LAYERS
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in dims)
    ):
        raise bad_file(path, f"layer_dims must be a list of positive integers, got {dims!r}")
    dtype = net.get("dtype")
    if dtype not in FLOAT_DTYPES:
        raise bad_file(path, f"dtype must be float32 or float64, got {dtype!r}")
    acts = net.get("activations")
    if not isinstance(acts, list) or len(acts) != len(dims) - 1:
        raise bad_file(path, f"activations must list {len(dims) - 1} entries")
    for spec in acts:
        if not isinstance(spec, dict) or spec.get("name") not in ACTIVATIONS:
            raise bad_file(path, f"unknown activation {reprlib.repr(spec)}")
    loss = net.get("loss")
    if not isinstance(loss, str) or (loss not in LOSSES and loss not in ALIASES):
        raise bad_file(path, f"unknown loss {reprlib.repr(loss)}")
    if net.get("init", "zeros") not in ("auto", *INITIALIZERS):
        raise bad_file(path, f"unknown init {reprlib.repr(net.get('init'))}")
    if not isinstance(net.get("legacy_rng", False), bool):
        raise bad_file(path, f"legacy_rng must be true or false, got {net.get('legacy_rng')!r}")
    return dims, dtype


def _check_members(
    zf: zipfile.ZipFile, expected: dict[str, tuple[tuple[int, ...], str]], path: Path
) -> None:
    """Check every member (name, storage, .npy header, byte size) before reading any array."""
    infos = zf.infolist()
    names = [i.filename for i in infos]
    total = Path(zf.filename).stat().st_size
    wanted = {HEADER} | {f"{n}.npy" for n in expected}
    if len(names) != len(set(names)) or set(names) != wanted:
        unexpected = sorted(set(names) - wanted)
        missing = sorted(wanted - set(names))
        raise bad_file(
            path, f"members must be {sorted(wanted)}; missing {missing}, extra {unexpected}"
        )
    for info in infos:
        if info.flag_bits & 0x1 or info.compress_type != zipfile.ZIP_STORED:
            raise bad_file(path, f"{info.filename} is compressed or encrypted")
        if info.compress_size != info.file_size or info.header_offset + info.file_size > total:
            raise bad_file(
                path, f"{info.filename} claims more bytes than the file holds (truncated?)"
            )
        if info.filename == HEADER:
            continue
        name = info.filename[: -len(".npy")]
        shape, dtype = expected[name]
        with zf.open(info) as f:
            try:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    got_shape, fortran, got_dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    got_shape, fortran, got_dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise ValueError(f"unsupported .npy version {version}")
            except ValueError as err:
                raise bad_file(path, f"{info.filename} has no valid .npy header ({err})") from err
            offset = f.tell()
        if (
            got_dtype.hasobject
            or got_dtype.kind != "f"
            or got_dtype.itemsize != np.dtype(dtype).itemsize
        ):
            raise bad_file(path, f"{info.filename} holds {got_dtype}, expected {dtype}")
        if tuple(got_shape) != shape or fortran:
            raise bad_file(path, f"{info.filename} has shape {got_shape}, expected {shape}")
        if info.file_size != offset + math.prod(shape) * got_dtype.itemsize:
            raise bad_file(
                path, f"{info.filename} is {info.file_size} bytes, not what its shape needs"
            )


def _read_array(zf: zipfile.ZipFile, name: str) -> Array:
    with zf.open(f"{name}.npy") as f:
        array = np.lib.format.read_array(f, allow_pickle=False)
    return array.astype(array.dtype.newbyteorder("="), copy=False)
