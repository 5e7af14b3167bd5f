"""No vote lost when the server is killed mid-vote: a small run of benchmarks/crash.py.

A real server (started as ``make run`` starts it) on a fresh database, phones voting in
threads, SIGKILL to every server process twice, restart, the phones retry; then every
acknowledged vote must be stored with its last acknowledged value.
"""

from __future__ import annotations

import pytest

from benchmarks.crash import run_crash

pytestmark = pytest.mark.slow


def test_every_acknowledged_vote_survives_sigkill(tmp_path, empty_database_url):
    result = run_crash(tmp_path, empty_database_url, phones=12, kills=2, passes=2, seed=7,
                       think=0.2, log=lambda _: None)
    # Both kills landed while votes were still coming in.
    total = 12 * 16 * 2
    assert len(result["acks_at_kills"]) == 2
    assert all(0 < n < total for n in result["acks_at_kills"]), result["acks_at_kills"]
    assert result["retries"] > 0  # phones did see the server gone, and retried
    assert result["problems"] == []
    assert result["distinct"] == 12 * 16 and result["stored"] == 12 * 16
    assert result["acknowledged"] == total
