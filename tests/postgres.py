"""A throw-away PostgreSQL server for tests, from the machine's Debian binaries.

``initdb`` into a temporary folder, ``pg_ctl start`` on a free loopback port (and a socket in
that folder), trust authentication for the ``postgres`` user, ``pg_ctl stop`` at the end.
PostgreSQL refuses to run as root, so as root (CI) the server runs as the ``postgres`` user
(``runuser``), which owns the folder. Install the binaries with
``apt-get install -y postgresql``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL binaries, or the server did not start."""


def binaries() -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding initdb and pg_ctl."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if not found:
        raise PostgresUnavailableError(
            "no /usr/lib/postgresql/*/bin/initdb: apt-get install -y postgresql"
        )
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd: list[str], user: str | None, **kw) -> subprocess.CompletedProcess:
    if user is not None:
        cmd = ["runuser", "-u", user, "--", *cmd]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)
    if result.returncode:
        raise PostgresUnavailableError(f"{' '.join(cmd)} failed: {result.stderr.strip()[-2000:]}")
    return result


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Run a server for the block; yields ``postgresql://postgres@127.0.0.1:PORT/postgres``."""
    bin_dir = binaries()
    user = None
    folder = Path(tempfile.mkdtemp(prefix="layerwise-pg-"))
    if os.geteuid() == 0:
        user = "postgres"
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            raise PostgresUnavailableError(
                "no 'postgres' user: apt-get install -y postgresql"
            ) from None
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    data, log = folder / "data", folder / "server.log"
    port = free_port()
    started = False
    try:
        _run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E",
             "UTF8", "--no-sync"],
            user,
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        _run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w",
             "-t", "60", "start"],
            user,
        )  # fmt: skip
        started = True
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    except PostgresUnavailableError as err:
        text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise PostgresUnavailableError(f"{err}\n{text}") from None
    finally:
        if started:
            with contextlib.suppress(PostgresUnavailableError, subprocess.TimeoutExpired):
                _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], user)
        shutil.rmtree(folder, ignore_errors=True)


def create_database(admin_url: str, name: str) -> str:
    """``CREATE DATABASE name`` on the server of ``admin_url``; returns the new database's URL."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"
