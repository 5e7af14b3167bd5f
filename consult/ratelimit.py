"""Rate limits: a count every process of one machine shares, and the wrong-code budget.

``make run`` starts several processes, and a limit each of them counts alone allows that many
times what it says. With no Redis (a venue laptop), the limits live in a small memory-mapped
file in the instance folder (``mmap:///…`` as ``RATELIMIT_STORAGE_URI``, the default): every
process of the machine reads and adds to the same counts, in microseconds — a vote is counted
on every one of 10,000 phones' answers. Redis stays the choice for several machines.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import mmap
import os
import struct
import threading
import time
from contextlib import contextmanager

from flask_babel import lazy_gettext as _l
from limits import parse
from limits.storage import Storage

log = logging.getLogger(__name__)

#: Wrong join codes a minute per address, on every page that takes a code. Only wrong codes
#: count and only wrong codes are refused, so a right code always opens, even for a room of
#: hundreds behind one Wi-Fi address with many typos; a script guessing codes is slowed down.
WRONG_CODE_LIMIT = "20 per minute"
#: What a person reads after too many wrong codes from one address (a right code still opens).
TOO_MANY_WRONG_CODES = _l("Too many wrong codes from this network: check the code on the "
                          "screen, or wait a minute and try again.")
#: Votes a minute per participant (never per address: a whole room shares one Wi-Fi address).
VOTE_LIMIT = "240 per minute"


class SharedMemoryStorage(Storage):
    """Fixed-window counts in a memory-mapped file, shared by the processes of one machine.

    ``mmap:///relative/path`` or ``mmap:////absolute/path``. A count costs a few microseconds:
    the key's 64-bit hash finds its slot in an open-addressing table (linear probing) held in a
    file every process maps; the kernel keeps the pages, so nothing is written to disk on the
    way and no timer thread runs. Writers take turns on an ``flock`` of the file (and a thread
    lock inside a process: threads share the descriptor). Counts need no durability (they
    last a minute); a window's slot is taken again once it has expired.
    """

    STORAGE_SCHEME = ["mmap"]  # noqa: RUF012 - the limits library reads a list here

    #: Slots in the table: keys alive in one window (a participant, an account, an address).
    SLOTS = 1 << 17
    #: Slots looked at for one key before the table counts as full.
    PROBES = 64
    _SLOT = struct.Struct("<Qdq")  # key hash (0: never used), window end, count
    _MAGIC = b"consult-limits-1"

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = (uri or "").partition("://")[2]
        self.path = path[1:] if path.startswith("/") else path
        if not self.path:
            raise ValueError("mmap:// rate-limit storage needs a file (mmap:////path/limits)")
        self._mapped: tuple[int, int, mmap.mmap] | None = None  # pid, descriptor, mapping
        self._thread_lock = threading.Lock()
        self._full_warned = False

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return (OSError, ValueError)

    def _map(self) -> tuple[int, mmap.mmap]:
        """The file's descriptor and mapping in this process (a forked child maps it anew:
        an ``flock`` on the parent's descriptor would not keep the two apart)."""
        mapped = self._mapped
        if mapped is not None and mapped[0] == os.getpid():
            return mapped[1], mapped[2]
        folder = os.path.dirname(self.path)
        if folder:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        # Owner-only, like the database: the keys hash accounts and addresses. (Imported here:
        # consult.database imports the extensions, which import this module.)
        from consult.database import create_private_file

        create_private_file(self.path)
        fd = os.open(self.path, os.O_RDWR)
        size = len(self._MAGIC) + self.SLOTS * self._SLOT.size
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.fstat(fd).st_size != size or os.pread(fd, len(self._MAGIC), 0) != self._MAGIC:
                os.ftruncate(fd, 0)  # new, or another layout: counts are a minute's, start anew
                os.ftruncate(fd, size)
                os.pwrite(fd, self._MAGIC, 0)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        self._mapped = (os.getpid(), fd, mmap.mmap(fd, size))
        return fd, self._mapped[2]

    @contextmanager
    def _turn(self):
        with self._thread_lock:
            fd, table = self._map()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield table
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _find(self, table: mmap.mmap, key: str, now: float, claim: bool):
        """The offset of ``key``'s live slot; with ``claim``, else a free one. None: neither."""
        wanted = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest()) or 1
        start = wanted % self.SLOTS
        free = None
        for probe in range(self.PROBES):
            offset = len(self._MAGIC) + ((start + probe) % self.SLOTS) * self._SLOT.size
            hashed, ends, value = self._SLOT.unpack_from(table, offset)
            if hashed == wanted and ends > now:
                return offset, wanted, ends, value
            if free is None and (hashed == 0 or ends <= now):
                free = offset
            if hashed == 0:
                break  # never used: the key is not further on
        if not claim:
            return None
        if free is None:
            if not self._full_warned:
                self._full_warned = True
                log.warning("Rate-limit table %s is full: a new key is not counted", self.path)
            return None
        return free, wanted, 0.0, 0

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` to the count of ``key`` (a new window of ``expiry`` s if it expired)."""
        now = time.time()
        with self._turn() as table:
            found = self._find(table, key, now, claim=True)
            if found is None:
                return amount
            offset, hashed, ends, value = found
            if ends <= now:
                ends, value = now + expiry, 0
            value += amount
            self._SLOT.pack_into(table, offset, hashed, ends, value)
        return value

    def get(self, key: str) -> int:
        """Return the count of ``key`` in its current window (0 when none)."""
        with self._turn() as table:
            found = self._find(table, key, time.time(), claim=False)
        return found[3] if found else 0

    def get_expiry(self, key: str) -> float:
        """Return when the window of ``key`` ends (now when there is none)."""
        now = time.time()
        with self._turn() as table:
            found = self._find(table, key, now, claim=False)
        return found[2] if found else now

    def check(self) -> bool:
        """Say whether the file can be mapped."""
        try:
            with self._turn():
                return True
        except (OSError, ValueError):
            return False

    def reset(self) -> int | None:
        """Forget every count; return how many live ones there were."""
        now = time.time()
        with self._turn() as table:
            live = sum(1 for _, ends, _ in self._SLOT.iter_unpack(table[len(self._MAGIC):])
                       if ends > now)
            table[len(self._MAGIC):] = bytes(self.SLOTS * self._SLOT.size)
        return live

    def clear(self, key: str) -> None:
        """Forget the count of ``key``."""
        with self._turn() as table:
            found = self._find(table, key, time.time(), claim=False)
            if found is not None:
                self._SLOT.pack_into(table, found[0], found[1], 0.0, 0)


def hit(limit: str, *key: str, config=None) -> tuple[bool, int]:
    """Count one request against ``limit`` for ``key``; whether it is within the limit, and
    the seconds until its window starts again.

    The one way the app counts outside Flask-Limiter's decorators (votes, wrong codes): the
    configured storage, with Flask-Limiter's own fallback to memory when it is unreachable.
    ``config``: the app's settings, where there is no app context (the vote's fast path).
    """
    from flask import current_app

    from consult.extensions import limiter

    config = config if config is not None else current_app.config
    if not (config.get("RATELIMIT_ENABLED") and limiter.initialized):
        return True, 0
    item = parse(limit)
    if limiter._key_prefix:  # the prefix of every limit of this app (one Redis, several apps)
        key = (limiter._key_prefix, *key)
    for attempt in (1, 2):
        strategy = limiter.limiter  # the in-memory fallback while the storage is unreachable
        try:
            allowed = strategy.hit(item, *key)
            reset_at = strategy.get_window_stats(item, *key).reset_time
        except Exception:
            if attempt == 2 or not limiter._in_memory_fallback_enabled:
                log.warning("Rate-limit storage unreachable: %s not counted", key[-1],
                            exc_info=True)
                return True, 0
            # Flask-Limiter's own flag and message: its health check brings the storage back.
            limiter.logger.warning(
                "Rate limit storage unreachable - falling back to in-memory storage")
            limiter._storage_dead = True
            continue
        return allowed, max(1, int(reset_at - time.time() + 0.999))
    return True, 0  # pragma: no cover - the loop returns


def vote_allowed(participant_id: int, config=None) -> tuple[bool, int]:
    """Count one vote of a participant against ``VOTE_LIMIT`` (every vote path calls this)."""
    return hit(VOTE_LIMIT, "vote", f"p:{participant_id}", config=config)


def wrong_code_allowed() -> tuple[bool, int]:
    """Count a wrong join code against the sender's address.

    Return whether it is still within ``WRONG_CODE_LIMIT``, and the seconds until the count
    starts again. Called only where a wrong code is answered, so a right code never waits.
    """
    from flask import request

    return hit(WRONG_CODE_LIMIT, f"wrong-code:{request.remote_addr}")
