"""Group commit: one writer per process stores the queued votes in one durable transaction.

A durable commit (``synchronous=FULL`` on SQLite, a WAL flush on PostgreSQL) costs a disk
flush; one per vote capped SQLite at ~4,700 upserts a second on this kind of disk, whatever
the CPU. Here the vote's request puts its values in a queue and waits; this process's writer
thread takes everything queued, writes each vote inside its own savepoint (a refused or
failing vote is rolled back alone, never its batch-mates), commits once, and only then wakes
each request with its receipt or its refusal. A vote is acknowledged only after the flush
that made it durable, exactly as before; under load a flush carries many votes.

The writer takes this machine's SQLite write turn like every other writer
(``database.write_turn``), so a round's close still waits for the votes in flight and every
later vote sees the round closed (the upsert checks the round in the same statement).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field

from consult.errors import ConsultError
from consult.voting.operations import VoteReceipt, choice_rows, not_open, vote_values

log = logging.getLogger(__name__)

#: Votes written in one transaction at most (the rest wait for the next one).
MAX_BATCH = 256
#: How long a request waits for its batch: longer than any write turn can last (the busy
#: timeout), so a vote is answered only once its outcome is known.
WAIT_SECONDS = 60
#: A writer with nothing to write this long stops and closes its connection.
IDLE_SECONDS = 5


class NotSaved(ConsultError):
    """The batch's transaction failed: nothing of it was stored."""

    status_code = 503


class CommitUnknown(Exception):
    """The commit itself failed (a connection lost on the way): whether the batch was stored
    is unknown, so its votes are neither acknowledged nor tried again (the phone sends again)."""


@dataclass
class _Pending:
    values: dict
    item: object
    answer: object
    done: threading.Event = field(default_factory=threading.Event)
    enqueued: float = field(default_factory=time.monotonic)
    #: Taken into a batch by the writer (from then on its outcome must be waited for).
    taken: bool = False
    receipt: VoteReceipt | None = None
    error: Exception | None = None


class GroupCommitter:
    """This process's vote writer (started on the first vote; a forked child starts its own)."""

    def __init__(self, app):
        self.app = app
        self._cond = threading.Condition()
        self._queue: deque[_Pending] = deque()
        self._pid: int | None = None
        #: When (monotonic) the writer started its current batch; None between batches.
        self._busy_since: float | None = None
        #: Transactions and votes written, for the benchmarks and tests.
        self.batches = 0
        self.votes = 0

    def cast(self, participant, item, answer, now) -> VoteReceipt:
        """Store a vote durably and return its receipt, or raise its refusal.

        Raises what ``cast_vote`` raises (``InvalidAnswer``, ``RoundNotOpen``…), ``NotSaved``
        when the batch's transaction failed (nothing stored), or ``TimeoutError`` when no
        answer came in ``WAIT_SECONDS`` (the outcome is then unknown).
        """
        pending = _Pending(vote_values(participant, item, answer, now), item, answer)
        stalled = self.app.config["SQLITE_STALLED_WRITER_MS"] / 1000
        with self._cond:
            if self._pid != os.getpid():
                # No writer in this process (never started, stopped when idle, or a forked
                # child's: the parent's writer did not come along).
                self._queue.clear()
                self._busy_since = None
                threading.Thread(target=self._run, name="vote-writer", daemon=True).start()
                self._pid = os.getpid()
            busy_since = self._busy_since
            if busy_since is not None and time.monotonic() - busy_since >= stalled:
                # The batch ahead waits for a database another program holds: do not queue
                # behind it (the view's writer then gives up at once too: 503, try again).
                raise NotSaved("the vote writer is waiting for the database")
            self._queue.append(pending)
            self._cond.notify()
        deadline = time.monotonic() + WAIT_SECONDS
        while not pending.done.wait(min(stalled, 0.1)):
            with self._cond:
                busy_since = self._busy_since
                if (not pending.taken and busy_since is not None
                        and time.monotonic() - busy_since >= stalled):
                    self._queue.remove(pending)  # not written, and now never will be
                    raise NotSaved("the vote writer is waiting for the database")
            if time.monotonic() > deadline:
                raise TimeoutError("the vote writer did not answer")
        if pending.error is not None:
            raise pending.error
        return pending.receipt

    def _run(self) -> None:
        try:
            with self.app.app_context():
                statements = _WriteStatements()
                try:
                    self._serve(statements)
                finally:
                    statements.reset()
        except Exception:
            log.exception("the vote writer stopped; the next vote starts another")
            # Here only: a writer that went idle cleared its mark itself (``_serve``), and a
            # new writer may already have taken the mark and queued votes it must not lose.
            with self._cond:  # the next vote starts another
                if self._pid == os.getpid():
                    self._pid = None
                while self._queue:
                    pending = self._queue.popleft()
                    pending.error = NotSaved("the vote writer stopped")
                    pending.done.set()

    def _serve(self, statements: _WriteStatements) -> None:
        while True:
            with self._cond:
                if not self._queue:
                    self._cond.wait(IDLE_SECONDS)
                if not self._queue:  # idle: stop (the next vote starts a writer again)
                    self._pid = None
                    return
                # The first vote waits for the lock with the writer, as the holder of a write
                # turn does; the others give up while the writer is stuck.
                head = self._queue[0]
                head.taken = True
            batch: list[_Pending] = []
            self._busy_since = time.monotonic()
            try:
                # The database's write lock first, with no vote taken: while another program
                # holds it, the queued votes give up on their own (``cast``) and free their
                # threads. The wait counts from the oldest vote's arrival, so no vote waits
                # longer than the busy timeout in all.
                with statements.transaction(started=head.enqueued) as cursor:
                    with self._cond:
                        batch = [self._queue.popleft()
                                 for _ in range(min(len(self._queue), MAX_BATCH))]
                        for pending in batch:
                            pending.taken = True
                    statements.write(cursor, batch)
            except Exception as error:
                statements.reset()
                if statements.committed:  # after the commit (releasing the turn): all stored
                    log.warning("error after a batch of %d votes was committed", len(batch),
                                exc_info=True)
                else:  # nothing of the batch is stored, or (CommitUnknown) maybe it is
                    log.warning("a batch of %d votes was not saved", len(batch), exc_info=True)
                    for pending in batch:
                        pending.receipt = None
                        pending.error = (error if isinstance(error, CommitUnknown)
                                         else NotSaved(str(error)))
                if not batch:  # the lock never came: the first vote is refused, as it waited
                    with self._cond:
                        self._queue.remove(head)
                    batch = [head]
                    head.error = NotSaved(str(error))
                    self._drop_expired()
            finally:
                self._busy_since = None
                if batch and statements.committed:
                    self.batches += 1
                    self.votes += len(batch)
                for pending in batch:
                    pending.done.set()

    def _drop_expired(self) -> None:
        """Refuse the queued votes that waited the whole busy timeout for a lock that never
        came (the ones still within it are tried again)."""
        timeout = self.app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
        with self._cond:
            while self._queue and time.monotonic() - self._queue[0].enqueued >= timeout:
                pending = self._queue.popleft()
                pending.taken = True
                pending.error = NotSaved("the database stayed locked")
                pending.done.set()


class _WriteStatements:
    """The vote's statements compiled for the app's database, on the writer's connection."""

    def __init__(self):
        from sqlalchemy import bindparam, delete, insert

        from consult.extensions import db
        from consult.rawsql import RawStatement
        from consult.voting.models import ResponseChoice
        from consult.voting.operations import _upsert_statement

        self.engine = db.engine
        dialect = self.engine.dialect
        self.sqlite = dialect.name == "sqlite"
        self.upsert = RawStatement(_upsert_statement(dialect.name), dialect)
        self.clear = RawStatement(delete(ResponseChoice).where(
            ResponseChoice.response_id == bindparam("response_id")), dialect)
        self.choose = RawStatement(insert(ResponseChoice).values(
            response_id=bindparam("response_id"), option_id=bindparam("option_id"),
            rank=bindparam("rank")), dialect)
        self._proxy = None
        #: Whether the last transaction's commit went through.
        self.committed = False

    def connection(self):
        if self._proxy is None:
            self._proxy = self.engine.raw_connection()
            self._proxy.detach()  # the writer's own, for as long as it lives
        return self._proxy.dbapi_connection

    def reset(self) -> None:
        """Drop the connection after a failed batch (the next batch opens a new one)."""
        proxy, self._proxy = self._proxy, None
        if proxy is not None:
            with contextlib.suppress(Exception):  # a broken connection may fail to close too
                proxy.close()

    @contextmanager
    def transaction(self, started: float | None = None):
        """This machine's write turn and a transaction holding the database's write lock;
        committed at the end of the block (rolled back on an error)."""
        from consult.database import write_turn

        self.committed = False
        conn = self.connection()
        with write_turn(started, connection=conn):
            cursor = conn.cursor()
            try:
                if self.sqlite:
                    cursor.execute("BEGIN IMMEDIATE")
                yield cursor
            except BaseException:
                conn.rollback()
                raise
            finally:
                cursor.close()
            try:
                conn.commit()
            except Exception as error:
                raise CommitUnknown(str(error)) from error
            self.committed = True

    def write(self, cursor, batch: list[_Pending]) -> None:
        """Write the batch, a savepoint per vote: a failing vote is undone alone."""
        # One order for every writer: two processes' batches never lock rows in opposite orders.
        for pending in sorted(batch, key=lambda p: (p.values["v_round_id"],
                                                    p.values["v_participant_id"],
                                                    p.values["v_item_id"])):
            cursor.execute("SAVEPOINT vote")
            try:
                pending.receipt = self._store(cursor, pending)
            except Exception as error:  # this vote alone is undone
                cursor.execute("ROLLBACK TO SAVEPOINT vote")
                pending.error = error
            cursor.execute("RELEASE SAVEPOINT vote")

    def _store(self, cursor, pending: _Pending) -> VoteReceipt:
        values = pending.values
        stored = self.upsert.run(cursor, values).fetchall()
        if not stored:
            raise not_open()
        [(response_id, revision)] = stored
        item = pending.item
        if item.uses_options:
            self.clear.run(cursor, {"response_id": response_id})
            rows = choice_rows(item, pending.answer, response_id)
            for row in rows:
                self.choose.run(cursor, row)
        return VoteReceipt(response_id=response_id, revision=revision,
                           saved_at=values["v_now"])


_committers_lock = threading.Lock()


def committer(app) -> GroupCommitter:
    """The app's group committer in this process."""
    found = app.extensions.get("consult.committer")
    if found is None:
        with _committers_lock:
            found = app.extensions.setdefault("consult.committer", GroupCommitter(app))
    return found
