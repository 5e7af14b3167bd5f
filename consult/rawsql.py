"""The hot paths' statements, run on the driver's own connection.

A status poll or a vote runs one or two statements thousands of times a second; through the
ORM or even SQLAlchemy Core, building and processing a statement cost several times what the
database spends on it. Here a statement written once with SQLAlchemy (the same object the rest
of the app uses, so the rule it encodes lives in one place) is compiled once per dialect, and
each run only converts its values with SQLAlchemy's own bind processors and hands them to the
driver.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from typing import Any

from sqlalchemy.engine import Dialect, Engine


class RawStatement:
    """A SQLAlchemy statement compiled once for ``dialect``, run with plain values."""

    def __init__(self, statement, dialect: Dialect, *, typed: bool = False):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self._names = list(compiled.positiontup) if compiled.positional else None
        self._processors = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self._processors[name] = processor
        # The values written into the statement itself (an enum's value, a constant), converted.
        self._fixed = {name: self._process(name, bind.effective_value)
                       for name, bind in compiled.binds.items() if not bind.required}
        # ``typed``: rows read as SQLAlchemy reads them (a date, an enum member), else as the
        # driver gives them (SQLite: a date is text).
        self._results = None
        if typed:
            self._results = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                             for column in statement.selected_columns]

    def _process(self, name: str, value):
        processor = self._processors.get(name)
        return processor(value) if processor is not None and value is not None else value

    def params(self, values: dict[str, Any]):
        """The driver's parameters for ``values`` (by bind name), beside the fixed ones."""
        merged = dict(self._fixed)
        for name, value in values.items():
            merged[name] = self._process(name, value)
        if self._names is None:
            return merged
        return tuple(merged[name] for name in self._names)

    def run(self, cursor, values: dict[str, Any]):
        """Execute on a driver cursor; return the cursor."""
        cursor.execute(self.sql, self.params(values))
        return cursor

    def row(self, row):
        """A fetched row, its values converted when the statement is ``typed``."""
        if row is None or self._results is None:
            return row
        return tuple(value if process is None or value is None else process(value)
                     for process, value in zip(self._results, row, strict=True))


class ThreadConnections:
    """One driver connection per thread (and per process: a forked child opens its own),
    taken from ``engine`` and detached from its pool, for reads that need no transaction.

    On PostgreSQL the connection is in autocommit, so a read holds no snapshot between polls;
    SQLite's driver opens no transaction for a SELECT.
    """

    def __init__(self, engine: Engine, *, autocommit: bool = True):
        self.engine = engine
        self.autocommit = autocommit
        self._local = threading.local()
        self._opened: list = []
        # Closed with their owner (an app of the tests; a worker at exit), never left to the
        # garbage collector, which would leave PostgreSQL's sessions open until it ran.
        weakref.finalize(self, _close_each, self._opened)

    def get(self):
        """This thread's driver connection (opened on first use)."""
        local = self._local
        if getattr(local, "pid", None) == os.getpid() and local.proxy is not None:
            return local.proxy.dbapi_connection
        proxy = self.engine.raw_connection()
        proxy.detach()  # ours for good: closed, not returned, when dropped
        if self.autocommit and self.engine.dialect.name == "postgresql":
            proxy.dbapi_connection.autocommit = True
        local.pid, local.proxy = os.getpid(), proxy
        self._opened.append(proxy)
        return proxy.dbapi_connection

    def drop(self) -> None:
        """Forget this thread's connection after an error (the next use opens a new one)."""
        proxy = getattr(self._local, "proxy", None)
        self._local.proxy = None
        if proxy is not None:
            if proxy in self._opened:
                self._opened.remove(proxy)
            with contextlib.suppress(Exception):  # a broken connection may fail to close too
                proxy.close()


def _close_each(proxies: list) -> None:
    for proxy in proxies:
        with contextlib.suppress(Exception):
            proxy.close()
    proxies.clear()
