"""Rate limits shared through Redis (several processes), and the app without Redis."""

from __future__ import annotations

import socket
import uuid

import pytest

from consult.extensions import db
from tests.helpers import as_participant, vote, workshop

REDIS = "redis://127.0.0.1:6379"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_two_app_processes_share_one_participant_limit(app, make, other_app):
    """A participant cannot double their quota by hitting two processes."""
    event, _, items = workshop(make)
    person = make.participant(event)
    db.session.commit()
    prefix = f"consult-test-{uuid.uuid4().hex}"
    config = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS,
              "RATELIMIT_KEY_PREFIX": prefix, "RATELIMIT_DEFAULTS_PER_METHOD": False}
    first, second = other_app(**config), other_app(**config)
    from consult.voting.views import VOTE_LIMIT

    limit = int(VOTE_LIMIT.split()[0])
    clients = [first.test_client(), second.test_client()]
    for client in clients:
        as_participant(client, person)
    codes = [vote(clients[n % 2], event, items[0], "4").status_code for n in range(limit + 1)]
    assert codes[:limit] == [200] * limit and codes[limit] == 429


@pytest.fixture
def _restore_limiter():
    """The limiter is one object per process; leave it as healthy as the next test expects."""
    from consult.extensions import limiter

    yield
    limiter._storage_dead = False  # Flask-Limiter's own flag, set when Redis failed


def test_app_keeps_serving_when_redis_is_unreachable(app, make, caplog, other_app, _restore_limiter):
    event, _, items = workshop(make)
    person = make.participant(event)
    db.session.commit()
    broken = other_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1")
    client = broken.test_client()
    as_participant(client, person)
    from consult.voting.views import VOTE_LIMIT

    limit = int(VOTE_LIMIT.split()[0])
    with caplog.at_level("WARNING", logger="flask-limiter"):
        codes = [vote(client, event, items[0], "4").status_code for _ in range(limit + 1)]
    # Every vote served, and the limit still holds: counted in memory while Redis is away.
    assert codes[:limit] == [200] * limit and codes[limit] == 429
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)
