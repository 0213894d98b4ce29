"""Where a study lives: a SQLite file in ``--out`` by default, PostgreSQL for many machines.

Both are Optuna ``RDBStorage`` with a heartbeat: a running trial writes a heartbeat every
``heartbeat`` seconds; one silent for ``grace`` seconds (its worker was killed, or its machine
lost) is marked FAIL by the next worker that looks, and Optuna's
``RetryHeartbeatStaleTrialCallback`` queues a copy of it with the same parameters. Optuna's
journal file would serve several local processes too, but it has no heartbeat, so a killed
worker's trial would stay RUNNING for ever; see ``benchmarks/bench_sweep.py`` for the
measurements behind the choice.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
import warnings
from pathlib import Path

SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg", "postgresql+psycopg2")
URL_HINT = "postgresql://USER:PASSWORD@HOST:PORT/DATABASE or sqlite:///PATH/study.db"


def default_url(out: str | Path) -> str:
    """The local default: ``sqlite:///<out>/study.db`` (absolute, so workers may ``cd``)."""
    return f"sqlite:///{(Path(out) / 'study.db').resolve()}"


def masked(url: str) -> str:
    """``url`` with any password written ``***``, for messages, even when the URL does not
    parse (``USER:PASSWORD@`` after the scheme)."""
    return re.sub(r"(://[^/:@]*:).*@", r"\1***@", url)


def check_url(url: str) -> str:
    """Check the form of a storage URL (not yet the server); return it with the password
    hidden, for messages."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ValueError(
            f"--storage {masked(url)!r} is not a database URL. Hint: {URL_HINT}."
        ) from None
    if parsed.drivername not in SCHEMES:
        raise ValueError(
            f"--storage must be a {', '.join(SCHEMES)} URL, got {parsed.drivername!r} in "
            f"{parsed.render_as_string(hide_password=True)!r}. Hint: {URL_HINT}."
        )
    if parsed.drivername.startswith("postgresql") and not (parsed.host and parsed.database):
        raise ValueError(
            f"--storage {parsed.render_as_string(hide_password=True)!r} must name a host and "
            f"a database. Hint: {URL_HINT}."
        )
    if parsed.drivername == "sqlite" and not parsed.database:
        raise ValueError(
            f"--storage {masked(url)!r} must name a file. Hint: sqlite:///PATH/study.db."
        )
    return parsed.render_as_string(hide_password=True)


@contextlib.contextmanager
def opened(url: str, heartbeat: int = 10, grace: int | None = None):
    """:func:`open_storage` for a ``with`` block; its connections are closed at the end (a
    study loaded from it still works afterwards: it connects again)."""
    storage = open_storage(url, heartbeat, grace)
    try:
        yield storage
    finally:
        storage.engine.dispose()


def _sqlite_connect(path: Path):
    """Connections to the study file: write-ahead log (readers do not block the writer) and
    fsync at checkpoints only, which survives a killed process (not a power cut mid-commit);
    several local processes write one file, so wait up to a minute for its lock."""

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(path, timeout=60, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    return connect


def open_storage(url: str, heartbeat: int = 10, grace: int | None = None, attempts: int = 5):
    """An Optuna ``RDBStorage`` at ``url`` with heartbeat, grace period and retry of failed
    trials (each stale trial re-run once).

    Raises ValueError, in one line, when the URL is malformed or the server cannot be reached.
    """
    import optuna
    import sqlalchemy.exc as sa
    from sqlalchemy.engine import make_url

    shown = check_url(url)
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        # the driver the extra installs (psycopg 3), whatever SQLAlchemy's default for the scheme
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if url.startswith("sqlite:"):
        path = Path(parsed.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = {"creator": _sqlite_connect(path)}
    else:
        engine = {"connect_args": {"connect_timeout": 10}, "pool_pre_ping": True}
    for attempt in range(attempts):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url,
                    engine_kwargs=engine,
                    heartbeat_interval=heartbeat,
                    grace_period=grace,
                    heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
                        max_retry=1
                    ),
                )
        except sa.OperationalError as err:
            first = str(err.orig or err).strip().splitlines()[0]
            if parsed.password:  # a driver may quote the URL it was given
                first = first.replace(str(parsed.password), "***")
            raise ValueError(
                f"cannot reach --storage {shown}: {first}. Hint: start the server, check host, "
                "port, user and password, and that the database exists (createdb NAME)."
            ) from None
        except (sa.IntegrityError, sa.ProgrammingError, sa.InternalError):
            # workers creating the tables of a new database at the same moment: one wins,
            # the others see its tables on the next attempt
            if attempt == attempts - 1:
                raise
            time.sleep(0.5 * (attempt + 1))
        except ImportError as err:
            raise ImportError(
                f"--storage {shown} needs its database driver ({err.name or err}): "
                "pip install 'layerwise[sweep]' (psycopg for PostgreSQL)."
            ) from None
    raise AssertionError("unreachable")  # pragma: no cover
