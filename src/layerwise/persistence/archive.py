"""The one file format: a zip of ``.npy`` arrays and a JSON header, no pickle, checked before use.

Model files and checkpoints are both this archive (what ``np.savez`` writes, so ``np.load``
opens it too), each a :class:`Format`: ``header.json`` holds the format's name and version,
the kind's own sections and the declared name, shape and dtype of every array; each array is
one uncompressed little-endian ``.npy`` member. :func:`write_archive` writes one atomically
(:func:`~layerwise.persistence.atomic_write`); :func:`read_archive` treats the file as
untrusted and checks, in this order, for every kind of file:

1. a regular file, a zip, at most :data:`MAX_MEMBERS` members, no duplicate names;
2. ``header.json`` present, at most :data:`MAX_HEADER_BYTES` once inflated *and* as stored
   (both read from the zip's directory, before a byte is inflated: a zip bomb is refused here);
3. every member unencrypted, stored (not compressed), its stored size its size, within the file;
4. the header: UTF-8 JSON without NaN/Infinity, the format's name, a version this library reads,
   then the kind's own fields (:attr:`Format.schema`: a model's network config, say);
5. the declared arrays: plain names, the kind's dtypes and number of dims, bounded shapes, and
   the arrays the kind requires with exactly their shapes and dtypes;
6. the members are exactly ``header.json`` and the declared arrays; each ``.npy`` header
   declares that shape and dtype (little-endian, C order, no objects) and the byte size it needs;
7. the arrays are read with ``allow_pickle=False``; float arrays must be finite.

Every failure is a ``ValueError`` (``FileNotFoundError`` for what is not a regular file) naming
the file and the problem; a file of another kind (a checkpoint where a model is read, an ONNX
file) is a :class:`~.kinds.WrongKind` saying what it is and which function takes it.
"""

from __future__ import annotations

import json
import math
import re
import reprlib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import atomic, kinds, model

Array = np.ndarray
Declared = dict[str, tuple[tuple[int, ...], str]]
HEADER = "header.json"
MAX_HEADER_BYTES = 64 << 20
MAX_MEMBERS = 2 * model.MAX_LAYERS + 256  # a model's W and b of every layer, and the sections'
MAX_NPY_HEADER = 1 << 16
MAX_DIM = 2**40
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,63}")


@dataclass(frozen=True)
class Format:
    """One kind of file: what its header says it is and which arrays it may hold.

    ``schema(header)`` checks the kind's own header fields (raising ``ValueError`` naming the
    problem) and returns the arrays the kind requires, each ``name: (shape, dtype)``.
    """

    name: str
    version: int
    what: str  # "model": "... is not a valid layerwise model: ..."
    noun: str  # "model file": "model file m.npz not found."
    dtypes: tuple[str, ...]
    ndims: tuple[int, int]  # the fewest and most dims of a declared array
    schema: Callable[[dict[str, Any]], Declared] | None = None
    hint: str = ""  # how such files are written, for a file without a header
    max_members: int | None = None  # a tighter cap than MAX_MEMBERS for this kind

    def members_cap(self) -> int:
        """The most members a file of this kind may hold (read when checked)."""
        return MAX_MEMBERS if self.max_members is None else min(self.max_members, MAX_MEMBERS)


MODEL = Format(
    model.FORMAT,
    model.FORMAT_VERSION,
    "model",
    "model file",
    model.FLOAT_DTYPES,
    (1, 2),
    model.required_arrays,
    "; save models with Network.save",
)
CHECKPOINT = Format(  # θ, the optimizer's state, the callbacks', an epoch's: a dozen arrays
    kinds.CHECKPOINT_FORMAT, 1, "checkpoint", "checkpoint", (*model.FLOAT_DTYPES, "int64"), (0, 4),
    max_members=256,
)  # fmt: skip


def bad_file(path: str | Path, problem: str, fmt: Format = MODEL) -> ValueError:
    """The error for a file of kind ``fmt`` that fails a check: names the file and ``problem``."""
    return ValueError(f"{path} is not a valid layerwise {fmt.what}: {problem}.")


# ----- writing ----------------------------------------------------------------------------------
def write_archive(
    path: str | Path, header: dict[str, Any], arrays: dict[str, Array], fmt: Format = MODEL
) -> Path:
    """Write ``header`` (completed with the format fields and the array declarations) and
    ``arrays`` atomically to ``path``. Returns the path."""
    arrays = {k: _little_endian(a) for k, a in arrays.items()}
    header = {
        "format": fmt.name,
        "format_version": fmt.version,
        **header,
        "arrays": {k: {"shape": list(a.shape), "dtype": a.dtype.name} for k, a in arrays.items()},
    }
    text = json.dumps(header, indent=1, allow_nan=False, default=_json_default).encode()
    return atomic.atomic_write(Path(path), lambda f: _write_zip(f, text, arrays))


def _little_endian(a: Any) -> Array:
    a = np.asarray(a)  # (every file is little-endian, whatever machine wrote it)
    return np.ascontiguousarray(a, a.dtype.newbyteorder("<"))


def _json_default(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(f"cannot store {type(x).__name__} in a file header.")


def _write_zip(f, header: bytes, arrays: dict[str, Array]) -> None:
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(HEADER, header)
        for name, array in arrays.items():
            with zf.open(f"{name}.npy", "w", force_zip64=array.nbytes > 1 << 30) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


# ----- reading ----------------------------------------------------------------------------------
def read_archive(path: str | Path, fmt: Format = MODEL) -> tuple[dict[str, Any], dict[str, Array]]:
    """Check and read a file of kind ``fmt``: ``(header, arrays)``; ``ValueError`` naming the
    problem if it is not one. Never executes code from the file."""
    path = _regular_file(path, fmt)
    try:
        with zipfile.ZipFile(path) as zf:
            _check_layout(zf, path, fmt)
            header = _read_header(zf, path, fmt)
            declared = _declared(header, path, fmt)
            _check_members(zf, declared, path, fmt)
            arrays = {name: _read_array(zf, name) for name in declared}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as err:
        if kinds.onnx_prefix(path):  # not a zip: say so when it is what `export` writes
            raise kinds.WrongKind(path, kinds.ONNX, fmt.noun) from err
        raise ValueError(
            f"{path} is not a layerwise {fmt.noun}, or it is truncated or corrupt ({err})."
        ) from err
    for name, array in arrays.items():
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise bad_file(path, f"{name} holds NaN or inf", fmt)
    return header, arrays


def _regular_file(path: str | Path, fmt: Format) -> Path:
    path = Path(path)
    if not path.is_file():
        problem = "not found"
        if path.is_dir():
            problem = "is a folder"
        elif path.exists():
            problem = "is not a regular file"
        raise FileNotFoundError(f"{fmt.noun} {path} {problem}.")
    return path


def _check_layout(zf: zipfile.ZipFile, path: Path, fmt: Format) -> None:
    """Steps 1 to 3, from the zip's directory alone: nothing is inflated or read yet."""
    infos = zf.infolist()
    names = [i.filename for i in infos]
    if len(infos) > fmt.members_cap():
        raise bad_file(path, f"{len(infos)} members, over {fmt.members_cap()}", fmt)
    if len(names) != len(set(names)):
        duplicates = sorted({n for n in names if names.count(n) > 1})
        raise bad_file(path, f"duplicate members {reprlib.repr(duplicates)}", fmt)
    if HEADER not in names:
        raise bad_file(path, f"no {HEADER} (found {reprlib.repr(names)}){fmt.hint}", fmt)
    info = zf.getinfo(HEADER)
    if info.file_size > MAX_HEADER_BYTES:
        raise bad_file(path, f"{HEADER} is {info.file_size} bytes, over {MAX_HEADER_BYTES}", fmt)
    if info.compress_size > MAX_HEADER_BYTES:
        raise bad_file(
            path,
            f"{HEADER} takes {info.compress_size} bytes compressed, over {MAX_HEADER_BYTES}",
            fmt,
        )
    total = Path(zf.filename).stat().st_size
    for info in infos:
        if info.flag_bits & 0x1 or info.compress_type != zipfile.ZIP_STORED:
            raise bad_file(path, f"{info.filename} is compressed or encrypted", fmt)
        if info.compress_size != info.file_size or info.header_offset + info.file_size > total:
            raise bad_file(
                path, f"{info.filename} claims more bytes than the file holds (truncated?)", fmt
            )


def _read_header(zf: zipfile.ZipFile, path: Path, fmt: Format) -> dict[str, Any]:
    """Step 4: the JSON header of the right format and version."""
    try:
        header = json.loads(zf.read(HEADER).decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise bad_file(path, f"{HEADER} is not valid JSON ({err})", fmt) from err
    if not isinstance(header, dict) or header.get("format") != fmt.name:
        kind, estimator = kinds.kind_of_header(header)  # another kind's file, passed steps 1-3
        if kind is not None:
            raise kinds.WrongKind(path, kind, fmt.noun, estimator)
        raise bad_file(path, f"{HEADER} does not describe a {fmt.name!r}", fmt)
    version = header.get("format_version")
    if type(version) is not int or not 1 <= version <= fmt.version:
        raise bad_file(
            path,
            f"format version {version!r}, this library reads up to {fmt.version}; "
            "upgrade layerwise",
            fmt,
        )
    return header


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _declared(header: dict[str, Any], path: Path, fmt: Format) -> Declared:
    """Step 5: the declared arrays, the kind's required ones exactly as it requires them."""
    try:
        required = fmt.schema(header) if fmt.schema else {}
    except (TypeError, ValueError) as err:
        raise bad_file(path, str(err).rstrip("."), fmt) from err
    declared = header.get("arrays")
    if not isinstance(declared, dict) or not set(required) <= set(declared):
        raise bad_file(
            path,
            f"arrays must include {sorted(required)}, the header declares {reprlib.repr(declared)}",
            fmt,
        )
    if len(declared) >= fmt.members_cap():
        cap = fmt.members_cap() - 1
        raise bad_file(path, f"{len(declared)} arrays declared, over {cap}", fmt)
    out = {}
    for name, entry in declared.items():
        if name in required:
            shape, dtype = required[name]
            if not isinstance(entry, dict) or _declaration(entry) != (list(shape), dtype):
                raise bad_file(
                    path, f"{name} must be {dtype} of shape {shape}, the header says {entry!r}", fmt
                )
            out[name] = required[name]
        else:
            out[name] = _checked_declaration(name, entry, path, fmt)
    return out


def _declaration(entry: dict[str, Any]) -> tuple[Any, Any]:
    return entry.get("shape"), entry.get("dtype")


def _checked_declaration(name: Any, entry: Any, path: Path, fmt: Format) -> tuple[tuple, str]:
    """An array the kind does not require: a plain name, its dtypes, a bounded shape."""
    shape, dtype = _declaration(entry) if isinstance(entry, dict) else (None, None)
    low, high = fmt.ndims
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise bad_file(path, f"array name {reprlib.repr(name)} is not a plain name", fmt)
    if (
        not isinstance(shape, list)
        or not low <= len(shape) <= high
        or not all(type(n) is int and 0 <= n < MAX_DIM for n in shape)
        or dtype not in fmt.dtypes
    ):
        raise bad_file(path, f"array {name} is declared as {reprlib.repr(entry)}", fmt)
    return tuple(shape), dtype


def _check_members(zf: zipfile.ZipFile, declared: Declared, path: Path, fmt: Format) -> None:
    """Step 6: exactly the declared members, each ``.npy`` header what the JSON header says."""
    names = set(zf.namelist())
    wanted = {HEADER} | {f"{n}.npy" for n in declared}
    if names != wanted:
        raise bad_file(
            path,
            f"members must be the declared arrays; missing {reprlib.repr(sorted(wanted - names))}, "
            f"extra {reprlib.repr(sorted(names - wanted))}",
            fmt,
        )
    for name, (shape, dtype) in declared.items():
        info = zf.getinfo(f"{name}.npy")
        got_shape, fortran, got_dtype, offset = _npy_header(zf, info, path, fmt)
        if got_dtype.hasobject or got_dtype != np.dtype(dtype).newbyteorder("<"):
            raise bad_file(path, f"{info.filename} holds {got_dtype}, expected {dtype}", fmt)
        if tuple(got_shape) != shape or fortran:
            raise bad_file(path, f"{info.filename} has shape {got_shape}, expected {shape}", fmt)
        if info.file_size != offset + math.prod(shape) * got_dtype.itemsize:
            raise bad_file(
                path, f"{info.filename} is {info.file_size} bytes, not what its shape needs", fmt
            )


def _npy_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, fmt: Format) -> tuple:
    """``(shape, fortran_order, dtype, offset of the data)`` from a member's ``.npy`` header."""
    with zf.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f"unsupported .npy version {version}")
            read = getattr(np.lib.format, f"read_array_header_{version[0]}_0")
            shape, fortran, dtype = read(f, max_header_size=MAX_NPY_HEADER)
        except ValueError as err:
            raise bad_file(path, f"{info.filename} has no valid .npy header ({err})", fmt) from err
        return shape, fortran, dtype, f.tell()


def _read_array(zf: zipfile.ZipFile, name: str) -> Array:
    with zf.open(f"{name}.npy") as f:
        array = np.lib.format.read_array(f, allow_pickle=False, max_header_size=MAX_NPY_HEADER)
    return array.astype(array.dtype.newbyteorder("="), copy=False)
