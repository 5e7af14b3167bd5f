"""What each hot request costs in the app itself: CPU per request in one process, no server.

The app is built as ``make run`` builds it (migrated, the demo workshop, a round of 16 agreement
items opened, CSRF and the vote limit on) on a fresh SQLite file or a fresh PostgreSQL database,
and called as a WSGI application with a prepared environ, so neither a server nor a test client
adds to the figures. CPU is ``os.times()`` user + system of the whole process, the group
committer's writer thread included. Each request is measured with the fast paths on and off
(``FAST_PATHS``), beside a bare Flask hello-world called the same way (the floor).

Run: ``.venv/bin/python benchmarks/inprocess.py [--requests 2000] [--database-url URL]``.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import CODE, _env, drop_pg, fresh_pg, prepare

PHONES = 20  # votes spread over them, each far under the vote limit (240 a minute)
TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


def _start_response(status, headers, exc_info=None):
    _start_response.status = status


def call(app, environ: dict, body: bytes = b"") -> tuple[str, bytes, dict]:
    """One request through ``app``; its status, body and environ (as the server would)."""
    environ = dict(environ)
    environ["wsgi.input"] = io.BytesIO(body)
    chunks = app(environ, _start_response)
    try:
        data = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return _start_response.status, data, environ


def environ(path: str, method: str = "GET", headers: dict | None = None,
            data: bytes = b"") -> dict:
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=path, method=method, headers=headers or {}, data=data,
                             content_type="application/x-www-form-urlencoded" if data else None)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def cpu(run, n: int) -> tuple[float, float]:
    """User and system CPU per call of ``run`` over ``n`` calls, in ms."""
    before = os.times()
    for i in range(n):
        run(i)
    after = os.times()
    return ((after.user - before.user) * 1000 / n, (after.system - before.system) * 1000 / n)


class Phone:
    """A participant with a session cookie that holds a form token, as after the first page."""

    def __init__(self, app, token: str, round_id: int):
        from consult.access import PARTICIPANT_SESSION_KEY

        client = app.test_client()
        with client.session_transaction() as session:
            session[PARTICIPANT_SESSION_KEY] = token
        page = client.get(f"/e/{CODE}/rounds/{round_id}")
        assert page.status_code == 200, page.status_code
        self.csrf = TOKEN.search(page.get_data(as_text=True))[1]
        self.cookie = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())


def setup(instance: Path, url: str | None) -> tuple[int, list[int], list[str]]:
    """Migrate, seed, open the round; return its id, its items and phones' tokens."""
    _event_id, round_id, items = prepare(instance, url)
    from benchmarks.harness import run_in_app

    out = run_in_app(instance, url, f"""
    from consult.agenda.models import Round
    from consult.events.models import Event
    from consult.participants.models import Participant
    from consult.timeutil import utcnow
    round_ = db.session.get(Round, {round_id})
    round_.open()
    event = db.session.get(Event, round_.event_id)
    people = [Participant(event=event, sector=event.sectors[0], profile_completed_at=utcnow())
              for _ in range({PHONES})]
    db.session.add_all(people)
    db.session.commit()
    print(",".join(p.token for p in people))
""")
    return round_id, items, out.strip().split(",")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = fresh_pg(args.database_url) if args.database_url else None
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp)
        os.environ.update(_env(instance, url))
        try:
            round_id, items, tokens = setup(instance, url)
            report(measure(round_id, items, tokens, args.requests), args, url)
        finally:
            if url:
                drop_pg(url)
    return 0


def measure(round_id: int, items: list[int], tokens: list[str], n: int) -> dict:
    from benchmarks.hello_app import app as hello
    from consult import create_app

    hello_env = environ("/")
    figures = {"bare Flask hello-world": {"either": cpu(lambda i: call(hello, hello_env), n)}}
    for fast in (True, False):
        app = create_app({"FAST_PATHS": fast})
        phones = [Phone(app, token, round_id) for token in tokens]
        mode = "fast paths" if fast else "the views"
        etag = app.test_client().get(f"/e/{CODE}/status.json").headers["ETag"]
        poll = environ(f"/e/{CODE}/status.json",
                       headers={"Cookie": phones[0].cookie, "If-None-Match": etag})
        assert call(app, poll)[0].startswith("304")
        stale = environ(f"/e/{CODE}/status.json",
                        headers={"Cookie": phones[0].cookie, "If-None-Match": '"0-km"'})
        assert call(app, stale)[0].startswith("200")
        page = [environ(f"/e/{CODE}/rounds/{round_id}", headers={"Cookie": p.cookie})
                for p in phones]
        assert all(call(app, env)[0].startswith("200") for env in page)
        # Each phone answers one item, again and again (values 1-5 in turn).
        votes = [(environ(f"/e/{CODE}/items/{items[i % len(items)]}/answer", "POST",
                          {"Cookie": p.cookie, "Accept": "application/json"},
                          _vote_body(p, items[i % len(items)], 1)), p, items[i % len(items)])
                 for i, p in enumerate(phones)]

        def vote(i, votes=votes, app=app):
            env, phone, item = votes[i % len(votes)]
            status_, data, _ = call(app, env, _vote_body(phone, item, i // len(votes)))
            assert status_.startswith("200"), (status_, data[:300])

        def load(i, page=page, app=app):
            assert call(app, page[i % len(page)])[0].startswith("200")

        figures.setdefault("status poll answered 304", {})[mode] = cpu(
            lambda i, poll=poll, app=app: call(app, poll), n)
        figures.setdefault("status poll answered 200 (a round just opened)", {})[mode] = cpu(
            lambda i, stale=stale, app=app: call(app, stale), n)
        figures.setdefault("vote page (cached skeleton)", {})[mode] = cpu(load, n)
        figures.setdefault("vote", {})[mode] = cpu(vote, min(n, PHONES * 200))
    return figures


def _vote_body(phone: Phone, item: int, i: int) -> bytes:
    """The same length every time (the environ's Content-Length): one digit of a value."""
    return f"item-{item}={i % 5 + 1}&csrf_token={phone.csrf}".encode()


def report(figures: dict, args, url: str | None) -> None:
    floor = sum(figures["bare Flask hello-world"]["either"])
    print(f"\nIn-process CPU per request, ms (user + system), {args.requests} requests, "
          f"{'PostgreSQL' if url else 'SQLite'}, {time.strftime('%Y-%m-%d')}\n")
    print("| request | fast paths | the views | fast ÷ bare Flask |")
    print("|---|---|---|---|")
    for name, modes in figures.items():
        if "either" in modes:
            print(f"| {name} | {_ms(modes['either'])} | | 1.0× |")
            continue
        fast, slow = modes["fast paths"], modes["the views"]
        print(f"| {name} | {_ms(fast)} | {_ms(slow)} | {sum(fast) / floor:.1f}× |")


def _ms(pair: tuple[float, float]) -> str:
    return f"{sum(pair):.2f} ({pair[0]:.2f} + {pair[1]:.2f})"


if __name__ == "__main__":
    sys.exit(main())
