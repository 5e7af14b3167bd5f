"""Rate-limit storage: the memory-mapped file the processes of one machine share (the default),
Redis for several machines, and the app when either is unreachable."""

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


# The default storage: a memory-mapped file that the processes of one machine share.

def _storage(path):
    from limits.storage import storage_from_string

    return storage_from_string(f"mmap:///{path}")


def test_shared_storage_counts_in_windows(tmp_path):
    import time

    storage = _storage(tmp_path / "limits.mmap")
    assert storage.get("k") == 0 and storage.check()
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.incr("k", 60, amount=2) == 5 and storage.get("k") == 5
    assert 59 < storage.get_expiry("k") - time.time() <= 60
    storage.clear("k")
    assert storage.get("k") == 0
    storage.incr("short", 0.2)
    time.sleep(0.3)
    assert storage.get("short") == 0 and storage.incr("short", 60) == 1  # a new window
    assert storage.reset() == 1 and storage.get("short") == 0


def test_shared_storage_file_is_for_the_owner_only(tmp_path):
    import stat

    path = tmp_path / "instance" / "limits.mmap"
    _storage(path).incr("login-account:dara", 60)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_processes_of_one_machine_share_the_counts(tmp_path):
    """Three processes of four threads each add to one count: none is lost."""
    import subprocess
    import sys

    path = tmp_path / "limits.mmap"
    script = (
        "import sys, threading\n"
        "import consult.ratelimit\n"
        "from limits.storage import storage_from_string\n"
        f"s = storage_from_string('mmap:///{path}')\n"
        "def work():\n"
        "    for _ in range(250): s.incr('shared', 60)\n"
        "threads = [threading.Thread(target=work) for _ in range(4)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
    )
    processes = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(3)]
    assert [p.wait(timeout=60) for p in processes] == [0, 0, 0]
    assert _storage(path).get("shared") == 3 * 4 * 250


def test_a_thread_per_request_leaves_no_descriptor_behind(tmp_path):
    """`flask run` starts a thread per request: each may connect, none may leak a lock file."""
    import gc
    import os
    import threading

    storage = _storage(tmp_path / "limits.mmap")
    storage.incr("k", 60)
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(50):
        thread = threading.Thread(target=storage.incr, args=("k", 60))
        thread.start()
        thread.join()
    gc.collect()
    assert storage.get("k") == 51
    assert len(os.listdir("/proc/self/fd")) <= before + 2


def test_a_forked_worker_counts_in_the_same_file(tmp_path):
    """A server that forks after the app (and its storage) exist: the child reconnects."""
    import multiprocessing
    import warnings

    storage = _storage(tmp_path / "limits.mmap")
    assert storage.incr("k", 60) == 1
    child = multiprocessing.get_context("fork").Process(target=storage.incr, args=("k", 60))
    with warnings.catch_warnings():  # Python 3.12 warns about fork() beside threads
        warnings.simplefilter("ignore", DeprecationWarning)
        child.start()
    child.join(timeout=30)
    assert child.exitcode == 0 and storage.get("k") == 2


def test_default_storage_is_a_file_in_the_instance_folder(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "RATELIMIT_STORAGE_URI"}
    env["CONSULT_INSTANCE"] = str(tmp_path)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    uri = subprocess.run([sys.executable, "-c", "import config; "
                          "print(config.Config.RATELIMIT_STORAGE_URI)"], cwd=root,
                         env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert uri == f"mmap:///{tmp_path}/ratelimits.mmap"


def test_one_participant_limit_in_the_default_storage_spans_app_instances(app, make, other_app,
                                                                          tmp_path):
    """Votes through two app instances on one storage file count together."""
    event, _, items = workshop(make)
    person = make.participant(event)
    db.session.commit()
    config = {"RATELIMIT_ENABLED": True,
              "RATELIMIT_STORAGE_URI": f"mmap:///{tmp_path}/ratelimits.mmap"}
    first = other_app(**config)
    first_client = first.test_client()
    as_participant(first_client, person)
    from consult.voting.views import VOTE_LIMIT

    limit = int(VOTE_LIMIT.split()[0])
    codes = [vote(first_client, event, items[0], "4").status_code for _ in range(limit - 5)]
    second = other_app(**config)  # a fresh process's storage: only the file is shared
    second_client = second.test_client()
    as_participant(second_client, person)
    codes += [vote(second_client, event, items[0], "4").status_code for _ in range(6)]
    assert codes[:limit] == [200] * limit and codes[limit] == 429


def test_app_keeps_serving_when_the_storage_file_cannot_be_opened(app, make, caplog, other_app,
                                                                  _restore_limiter):
    event, _, items = workshop(make)
    person = make.participant(event)
    db.session.commit()
    broken = other_app(RATELIMIT_ENABLED=True,
                       RATELIMIT_STORAGE_URI="mmap:////proc/no-such-dir/ratelimits.mmap")
    client = broken.test_client()
    as_participant(client, person)
    with caplog.at_level("WARNING"):
        assert vote(client, event, items[0], "4").status_code == 200
        assert client.get("/j/WRONG2").status_code == 404
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)


def test_shared_storage_keeps_thousands_of_keys_apart(tmp_path):
    """A room's worth of participants: every key has its own count, none borrows another's."""
    storage = _storage(tmp_path / "limits.mmap")
    keys = [f"vote/p:{n}" for n in range(5000)]
    for n, key in enumerate(keys):
        for _ in range(1 + n % 3):
            storage.incr(key, 60)
    assert [storage.get(k) for k in keys] == [1 + n % 3 for n in range(5000)]


def test_shared_storage_takes_expired_slots_again(tmp_path, monkeypatch):
    """A table full of expired windows still counts new keys (and a full one lets them by)."""
    import time

    from consult.ratelimit import SharedMemoryStorage

    monkeypatch.setattr(SharedMemoryStorage, "SLOTS", 8)
    monkeypatch.setattr(SharedMemoryStorage, "PROBES", 8)
    storage = _storage(tmp_path / "small.mmap")
    assert [storage.incr(f"old{n}", 0.2) for n in range(8)] == [1] * 8
    assert storage.incr("new", 60) == 1 and storage.incr("new", 60) == 1  # full: not counted
    time.sleep(0.3)
    assert [storage.incr(f"fresh{n}", 60) for n in range(8)] == [1] * 8
    assert [storage.incr(f"fresh{n}", 60) for n in range(8)] == [2] * 8
