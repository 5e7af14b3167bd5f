"""Rate limits: a count every process of one machine shares, and the wrong-code budget.

``make run`` starts several processes, and a limit each of them counts alone allows that many
times what it says. With no Redis (a venue laptop), the limits live in a small SQLite file in
the instance folder (``sqlite:///…`` as ``RATELIMIT_STORAGE_URI``, the default): every process
of the machine reads and adds to the same counts. Redis stays the choice for several machines.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from contextlib import contextmanager

from flask_babel import lazy_gettext as _l
from limits import parse
from limits.storage import Storage

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: writers wait in SQLite's busy handler
    fcntl = None

log = logging.getLogger(__name__)

#: Wrong join codes a minute per address, on every page that takes a code. Only wrong codes
#: count and only wrong codes are refused, so a right code always opens, even for a room of
#: hundreds behind one Wi-Fi address with many typos; a script guessing codes is slowed down.
WRONG_CODE_LIMIT = "20 per minute"
#: What a person reads after too many wrong codes from one address (a right code still opens).
TOO_MANY_WRONG_CODES = _l("Too many wrong codes from this network: check the code on the "
                          "screen, or wait a minute and try again.")
#: Expired counts are swept every this many increments of a process (they are never read).
SWEEP_EVERY = 1000


class SQLiteStorage(Storage):
    """Fixed-window counts in a SQLite file, shared by the processes of one machine.

    ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` (as SQLAlchemy spells
    them). Counts need no durability (they last a minute), so the file is written without
    ``fsync``; writers take turns on an ``flock`` beside it, which wakes the next one the moment
    the previous one is done (SQLite's own busy handler sleeps and polls).
    """

    STORAGE_SCHEME = ["sqlite"]  # noqa: RUF012 - the limits library reads a list here

    _SCHEMA = ("CREATE TABLE IF NOT EXISTS counts ("
               "key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at REAL NOT NULL"
               ") WITHOUT ROWID")
    _INCR = ("INSERT INTO counts (key, value, expires_at) VALUES (:key, :amount, :expires_at) "
             "ON CONFLICT (key) DO UPDATE SET "
             "value = CASE WHEN expires_at <= :now THEN :amount ELSE value + :amount END, "
             "expires_at = CASE WHEN expires_at <= :now THEN :expires_at ELSE expires_at END "
             "RETURNING value")

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = (uri or "").partition("://")[2]
        self.path = path[1:] if path.startswith("/") else path
        if not self.path or self.path == ":memory:":
            raise ValueError("sqlite:// rate-limit storage needs a file (sqlite:////path/x.db)")
        self._pool: tuple[int, list[sqlite3.Connection]] = (os.getpid(), [])
        self._write_lock = threading.Lock()  # threads of a process share one flock descriptor
        self._increments = 0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return (sqlite3.Error, OSError)

    def _take(self) -> sqlite3.Connection:
        """Take a connection from this process's pool (there are as many as threads ask at once).

        A pool, not one per thread: a server that starts a thread per request would open a
        connection per request. A forked child starts a pool of its own. Give it back.
        """
        if self._pool[0] != os.getpid():
            self._pool = (os.getpid(), [])
        try:
            return self._pool[1].pop()
        except IndexError:
            return self._connect()

    def _give(self, conn: sqlite3.Connection) -> None:
        self._pool[1].append(conn)

    @contextmanager
    def _connection(self):
        conn = self._take()
        try:
            yield conn
        finally:
            self._give(conn)

    def _connect(self) -> sqlite3.Connection:
        folder = os.path.dirname(self.path)
        if folder:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        # Owner-only, like the database: the keys name accounts and addresses. (Imported here:
        # consult.database imports the extensions, which import this module.)
        from consult.database import create_private_file

        create_private_file(self.path)
        conn = sqlite3.connect(self.path, timeout=5, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA synchronous=OFF")
        with self._write_turn():
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(self._SCHEMA)
        return conn

    @contextmanager
    def _write_turn(self):
        """Be this machine's only writer of the file for the block."""
        with self._write_lock:
            if fcntl is None:  # pragma: no cover
                yield
                return
            from consult.database import _lock_fd

            fd = _lock_fd(self.path + ".write-lock")  # one per process, as for the database
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` to the count of ``key`` (a new window of ``expiry`` s if it expired)."""
        now = time.time()
        with self._connection() as conn, self._write_turn():
            # fetchall: the statement runs to its end, so the write is committed here.
            [(value,)] = conn.execute(self._INCR, {"key": key, "amount": amount, "now": now,
                                                   "expires_at": now + expiry}).fetchall()
            self._increments += 1
            if self._increments % SWEEP_EVERY == 0:
                conn.execute("DELETE FROM counts WHERE expires_at <= ?", (now,))
        return value

    def get(self, key: str) -> int:
        """Return the count of ``key`` in its current window (0 when none)."""
        with self._connection() as conn:
            row = conn.execute("SELECT value FROM counts WHERE key = ? AND expires_at > ?",
                               (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        """Return when the window of ``key`` ends (now when there is none)."""
        now = time.time()
        with self._connection() as conn:
            row = conn.execute("SELECT expires_at FROM counts WHERE key = ? AND expires_at > ?",
                               (key, now)).fetchone()
        return row[0] if row else now

    def check(self) -> bool:
        """Say whether the file can be read."""
        try:
            with self._connection() as conn:
                conn.execute("SELECT 1").fetchone()
        except (sqlite3.Error, OSError):
            return False
        return True

    def reset(self) -> int | None:
        """Forget every count; return how many there were."""
        with self._connection() as conn, self._write_turn():
            return conn.execute("DELETE FROM counts").rowcount

    def clear(self, key: str) -> None:
        """Forget the count of ``key``."""
        with self._connection() as conn, self._write_turn():
            conn.execute("DELETE FROM counts WHERE key = ?", (key,))


def wrong_code_allowed() -> tuple[bool, int]:
    """Count a wrong join code against the sender's address.

    Return whether it is still within ``WRONG_CODE_LIMIT``, and the seconds until the count
    starts again. Called only where a wrong code is answered, so a right code never waits.
    """
    from flask import current_app, request

    from consult.extensions import limiter

    if not (current_app.config.get("RATELIMIT_ENABLED") and limiter.initialized):
        return True, 0
    item = parse(WRONG_CODE_LIMIT)
    key = [f"wrong-code:{request.remote_addr}"]
    if limiter._key_prefix:  # the prefix of every limit of this app (one Redis, several apps)
        key.insert(0, limiter._key_prefix)
    try:
        strategy = limiter.limiter
        allowed = strategy.hit(item, *key)
        reset_at = strategy.get_window_stats(item, *key).reset_time
    except Exception:  # the storage is unreachable: answer the code, never a 500
        log.warning("Rate-limit storage unreachable: wrong join code not counted", exc_info=True)
        return True, 0
    return allowed, max(1, int(reset_at - time.time() + 0.999))
