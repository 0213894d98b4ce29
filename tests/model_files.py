"""Editing saved model files and checkpoints (one archive format) the way an attacker or a broken
tool would (for the untrusted-file tests of the archive, the estimators and the command line)."""

import json
import zipfile


def members(path) -> dict[str, bytes]:
    """Every member of the archive at ``path``, by name."""
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def rewrite(path, files: dict[str, bytes], compression=zipfile.ZIP_STORED) -> None:
    """Replace the archive at ``path`` by one holding ``files``."""
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def edit_header(path, edit) -> None:
    """Apply ``edit(header_dict)`` to the archive's ``header.json`` in place."""
    files = members(path)
    header = json.loads(files["header.json"])
    edit(header)
    files["header.json"] = json.dumps(header).encode()
    rewrite(path, files)
