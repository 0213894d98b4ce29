"""Saving and loading models: one ``.npz`` file, a JSON header, no pickle, atomic writes.

The file is a zip archive (what ``np.savez`` writes, so ``np.load`` opens it too) holding

- ``header.json``: format name and version, library version, the network's ``config()``
  (layer dims, activations, loss, dtype, l2), the declared name, shape and dtype of every array,
  the preprocessing state, training settings and metrics;
- ``W1.npy``, ``b1.npy``, ... ``WL.npy``, ``bL.npy``: the parameters, shapes ``(n[l], n[l-1])``
  and ``(n[l], 1)``; ``feature_mean.npy``, ``feature_scale.npy`` when features are standardized.

A file is untrusted: before anything is allocated, :func:`load_model` checks that the members are
exactly the expected names, stored uncompressed, that every ``.npy`` header declares the shape
and plain float dtype the header promises and that its byte size matches; arrays are then read
with ``allow_pickle=False``. Writes go to a temporary file in the same folder, are flushed and
fsynced, then renamed over the target, so a crash leaves the old file or the new one.
"""

from __future__ import annotations

import json
import os
import reprlib
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES
from .network import Network

Array = np.ndarray
FORMAT = "layerwise-model"
FORMAT_VERSION = 1
HEADER = "header.json"
MAX_HEADER_BYTES = 64 << 20
MAX_LAYERS = 10_000
FLOAT_DTYPES = ("float32", "float64")


@dataclass
class SavedModel:
    """What a model file holds: the network, its preprocessing (or None) and the raw header."""

    network: Network
    preprocessor: Any | None = None
    header: dict[str, Any] = field(default_factory=dict)


def _version() -> str:
    from . import __version__

    return __version__


def save(
    net: Network,
    path: str | Path,
    *,
    preprocessor: Any | None = None,
    training: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
) -> Path:
    """Write ``net`` (and optionally its preprocessing, training settings and metrics) to ``path``.

    The file name is used as given (``model.npz`` is the convention). Returns the path.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a layerwise.Network, got {type(net).__name__}.")
    arrays: dict[str, Array] = dict(net.parameters)  # W1: (n1, n0), b1: (n1, 1), ...
    pre_header = None
    if preprocessor is not None:
        pre_header = preprocessor.to_header()
        arrays |= {k: np.asarray(v, dtype=np.float64) for k, v in preprocessor.arrays().items()}
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "library_version": _version(),
        "network": net.config(),
        "arrays": {k: {"shape": list(a.shape), "dtype": a.dtype.name} for k, a in arrays.items()},
        "preprocessing": pre_header,
        "training": training or {},
        "metrics": metrics or {},
    }
    text = json.dumps(header, indent=1, allow_nan=False, default=_json_default).encode()
    path = Path(path)
    atomic_write(path, lambda f: _write_zip(f, text, arrays))
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


def atomic_write(path: str | Path, content: bytes | Callable[[Any], None]) -> Path:
    """Write ``content`` (bytes, or a function that writes to a binary file) to ``path`` atomically.

    The bytes go to a temporary file next to ``path``, are flushed and fsynced, then the file is
    renamed over ``path`` and the folder fsynced: readers and crashes see the old file or the new
    one, never a part. Every file layerwise writes goes through here. When the write fails (disk
    full, permission, quota, an interrupt) the temporary file is removed, the previous file is
    left as it was, and an ``OSError`` of the same kind says so in one line. Returns the path.
    """
    path = Path(path)
    write = content if callable(content) else (lambda f: f.write(content))
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot save to {path}: folder {folder} does not exist.")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except OSError as err:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        kept = "the previous file is unchanged" if path.exists() else "nothing was written"
        reason = err.strerror or str(err) or type(err).__name__
        failure = type(err)(f"cannot write {path}: {reason}; {kept}")
        failure.errno = err.errno  # (no strerror: str() stays the one line)
        raise failure from err
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable (POSIX); harmless where unsupported
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return path
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
    return path


def load(path: str | Path) -> Network:
    """Load the network saved at ``path`` (see :func:`load_model` for preprocessing too)."""
    return load_model(path).network


def load_model(path: str | Path) -> SavedModel:
    """Load and check a model file; raise ``ValueError`` naming the problem if it is not one.

    Never executes code from the file: arrays are read with ``allow_pickle=False`` after the
    archive's member names, sizes, shapes and dtypes were checked against the header.
    """
    path = Path(path)
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "not found"
        raise FileNotFoundError(f"model file {path} {what}.")
    try:
        with zipfile.ZipFile(path) as zf:
            header = _read_header(zf, path)
            expected = _expected_arrays(header, path)
            _check_members(zf, expected, path)
            arrays = {name: _read_array(zf, name) for name in expected}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as err:
        raise ValueError(
            f"{path} is not a layerwise model file, or it is truncated or corrupt ({err})."
        ) from err
    return _build(header, arrays, path)


def _bad(path: Path, problem: str) -> ValueError:
    return ValueError(f"{path} is not a valid layerwise model: {problem}.")


def _read_header(zf: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    names = zf.namelist()
    if HEADER not in names:
        raise _bad(path, f"no {HEADER} (found {names[:5]}); save models with Network.save")
    info = zf.getinfo(HEADER)
    if info.flag_bits & 0x1:  # zipfile would raise RuntimeError asking for a password
        raise _bad(path, f"{HEADER} is encrypted")
    if info.file_size > MAX_HEADER_BYTES:
        raise _bad(path, f"{HEADER} is {info.file_size} bytes, over {MAX_HEADER_BYTES}")
    try:
        header = json.loads(zf.read(HEADER).decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise _bad(path, f"{HEADER} is not valid JSON ({err})") from err
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _bad(path, f"{HEADER} does not describe a {FORMAT!r}")
    version = header.get("format_version")
    if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise _bad(
            path,
            f"format version {version!r}, this library reads up to {FORMAT_VERSION}; "
            "upgrade layerwise",
        )
    for key in ("training", "metrics"):
        value = header.setdefault(key, {})
        if not isinstance(value, dict):
            raise _bad(path, f"{key} must be an object, got {reprlib.repr(value)}")
    for split, values in header["metrics"].items():
        if not isinstance(values, dict):
            raise _bad(
                path,
                f"metrics[{split!r}] must be an object of named numbers, "
                f"got {reprlib.repr(values)}",
            )
    return header


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _expected_arrays(header: dict[str, Any], path: Path) -> dict[str, tuple[tuple[int, ...], str]]:
    """Names, shapes and dtypes the header implies (checked against what it declares)."""
    net = header.get("network")
    if not isinstance(net, dict):
        raise _bad(path, "network is missing")
    dims = net.get("layer_dims")
    if (
        not isinstance(dims, list)
        or not 2 <= len(dims) <= MAX_LAYERS
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in dims)
    ):
        raise _bad(path, f"layer_dims must be a list of positive integers, got {dims!r}")
    dtype = net.get("dtype")
    if dtype not in FLOAT_DTYPES:
        raise _bad(path, f"dtype must be float32 or float64, got {dtype!r}")
    acts = net.get("activations")
    if not isinstance(acts, list) or len(acts) != len(dims) - 1:
        raise _bad(path, f"activations must list {len(dims) - 1} entries")
    for spec in acts:
        if not isinstance(spec, dict) or spec.get("name") not in ACTIVATIONS:
            raise _bad(path, f"unknown activation {spec!r}")
    if net.get("loss") not in LOSSES:
        raise _bad(path, f"unknown loss {net.get('loss')!r}")
    expected = {}
    for l in range(1, len(dims)):
        expected[f"W{l}"] = ((dims[l], dims[l - 1]), dtype)
        expected[f"b{l}"] = ((dims[l], 1), dtype)
    pre = header.get("preprocessing")
    if pre is not None:
        from .preprocessing import Preprocessor

        if not isinstance(pre, dict):
            raise _bad(path, "preprocessing must be an object")
        try:
            shapes = Preprocessor.array_shapes(pre)
        except ValueError as err:
            raise _bad(path, str(err).rstrip(".")) from err
        expected |= {name: (shape, "float64") for name, shape in shapes.items()}
    declared = header.get("arrays")
    if not isinstance(declared, dict) or set(declared) != set(expected):
        raise _bad(path, f"arrays must be {sorted(expected)}, the header declares {declared!r}")
    for name, (shape, dt) in expected.items():
        entry = declared[name]
        if (
            not isinstance(entry, dict)
            or entry.get("shape") != list(shape)
            or entry.get("dtype") != dt
        ):
            raise _bad(path, f"{name} must be {dt} of shape {shape}, the header says {entry!r}")
    return expected


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
        raise _bad(path, f"members must be {sorted(wanted)}; missing {missing}, extra {unexpected}")
    for info in infos:
        if info.flag_bits & 0x1 or info.compress_type != zipfile.ZIP_STORED:
            raise _bad(path, f"{info.filename} is compressed or encrypted")
        if info.compress_size != info.file_size or info.header_offset + info.file_size > total:
            raise _bad(path, f"{info.filename} claims more bytes than the file holds (truncated?)")
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
                raise _bad(path, f"{info.filename} has no valid .npy header ({err})") from err
            offset = f.tell()
        if (
            got_dtype.hasobject
            or got_dtype.kind != "f"
            or got_dtype.itemsize != np.dtype(dtype).itemsize
        ):
            raise _bad(path, f"{info.filename} holds {got_dtype}, expected {dtype}")
        if tuple(got_shape) != shape or fortran:
            raise _bad(path, f"{info.filename} has shape {got_shape}, expected {shape}")
        if info.file_size != offset + int(np.prod(shape)) * got_dtype.itemsize:
            raise _bad(path, f"{info.filename} is {info.file_size} bytes, not what its shape needs")


def _read_array(zf: zipfile.ZipFile, name: str) -> Array:
    with zf.open(f"{name}.npy") as f:
        array = np.lib.format.read_array(f, allow_pickle=False)
    return array.astype(array.dtype.newbyteorder("="), copy=False)


def _build(header: dict[str, Any], arrays: dict[str, Array], path: Path) -> SavedModel:
    config = header["network"]
    for name, array in arrays.items():
        if not np.isfinite(array).all():
            raise _bad(path, f"{name} holds NaN or inf")
    try:
        net = Network.from_config(config)  # the parameters come from the file, below
    except (KeyError, TypeError, ValueError) as err:
        raise _bad(path, f"its network cannot be built ({err})") from err
    net.set_parameters({k: v for k, v in arrays.items() if k[0] in "Wb" and k[1:].isdigit()})
    pre = None
    if header.get("preprocessing") is not None:
        from .preprocessing import Preprocessor

        names = Preprocessor.array_shapes(header["preprocessing"])
        try:
            pre = Preprocessor.from_header(header["preprocessing"], {k: arrays[k] for k in names})
        except (TypeError, ValueError) as err:
            raise _bad(path, str(err).rstrip(".")) from err
        if pre.n_x != net.layer_dims[0] or pre.n_y != net.layer_dims[-1]:
            raise _bad(
                path,
                f"preprocessing gives {pre.n_x} inputs and {pre.n_y} outputs, the network has "
                f"{net.layer_dims[0]} and {net.layer_dims[-1]}",
            )
    return SavedModel(net, pre, header)
