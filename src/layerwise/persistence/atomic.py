"""Atomic writes: a crash, a kill or a full disk leaves the old file or the new one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def atomic_write(path: str | Path, content: bytes | Callable[[Any], None]) -> Path:
    """Write ``content`` (bytes, or a function that writes to a binary file) to ``path`` atomically.

    The bytes go to a temporary file next to ``path``, are flushed and fsynced, then the file is
    renamed over ``path``: readers and crashes see the old file or the new one, never a part.
    Returns the path.
    """
    path = Path(path)
    write = content if callable(content) else (lambda f: f.write(content))
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot save to {path}: folder {folder} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
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
