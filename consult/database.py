"""Writers on SQLite take turns in a queue the kernel keeps, not in SQLite's sleep loop.

SQLite lets one writer at a time in; the others wait in its busy handler, which sleeps and
polls (1, 2, 5, 10 … 100 ms). With 16 threads in two processes voting at once, most of a vote's
time went to those sleeps (p50 47 ms, p99 0.7 s, ~300 votes/s). Here the hot write paths
(votes, profiles) queue first on a thread lock, then on an ``flock`` of a file beside the
database: a waiter wakes the moment the previous writer commits. PostgreSQL needs none of it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from consult.extensions import db

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: processes then wait in SQLite's busy handler
    fcntl = None

_thread_lock = threading.Lock()
_lock_files: dict[tuple[int, str], int] = {}


def _lock_fd(path: str) -> int:
    key = (os.getpid(), path)  # a file opened before a fork would be shared: one per process
    if key not in _lock_files:
        _lock_files[key] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    return _lock_files[key]


@contextmanager
def write_turn() -> Iterator[None]:
    """Run the block (its writes and its commit) as this machine's only SQLite writer.

    On an error the transaction is rolled back before the turn passes on.
    """
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        with _rolled_back_on_error():
            yield
        return
    with _thread_lock:
        fd = _lock_fd(url.database + ".write-lock") if fcntl else None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            with _rolled_back_on_error():
                yield
        finally:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def _rolled_back_on_error() -> Iterator[None]:
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
