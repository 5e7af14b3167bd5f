"""A SQLite lock held by another process: reads go on, a vote gets a quick 503, never a hang.

The lock is taken the way any other program takes it (``BEGIN EXCLUSIVE`` through Python's
sqlite3). No timing threshold is asserted: requests run in threads joined with a generous
timeout that only guards against a hang (the busy timeout is set far above it, so a request
that waited on the lock would trip it).
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult import database
from consult.extensions import db
from consult.voting.models import Response
from tests.conftest import IS_POSTGRES
from tests.helpers import as_participant, vote, workshop

pytestmark = pytest.mark.skipif(IS_POSTGRES, reason="locks the SQLite file")

#: Far beyond the hang guard: a request that waits for the lock would never come back in time.
LONG_BUSY_MS = 120_000
HANG_GUARD = 30  # seconds


def _in_thread(target, *args):
    """Start ``target(*args)`` in a thread; return (thread, box) where box gets the result."""
    box: dict = {}

    def run():
        try:
            box["result"] = target(*args)
        except BaseException as error:  # reported by the test, not lost in the thread
            box["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def _finish(thread, box):
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), "the request hung while the database was locked"
    if "error" in box:
        raise box["error"]
    return box["result"]


def _lock(path: str) -> sqlite3.Connection:
    blocker = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    return blocker


def _stored() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Response))


@pytest.mark.config(SQLITE_BUSY_TIMEOUT_MS=200, RATELIMIT_ENABLED=True)
def test_locked_vote_gets_503_with_a_short_retry_after_and_saves_nothing(app, client, make):
    event, _, items = workshop(make)
    as_participant(client, make.participant(event))
    db.session.commit()
    blocker = _lock(db.engine.url.database)
    try:
        response = vote(client, event, items[0], "4")
        assert blocker.in_transaction  # the lock was held all along
    finally:
        blocker.rollback()
        blocker.close()
    assert response.status_code == 503
    # A few seconds, not the rate limiter's minute (it rewrote the header to 49–55 s).
    assert 1 <= int(response.headers["Retry-After"]) <= 5
    assert _stored() == 0
    after = vote(client, event, items[0], "4")
    assert after.status_code == 200 and after.json["saved"]
    assert _stored() == 1


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_retry_after_only_on_refusals(app, client, make):
    """A vote that went through carries no Retry-After (the limiter added one of 60 s)."""
    event, round_, items = workshop(make)
    as_participant(client, make.participant(event))
    db.session.commit()
    response = vote(client, event, items[0], "4")
    assert response.status_code == 200
    assert "Retry-After" not in response.headers
    page = client.post(f"/e/{event.join_code}/rounds/{round_.id}", data={f"item-{items[0].id}": "5"})
    assert page.status_code == 302 and "Retry-After" not in page.headers


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_a_refused_vote_still_says_when_to_come_back(app, client, make, monkeypatch):
    from consult.voting import views

    monkeypatch.setattr(views, "VOTE_LIMIT", "1 per minute", raising=True)
    event, _, items = workshop(make)
    as_participant(client, make.participant(event))
    db.session.commit()
    responses = [vote(client, event, items[0], "4") for _ in range(300)]
    refused = [r for r in responses if r.status_code == 429]
    assert refused, "the vote limit never refused"
    assert 0 < int(refused[0].headers["Retry-After"]) <= 60


@pytest.mark.config(SQLITE_BUSY_TIMEOUT_MS=LONG_BUSY_MS)
def test_reads_go_on_while_another_process_holds_the_lock(app, make):
    """A status poll and a page load answer while the lock is held (they need no write)."""
    event, round_, _ = workshop(make)
    participant = make.participant(event)
    db.session.commit()
    client = app.test_client()
    as_participant(client, participant)
    blocker = _lock(db.engine.url.database)
    try:
        status = _finish(*_in_thread(client.get, f"/e/{event.join_code}/status.json"))
        page = _finish(*_in_thread(client.get, f"/e/{event.join_code}/rounds/{round_.id}"))
        assert blocker.in_transaction
    finally:
        blocker.rollback()
        blocker.close()
    assert status.status_code == 200 and status.json["rounds"][0]["id"] == round_.id
    assert page.status_code == 200


@pytest.mark.config(SQLITE_BUSY_TIMEOUT_MS=LONG_BUSY_MS)
def test_writers_behind_a_stuck_writer_give_up_at_once(app, make):
    """While one vote waits for the lock, the next does not queue behind it: a 503 at once.

    Queued writers took every worker thread, so no page could load (9–24 s measured).
    """
    event, _, items = workshop(make)
    first, second = make.participant(event), make.participant(event)
    db.session.commit()
    clients = []
    for participant in (first, second):
        c = app.test_client()
        as_participant(c, participant)
        clients.append(c)
    blocker = _lock(db.engine.url.database)
    try:
        url, field = f"/e/{event.join_code}/items/{items[0].id}/answer", f"item-{items[0].id}"

        def post(client, value):  # in a thread: no ORM object of the test's session in there
            return client.post(url, data={field: value}, headers={"Accept": "application/json"})

        stuck = _in_thread(post, clients[0], "4")
        guard = time.monotonic() + HANG_GUARD
        while database.turn_held_for() is None:  # the first vote holds the write turn
            assert time.monotonic() < guard
            if not stuck[0].is_alive():
                raise AssertionError(f"the first vote finished: {_finish(*stuck)!r}")
            time.sleep(0.01)
        refused = _finish(*_in_thread(post, clients[1], "5"))
        assert stuck[0].is_alive() and blocker.in_transaction  # still waiting on the lock
    finally:
        blocker.rollback()
        blocker.close()
    assert refused.status_code == 503 and 1 <= int(refused.headers["Retry-After"]) <= 5
    assert refused.json["message"]
    # Once the lock is gone the first vote, which waited within its busy timeout, is saved.
    saved = _finish(*stuck)
    assert saved.status_code == 200 and saved.json["saved"]
    assert _stored() == 1


@pytest.mark.config(SQLITE_BUSY_TIMEOUT_MS=10_000)
def test_a_vote_waits_no_longer_than_the_busy_timeout_in_all(app):
    """Time spent waiting for the turn comes off the time left to wait in SQLite."""
    with database.write_turn(started=time.monotonic() - 9):  # 9 of its 10 s went in the queue
        left = db.session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()
    db.session.rollback()
    assert 0 < left <= 1000
    # The connection gets its full timeout back for whoever uses it next.
    db.session.close()
    assert db.session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    db.session.rollback()
    # No time left at all: refused at once.
    with pytest.raises(database.WriteTurnBusy), database.write_turn(started=time.monotonic() - 11):
        pass


@pytest.mark.slow
def test_a_server_keeps_answering_pages_while_the_database_is_locked(tmp_path):
    """The server as ``make run`` runs it (1 process × 2 threads here): votes cannot fill it."""
    from benchmarks.harness import CODE, Phone, Server, Staff, prepare, sector_ids

    instance = Path(tempfile.mkdtemp(dir=tmp_path))
    event_id, round_id, items = prepare(instance, None, round_items=4)
    server = Server(instance, workers=1, threads=2,
                    extra_env={"SQLITE_BUSY_TIMEOUT_MS": str(LONG_BUSY_MS)}).start()
    phones: list[Phone] = []
    try:
        staff = Staff(server.port)
        phones.append(staff)
        staff.login()
        assert staff.round_action(event_id, round_id, "open") == 302
        sectors = sector_ids(server.port)
        for n in range(6):
            phone = Phone(server.port, timeout=HANG_GUARD)
            phones.append(phone)
            phone.join(sectors[n % len(sectors)], "woman")
        voters, reader = phones[1:5], phones[5]

        def post_vote(phone, value):
            item = items[0]
            return phone.request("POST", f"/e/{CODE}/items/{item}/answer",
                                 {"csrf_token": phone.csrf, f"item-{item}": value},
                                 {"Accept": "application/json", "X-CSRFToken": phone.csrf})

        blocker = _lock(str(instance / "consult.db"))
        try:
            in_flight = [_in_thread(post_vote, phone, 4) for phone in voters]
            time.sleep(1)  # let the votes reach the server and queue (setup, not a measure)
            status = _finish(*_in_thread(reader.request, "GET", f"/e/{CODE}/status.json"))
            page = _finish(*_in_thread(reader.request, "GET", f"/e/{CODE}/rounds/{round_id}"))
            assert blocker.in_transaction
        finally:
            blocker.rollback()
            blocker.close()
        assert status[0] == 200 and page[0] == 200
        outcomes = [_finish(*t) for t in in_flight]
        codes = sorted(code for code, _, _ in outcomes)
        assert set(codes) <= {200, 503} and 503 in codes
        for code, headers, _ in outcomes:
            if code == 503:
                assert 1 <= int(headers["Retry-After"]) <= 5
            else:
                assert "Retry-After" not in headers
        code, headers, _ = post_vote(voters[-1], 2)
        assert code == 200 and "Retry-After" not in headers
    finally:
        for phone in phones:
            phone.close()
        server.stop()
