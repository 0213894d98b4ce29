"""Binary data files opened safely: NumPy ``.npy``/``.npz`` (never unpickled), HDF5, Parquet.

A file that is not what its suffix says (random bytes, a truncated download, a text file renamed)
raises ``ValueError`` naming the file, what it was expected to be and what was found, instead of
the library's own advice (NumPy's ``allow_pickle``, HDF5's "file signature not found").
"""

from __future__ import annotations

import contextlib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .course import import_h5py

READ_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile)


MAGIC = (b"\x93NUMPY", b"PK\x03\x04")  # a .npy header, a zip archive (.npz)


def _reason(err: BaseException) -> str:
    text = " ".join(str(err).split())
    if "allow_pickle" in text or "pickle" in text:
        return "it holds Python objects (pickles), which are never loaded here"
    return text or type(err).__name__


def load_numpy(path: Path, kind: str) -> Any:
    """``np.load(path, allow_pickle=False)``, checked to be ``kind``: ``"npy"`` (an ndarray)
    or ``"npz"`` (an archive of arrays, to be closed by the caller)."""
    expected = {"npy": "a NumPy .npy array (np.save)", "npz": "a NumPy .npz archive (np.savez)"}
    with open(path, "rb") as f:
        start = f.read(6)
    if not start.startswith(MAGIC):  # NumPy would guess a pickle and advise allow_pickle
        raise ValueError(
            f"{path.name} is not {expected[kind]}: its first bytes are neither NumPy's .npy "
            f"header nor a zip archive (found {start!r}). Hint: check the file, or save the "
            "arrays again with NumPy."
        )
    try:
        loaded = np.load(path, allow_pickle=False)
    except READ_ERRORS as err:
        raise ValueError(
            f"{path.name} is not {expected[kind]}: {_reason(err)}. Hint: check the file, or "
            "save the arrays again with NumPy."
        ) from err
    is_archive = isinstance(loaded, np.lib.npyio.NpzFile)
    if is_archive != (kind == "npz"):
        if is_archive:
            loaded.close()
        found = "an .npz archive" if is_archive else "a single .npy array"
        raise ValueError(
            f"{path.name} is not {expected[kind]}: it holds {found}. Hint: name the file "
            f"{path.with_suffix('.npz' if is_archive else '.npy').name}."
        )
    return loaded


def numpy_member(path: Path, archive, key: str) -> np.ndarray:
    """The array ``key`` of an open ``.npz`` archive, or ``ValueError`` naming file and array."""
    try:
        return archive[key]
    except READ_ERRORS as err:
        raise ValueError(
            f"{path.name}: array {key!r} cannot be read: {_reason(err)}. Hint: save numeric "
            "arrays, e.g. np.savez(path, X=X, y=y)."
        ) from err


@contextlib.contextmanager
def open_hdf5(path: Path, expected: str) -> Iterator[Any]:
    """``h5py.File(path, "r")``; a file that is not HDF5 says so, with what was ``expected``."""
    h5py = import_h5py()
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        text = " ".join(str(err).split())
        start, end = text.find("("), text.rfind(")")  # "Unable to open file (file signature …)"
        detail = text[start + 1 : end] if 0 <= start < end else text
        raise ValueError(
            f"{path.name} is not an HDF5 file (h5py: {detail}). Expected an HDF5 file with "
            f"{expected}."
        ) from err
    with f:
        yield f


def read_parquet(path: Path, pd) -> Any:
    """``pd.read_parquet(path)``; a file that is not Parquet says so, naming the file."""
    try:
        return pd.read_parquet(path)
    except ImportError:
        raise
    except Exception as err:  # pyarrow's own error types (ArrowInvalid, ArrowIOError, ...)
        raise ValueError(
            f"{path.name} is not a readable Parquet file: {' '.join(str(err).split())}. "
            "Hint: check the file, or save it again with DataFrame.to_parquet."
        ) from err
