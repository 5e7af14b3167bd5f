"""The workshop benchmark's load generator (benchmarks/loadgen.py) does what its figures claim.

Every phone sends every vote, spaced over the round (the wrk scripts dropped phone 0's first
vote); polls are staggered; requests go out when due even when nothing is answered (open loop);
and a small room against a real server stores every acknowledged vote exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import socket
import threading
import time
from itertools import pairwise

import pytest

from benchmarks.loadgen import CUT, Generator, summarize

ITEMS = list(range(101, 117))


def _plan(phones: int, streams: list[dict], port: int = 9, stop: float = 200.0) -> dict:
    return {"port": port, "t0": 1000.0, "stop": stop, "grace": 0.5, "timeout": 30, "cap": 8000,
            "code": "KH7Q2P", "round_id": 7, "items": ITEMS, "event_id": 1,
            "screen_token": "k", "staff_cookie": "", "etag": '"1-km"',
            "phones": [(i, f"session=s{i}", f"csrf{i}") for i in range(phones)],
            "marks": [], "seed": 3, "streams": streams}


def test_every_phone_answers_every_item_once_spaced_over_the_window():
    plan = _plan(7, [{"kind": "votes", "name": "vote", "start": 5, "window": 120}])
    generator = Generator(plan)
    events = list(generator.schedule(plan["streams"][0]))
    dues = [due for due, *_ in events]
    assert dues == sorted(dues)
    assert len(events) == 7 * 16
    assert {(who, k) for _, _, who, k in events} == {(w, k) for w in range(7) for k in range(16)}
    assert dues[0] >= 1005 and dues[-1] < 1125  # all inside the window, so all are sent
    for phone in range(7):
        times = [due for due, _, who, _ in events if who == phone]
        assert [round(b - a, 9) for a, b in pairwise(times)] == [7.5] * 15
    # Each of a phone's requests names another item of the round, with the phone's own token.
    bodies = {generator.build("vote", who, k).split(b"\r\n\r\n")[1] for _, _, who, k in events}
    assert len(bodies) == 7 * 16
    assert all(b"csrf_token=csrf" in body for body in bodies)


def test_polls_are_staggered_and_keep_their_period():
    plan = _plan(30, [{"kind": "poll", "name": "status", "start": 0, "end": 9, "period": 3.0,
                       "follow": True}])
    generator = Generator(plan)
    events = list(generator.schedule(plan["streams"][0]))
    assert len(events) == 30 * 3
    offsets = sorted(due - 1000 for due, _, _, k in events if k == 0)
    assert len(offsets) == 30 and offsets[0] >= 0 and offsets[-1] < 3
    assert len({round(o, 6) for o in offsets}) == 30  # not all at once
    for phone in range(30):
        times = [due for due, _, who, _ in events if who == phone]
        assert [round(b - a, 9) for a, b in pairwise(times)] == [3.0, 3.0]
    # A poll sends the ETag the phone last got, so an unchanged document answers 304.
    assert b'If-None-Match: "1-km"' in generator.build("poll", 0, 0)
    generator.etags[0] = None
    assert b"If-None-Match" not in generator.build("poll", 0, 0)


def _run(plan: dict) -> dict:
    """Run the generator on an event loop of its own thread, starting 0.2 s from now.

    Its own thread: a browser test's Playwright (sync API) may have left an event loop
    running in this one, and asyncio runs one loop per thread.
    """
    box: dict = {}

    def work():
        loop = asyncio.new_event_loop()
        try:
            plan["t0"] = loop.time() + 0.2  # asyncio's clock is time.monotonic()
            box["result"] = loop.run_until_complete(Generator(plan).run())
        finally:
            loop.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(60)
    return box["result"]


def test_requests_go_out_when_due_though_none_is_answered():
    """Open loop: a server that never answers does not hold back the requests due after."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)  # the kernel completes the connections; nothing ever answers
        port = listener.getsockname()[1]
        plan = _plan(3, [{"kind": "rate", "name": "h", "route": "healthz", "rate": 40,
                          "start": 0, "end": 0.5}], port=port, stop=0.5)
        plan["marks"] = [0.5]
        result = _run(plan)
    record = result["records"]["h"]
    assert len(record) == 20
    assert all(sent >= due for sent, due in zip(record.sent, record.due, strict=True))
    assert set(record.status) == {CUT}  # all sent, none answered, all cut after the grace
    figures = summarize(record, plan["t0"], 0, 0.5)
    assert figures["due"] == figures["sent"] == 20 and figures["answered"] == 0


def _slow_server(listener: socket.socket, delay: float) -> None:
    """Answer every connection with a tiny 200 after ``delay`` seconds, until closed."""

    def answer(conn):
        with conn:
            conn.recv(4096)
            time.sleep(delay)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=answer, args=(conn,), daemon=True).start()


def test_requests_over_the_cap_wait_their_turn_in_order():
    """Past ``cap`` requests in flight, the next ones wait (the backlog) and go out in order."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        threading.Thread(target=_slow_server, args=(listener, 0.3), daemon=True).start()
        plan = _plan(3, [{"kind": "rate", "name": "h", "route": "healthz", "rate": 100,
                          "start": 0, "end": 0.1}], port=listener.getsockname()[1], stop=0.1)
        plan.update(cap=2, grace=5, marks=[0.1])
        result = _run(plan)
    record = result["records"]["h"]
    assert list(record.status) == [200] * 10  # every one answered, none lost in the queue
    # Sent in the order they were due. (The record is in the order of the answers, which two
    # requests in flight at once may get either way round.)
    sent_by_due = [sent for _, sent in sorted(zip(record.due, record.sent, strict=True))]
    assert sent_by_due == sorted(sent_by_due)
    _pending, inflight = result["backlog"][0.1]["h"]
    assert inflight <= 2  # never more in flight than the cap (the rest waited, none dropped)


@pytest.mark.parametrize(("revisions", "ok"), [(10, True), (12, True), (13, False), (9, False)])
def test_the_check_allows_only_votes_never_answered_beyond_the_acknowledged(revisions, ok):
    from benchmarks.workshop import integrity_ok

    # 10 acknowledged; 1 cut at the end and 1 timed out may be stored; the 503 may not.
    votes = {"sent": 13, "acked": 10, "refused": 1, "cut": 1, "timed_out": 1, "broken": 0,
             "unsent": 3, "needed": 16}
    result = {"room": {"votes": votes}, "stored": {"rows": revisions, "revisions": revisions}}
    assert integrity_ok(result) is ok


@pytest.mark.slow
def test_a_small_room_stores_every_vote_once(tmp_path, empty_database_url):
    from benchmarks.workshop import integrity_ok, run_one

    args = argparse.Namespace(
        database_url=empty_database_url if empty_database_url.startswith("postgresql") else None,
        server="granian", workers=2, threads=2, worker_class="gthread", backpressure=None,
        ratelimit_storage=None, phases="room", routes=[], generators=2, warm=1.5,
        surge_seconds=3, vote_seconds=3, route_seconds=1, concurrency=4, grace=10,
        request_timeout=20, log_dir=None)
    result = run_one(12, args)
    room, stored = result["room"], result["stored"]
    assert integrity_ok(result)
    assert room["votes"] == {"sent": 192, "acked": 192, "refused": 0, "cut": 0, "timed_out": 0,
                             "broken": 0, "unsent": 0, "needed": 192}
    assert stored == {"rows": 192, "revisions": 192, "participants": 12}
    assert room["surge"]["p100_s"] < math.inf  # every phone loaded the vote page
    vote = room["figures"]["vote"]
    assert vote["vote"]["statuses"] == {200: 192}
    assert set(vote["status"]["statuses"]) <= {200, 304}
    assert vote["status"]["statuses"].get(304, 0) > 0  # the phones sent their ETag back
    pages = [room["figures"][phase].get("page", {}).get("statuses", {})
             for phase in ("round opening", "vote")]
    assert sum(p.get(200, 0) for p in pages) == 12 and all(set(p) <= {200} for p in pages)
    assert room["cpu"]["vote"]["server_s"] > 0 and room["cpu"]["vote"]["answered"] > 192
    assert all(kib > 0 for _, _, kib in result["memory"])
