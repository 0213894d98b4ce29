"""One file of arrays and a JSON header: a zip of ``.npy`` members, no pickle, checked before use.

:func:`write_archive` writes ``header.json`` (with the declared name, shape and dtype of every
array) and one uncompressed ``.npy`` member per array, atomically (through
:func:`layerwise.persistence.atomic_write`). :func:`read_archive` treats the file as untrusted:
before any array is allocated, the members must be exactly ``header.json`` and the declared
arrays (no duplicates, no paths), stored uncompressed, unencrypted and within the file, and
every ``.npy`` header must declare the shape and little-endian dtype (float32, float64 or
int64) the JSON header promises, with the byte size that needs; arrays are then read with
``allow_pickle=False``. Checkpoints use it; model files follow the same rules.
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

from . import atomic

Array = np.ndarray
HEADER = "header.json"
MAX_HEADER_BYTES = 64 << 20
MAX_MEMBERS = 256
MAX_NDIM = 4
ARRAY_DTYPES = ("float32", "float64", "int64")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,63}")


def write_archive(path: Path, header: dict[str, Any], arrays: dict[str, Array]) -> Path:
    """Write ``header`` (plus the declared name, shape and dtype of every array) and ``arrays``
    as one zip of uncompressed ``.npy`` members, atomically."""
    arrays = {k: np.ascontiguousarray(a) for k, a in arrays.items()}
    header = header | {
        "arrays": {k: {"shape": list(a.shape), "dtype": a.dtype.name} for k, a in arrays.items()}
    }
    text = json.dumps(header, allow_nan=False, default=_json_default).encode()

    def write(f) -> None:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(HEADER, text)
            for name, array in arrays.items():
                with zf.open(f"{name}.npy", "w", force_zip64=array.nbytes > 1 << 30) as member:
                    np.lib.format.write_array(member, array, allow_pickle=False)

    return atomic.atomic_write(path, write)


def _json_default(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(f"cannot store {type(x).__name__} in a file header.")


def _bad(path: Path, what: str, problem: str) -> ValueError:
    return ValueError(f"{path} is not a valid layerwise {what}: {problem}.")


def read_archive(
    path: str | Path, fmt: str, version: int, what: str
) -> tuple[dict[str, Any], dict[str, Array]]:
    """Read a checked archive written by :func:`write_archive`: ``(header, arrays)``.

    Before any array is allocated: the members must be exactly ``header.json`` and the declared
    arrays (no duplicates, no paths), stored uncompressed and within the file, and every ``.npy``
    header must declare the shape and little-endian dtype (float32, float64 or int64) the JSON
    header promises, with the byte size that needs. Raises ``ValueError`` naming the problem.
    """
    path = Path(path)
    if not path.is_file():
        problem = "not found"
        if path.is_dir():
            problem = "is a folder"
        elif path.exists():
            problem = "is not a regular file"
        raise FileNotFoundError(f"{what} {path} {problem}.")
    try:
        with zipfile.ZipFile(path) as zf:
            header = _read_header(zf, path, fmt, version, what)
            declared = _declared(header, path, what)
            _check_members(zf, declared, path, what)
            arrays = {}
            for name in declared:
                with zf.open(f"{name}.npy") as f:
                    arrays[name] = np.lib.format.read_array(f, allow_pickle=False)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as err:
        raise ValueError(
            f"{path} is not a layerwise {what}, or it is truncated or corrupt ({err})."
        ) from err
    return header, arrays


def _read_header(
    zf: zipfile.ZipFile, path: Path, fmt: str, max_version: int, what: str
) -> dict[str, Any]:
    infos = zf.infolist()
    names = [i.filename for i in infos]
    if len(infos) > MAX_MEMBERS or len(names) != len(set(names)):
        raise _bad(path, what, f"{len(names)} members, duplicates or over {MAX_MEMBERS}")
    if HEADER not in names:
        raise _bad(path, what, f"no {HEADER} (found {reprlib.repr(names)})")
    info = zf.getinfo(HEADER)
    if info.file_size > MAX_HEADER_BYTES or info.compress_type != zipfile.ZIP_STORED:
        raise _bad(path, what, f"{HEADER} is compressed or over {MAX_HEADER_BYTES} bytes")
    _check_span(zf, info, path, what)
    try:
        header = json.loads(zf.read(HEADER).decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise _bad(path, what, f"{HEADER} is not valid JSON ({err})") from err
    if not isinstance(header, dict) or header.get("format") != fmt:
        raise _bad(path, what, f"{HEADER} does not describe a {fmt!r}")
    version = header.get("format_version")
    if type(version) is not int or not 1 <= version <= max_version:
        raise _bad(
            path, what, f"format version {version!r}; this library reads up to {max_version}"
        )
    return header


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _declared(
    header: dict[str, Any], path: Path, what: str
) -> dict[str, tuple[tuple[int, ...], str]]:
    declared = header.get("arrays")
    if not isinstance(declared, dict) or len(declared) >= MAX_MEMBERS:
        raise _bad(path, what, f"arrays must be an object of at most {MAX_MEMBERS - 1} entries")
    out = {}
    for name, entry in declared.items():
        if not _NAME.fullmatch(name):
            raise _bad(path, what, f"array name {reprlib.repr(name)} is not a plain name")
        shape = entry.get("shape") if isinstance(entry, dict) else None
        dtype = entry.get("dtype") if isinstance(entry, dict) else None
        if (
            not isinstance(shape, list)
            or len(shape) > MAX_NDIM
            or not all(type(n) is int and 0 <= n < 2**40 for n in shape)
            or dtype not in ARRAY_DTYPES
        ):
            raise _bad(path, what, f"array {name} is declared as {reprlib.repr(entry)}")
        out[name] = (tuple(shape), dtype)
    return out


def _check_span(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, what: str) -> None:
    total = Path(zf.filename).stat().st_size
    if info.flag_bits & 0x1 or info.compress_type != zipfile.ZIP_STORED:
        raise _bad(path, what, f"{info.filename} is compressed or encrypted")
    if info.compress_size != info.file_size or info.header_offset + info.file_size > total:
        raise _bad(
            path, what, f"{info.filename} claims more bytes than the file holds (truncated?)"
        )


def _check_members(
    zf: zipfile.ZipFile, declared: dict[str, tuple[tuple[int, ...], str]], path: Path, what: str
) -> None:
    names = {i.filename for i in zf.infolist()}
    wanted = {HEADER} | {f"{n}.npy" for n in declared}
    if names != wanted:
        raise _bad(
            path,
            what,
            f"members must be the declared arrays; missing {sorted(wanted - names)}, "
            f"extra {reprlib.repr(sorted(names - wanted))}",
        )
    for name, (shape, dtype) in declared.items():
        info = zf.getinfo(f"{name}.npy")
        _check_span(zf, info, path, what)
        with zf.open(info) as f:
            try:
                version = np.lib.format.read_magic(f)
                if version not in ((1, 0), (2, 0)):
                    raise ValueError(f"unsupported .npy version {version}")
                read = getattr(np.lib.format, f"read_array_header_{version[0]}_0")
                got_shape, fortran, got_dtype = read(f, max_header_size=1 << 16)
            except ValueError as err:
                raise _bad(path, what, f"{info.filename} has no valid .npy header ({err})") from err
            offset = f.tell()
        if got_dtype.hasobject or got_dtype != np.dtype(dtype).newbyteorder("<"):
            raise _bad(path, what, f"{info.filename} holds {got_dtype.str}, declared {dtype}")
        if tuple(got_shape) != shape or fortran:
            raise _bad(path, what, f"{info.filename} has shape {got_shape}, declared {shape}")
        if info.file_size != offset + math.prod(shape) * got_dtype.itemsize:
            raise _bad(
                path, what, f"{info.filename} is {info.file_size} bytes, not what its shape needs"
            )
