"""Writers on SQLite take turns in a queue the kernel keeps, not in SQLite's sleep loop.

SQLite lets one writer at a time in; the others wait in its busy handler, which sleeps and
polls (1, 2, 5, 10 … 100 ms). With 16 threads in two processes voting at once, most of a vote's
time went to those sleeps (p50 47 ms, p99 0.7 s, ~300 votes/s). Here the hot write paths
(votes, profiles) queue first on a thread lock, then on an ``flock`` of a file beside the
database: a waiter wakes the moment the previous writer commits. PostgreSQL needs none of it.

The queue never outlasts the busy timeout, and never fills the server: when another program
holds the database (a ``sqlite3`` shell, a copy tool), the writer whose turn it is waits in
SQLite for what is left of its busy timeout, while the writers behind it give up as soon as
that writer has been stuck for ``SQLITE_STALLED_WRITER_MS`` — each gets a 503 "not saved, try
again" at once, and the worker threads stay free for pages and status polls (which only read,
and read on in WAL mode). Before, writers queued on the thread lock and the ``flock`` without
a timeout and took every thread: page loads and polls stalled 9–24 s.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import Pool

from consult.extensions import db

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: processes then wait in SQLite's busy handler
    fcntl = None

_thread_lock = threading.Lock()
_lock_files: dict[tuple[int, str], int] = {}
#: When (time.monotonic) the writer holding this process's turn took it; None when free.
_turn_taken_at: float | None = None
#: A connection's own busy timeout, kept in its pool record while a turn has shortened it.
_FULL_TIMEOUT = "consult_full_busy_timeout_ms"


class WriteTurnBusy(OperationalError):
    """No write turn within the busy timeout: another program holds the database.

    An ``OperationalError`` like SQLite's own "database is locked", so it gets the same
    answer: 503, nothing saved, try again in a few seconds.
    """

    def __init__(self, reason: str):
        super().__init__("(waiting for a write turn)", None, sqlite3.OperationalError(reason))


def turn_held_for() -> float | None:
    """Seconds the current writer of this process has held its turn (None when free)."""
    taken = _turn_taken_at
    return None if taken is None else time.monotonic() - taken


def _lock_fd(path: str) -> int:
    key = (os.getpid(), path)  # a file opened before a fork would be shared: one per process
    if key not in _lock_files:
        _lock_files[key] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    return _lock_files[key]


@contextmanager
def write_turn(started: float | None = None, connection=None) -> Iterator[None]:
    """Run the block (its writes and its commit) as this machine's only SQLite writer.

    ``connection``: the driver connection the block writes on (the group committer's), when
    it is not the request's session; the block rolls it back itself on an error.

    The whole wait — for the turn, then for SQLite's own lock — lasts at most the busy timeout
    from ``started`` (``time.monotonic()``; default now); past it ``WriteTurnBusy`` (or SQLite's
    "database is locked") is raised and nothing is written. On an error the transaction is
    rolled back before the turn passes on.
    """
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        if connection is not None:
            yield
            return
        with _rolled_back_on_error():
            yield
        return
    global _turn_taken_at
    config = current_app.config
    timeout = config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
    stalled = config["SQLITE_STALLED_WRITER_MS"] / 1000
    deadline = (time.monotonic() if started is None else started) + timeout
    _take_thread_turn(deadline, stalled)
    _turn_taken_at = time.monotonic()
    fd = None
    try:
        if fcntl:
            fd = _lock_fd(url.database + ".write-lock")
            # Blocking, so a waiter wakes the moment the other process commits; that process's
            # writer is itself bounded by its busy timeout.
            fcntl.flock(fd, fcntl.LOCK_EX)
        left = deadline - time.monotonic()
        if left <= 0:
            raise WriteTurnBusy("database is locked (no write turn within the busy timeout)")
        if connection is not None:
            connection.execute(f"PRAGMA busy_timeout={max(1, int(left * 1000))}")
            try:
                yield
            finally:
                connection.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            return
        if left < timeout - 0.001:
            _shorten_busy_timeout(left, timeout)
        with _rolled_back_on_error():
            yield
    finally:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        _turn_taken_at = None
        _thread_lock.release()


def _take_thread_turn(deadline: float, stalled: float) -> None:
    """Wait for this process's turn until ``deadline``, or give up once its holder is stuck."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise WriteTurnBusy("database is locked (no write turn within the busy timeout)")
        if _thread_lock.acquire(timeout=min(left, max(stalled, 0.001))):
            return
        held = turn_held_for()
        if held is not None and held >= stalled:
            raise WriteTurnBusy("database is locked (the writer ahead is waiting for it)")


def _shorten_busy_timeout(left: float, timeout: float) -> None:
    """Let SQLite wait only what is left of the busy timeout, on this turn's connection."""
    connection = db.session.connection()
    connection.exec_driver_sql(f"PRAGMA busy_timeout={max(1, int(left * 1000))}")
    connection.connection.info.setdefault(_FULL_TIMEOUT, int(timeout * 1000))


@sa_event.listens_for(Pool, "checkin")
def _restore_busy_timeout(dbapi_connection, connection_record) -> None:
    """Give a connection whose turn shortened its busy timeout the full one back."""
    full = connection_record.info.pop(_FULL_TIMEOUT, None)
    if full is not None and dbapi_connection is not None:
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(full)}")


@contextmanager
def _rolled_back_on_error() -> Iterator[None]:
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise


#: Owner only: the database holds resume tokens and password hashes, the folder the secret key.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
#: The SQLite files of a database: SQLite gives -wal and -shm the database file's mode.
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def secure_instance_folder(path: str) -> None:
    """Create the instance folder readable by its owner only; tighten what is already there.

    The folder holds the database (tokens, password hashes), the secret key and the backups:
    with the default umask they came out 0755/0644, readable by every account on the laptop.
    """
    os.makedirs(path, mode=PRIVATE_DIR_MODE, exist_ok=True)
    _tighten(path, PRIVATE_DIR_MODE)
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                _tighten(entry.path, PRIVATE_FILE_MODE)
            elif entry.is_dir(follow_symlinks=False) and entry.name == "backups":
                _tighten(entry.path, PRIVATE_DIR_MODE)


def _tighten(path: str, mode: int) -> None:
    """Take group and other permissions away from ``path`` (when it is ours to change)."""
    try:
        current = os.stat(path, follow_symlinks=False).st_mode & 0o777
        if current & ~mode:
            os.chmod(path, current & mode)
    except (FileNotFoundError, PermissionError):
        pass


def create_private_file(path: str) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (then only tighten it)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        for suffix in SQLITE_SUFFIXES:
            _tighten(path + suffix, PRIVATE_FILE_MODE)
    except OSError:
        pass  # a read-only or missing folder: SQLite reports it better than we could


@sa_event.listens_for(Engine, "do_connect")
def _private_sqlite_file(dialect, connection_record, cargs, cparams) -> None:
    """Create a new SQLite database file owner-only before SQLite creates it world-readable."""
    if dialect.name != "sqlite" or not cargs:
        return
    database = cargs[0]
    if (isinstance(database, str) and database not in ("", ":memory:")
            and not database.startswith("file:") and not cparams.get("uri")):
        create_private_file(database)


#: What a PostgreSQL backup reports as its check: pg_dump exits non-zero on any failure.
PG_DUMP_DONE = "pg_dump completed"
#: Where ``flask consult backup`` writes when no ``--out`` is given (inside the instance folder).
BACKUP_FOLDER = "backups"


class BackupError(Exception):
    """A backup could not be made (the message says why and what to do)."""


@dataclass
class Backup:
    """One backup written: where, how large, how long the copy took, its integrity check."""

    path: Path
    size: int
    seconds: float
    integrity: str

    @property
    def ok(self) -> bool:
        """Whether the copy can be relied on (SQLite's integrity check passed, or pg_dump did)."""
        return self.integrity in ("ok", PG_DUMP_DONE)


def default_backup_path(instance_path: str, url, now: datetime | None = None) -> Path:
    """``instance/backups/consult-YYYYMMDD-HHMMSSZ.db`` (``.pgdump`` for PostgreSQL), UTC."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%SZ")
    extension = "db" if url.get_backend_name() == "sqlite" else "pgdump"
    return Path(instance_path) / BACKUP_FOLDER / f"consult-{stamp}.{extension}"


def backup_database(url, out: Path, busy_timeout_ms: int = 5000) -> Backup:
    """Copy the database at ``url`` to ``out`` while the app runs; the file is owner-only.

    SQLite: the online backup API, in one step from one read snapshot — every transaction
    committed before the backup began is in it (a plain copy of the file missed what was
    still in the WAL), and writers go on meanwhile (WAL readers do not block them).
    PostgreSQL: ``pg_dump --format=custom``, itself one consistent snapshot.
    The copy is written beside ``out`` and renamed into place when complete.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.parent.name == BACKUP_FOLDER:
        _tighten(str(out.parent), PRIVATE_DIR_MODE)
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    create_private_file(str(partial))
    started = time.monotonic()
    try:
        if url.get_backend_name() == "sqlite":
            _sqlite_backup(url.database, partial, busy_timeout_ms)
            seconds = time.monotonic() - started
            integrity = _sqlite_integrity(partial)
        else:
            _pg_dump(url, partial)
            seconds = time.monotonic() - started
            integrity = PG_DUMP_DONE
        os.chmod(partial, PRIVATE_FILE_MODE)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return Backup(out, out.stat().st_size, seconds, integrity)


def _sqlite_backup(database: str, out: Path, busy_timeout_ms: int) -> None:
    if not database or database == ":memory:" or not os.path.exists(database):
        raise BackupError(f"No SQLite database at {database!r}.")
    source = sqlite3.connect(database, timeout=busy_timeout_ms / 1000)
    target = sqlite3.connect(out)
    try:
        # pages=-1: the whole database in one step, from one snapshot. In steps, every vote
        # committed meanwhile would restart the copy (it may never finish during a workshop).
        source.backup(target, pages=-1)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside
    finally:
        target.close()
        source.close()


def _sqlite_integrity(path: Path) -> str:
    check = sqlite3.connect(path)
    try:
        return ", ".join(row[0] for row in check.execute("PRAGMA integrity_check"))
    finally:
        check.close()


def _pg_dump(url, out: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed, so no PostgreSQL backup was made. Install "
                          "the PostgreSQL client tools of your server's version (Debian: "
                          "apt-get install postgresql-client) and run the command again.")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # never on the command line (ps shows it)
    target = url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    result = subprocess.run(  # noqa: S603 - no shell; the URL is this app's own setting
        [pg_dump, "--format=custom", f"--file={out}", f"--dbname={target}"],
        env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups this command named in ``folder``."""
    made = sorted([*folder.glob("consult-*Z.db"), *folder.glob("consult-*Z.pgdump")],
                  key=lambda path: path.name)
    old = made[:-keep] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return old
