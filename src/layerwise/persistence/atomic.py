"""Atomic writes: a crash, a kill or a full disk leaves the old file or the new one."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _new_file(folder: Path, name: str) -> tuple[int, str]:
    """A new, uniquely named temporary file beside ``name``, open for writing. Created with
    mode 0o666 as ``open(path, "wb")`` would be, so the user's umask decides its permissions
    (``tempfile.mkstemp`` makes 0o600 files)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = str(folder / f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name for {name} in {folder}")


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
        fd, tmp = _new_file(folder, path.name)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():  # an overwritten file keeps its mode
            os.chmod(tmp, path.stat().st_mode & 0o777)
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
