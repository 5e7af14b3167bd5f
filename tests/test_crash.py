"""No vote lost when the server is killed mid-vote: a small run of benchmarks/crash.py.

A real gunicorn (started as ``make run`` starts it) on a fresh database, phones voting in
threads, SIGKILL to every server process twice, restart, the phones retry; then every
acknowledged vote must be stored with its last acknowledged value.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from benchmarks.crash import run_crash
from tests.conftest import DATABASE_URL, IS_POSTGRES

pytestmark = pytest.mark.slow


@pytest.fixture
def crash_database(tmp_path):
    """A fresh, empty database for the crashed server: SQLite in tmp, or a new PostgreSQL one."""
    if not IS_POSTGRES:
        yield None
        return
    from sqlalchemy import create_engine

    admin = create_engine(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = f"consult_crash_{tmp_path.name[-20:].replace('-', '_').lower()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield DATABASE_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_every_acknowledged_vote_survives_sigkill(tmp_path, crash_database):
    result = run_crash(tmp_path, crash_database, phones=12, kills=2, passes=2, seed=7,
                       think=0.2, log=lambda _: None)
    # Both kills landed while votes were still coming in.
    total = 12 * 16 * 2
    assert len(result["acks_at_kills"]) == 2
    assert all(0 < n < total for n in result["acks_at_kills"]), result["acks_at_kills"]
    assert result["retries"] > 0  # phones did see the server gone, and retried
    assert result["problems"] == []
    assert result["distinct"] == 12 * 16 and result["stored"] == 12 * 16
    assert result["acknowledged"] == total
