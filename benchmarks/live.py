"""Live panels benchmark (issue 13): CPU per console and projector poll, with and without the cache.

One process, the Flask test client, a database filled by this script: the demo event plus a
round of 16 agreement items, open and revealed (so the projector draws its 16 tallies too),
answered by 10,000 participants (160,000 answers, 3 % with a Khmer comment). For each setting
of ``LIVE_CACHE_SECONDS`` (0: every poll counts the answers; 1: the default) and each surface:

- **votes arriving**: ``--intervals`` times, one answer changes, the interval passes, and
  ``--consoles`` consoles (facilitators and analysts in turn) or one projector poll;
- **unchanged**: the same poll again and again, sending back the ETag it got.

CPU is ``time.process_time`` of the whole process — the polls, the counting in the cache's own
thread (waited for before the clock stops), and the test client, which is small beside them.
Wall time is each poll's own. The cache's clock is moved by hand, so no run waits for it.

Run: ``.venv/bin/python benchmarks/live.py [--answers 160000] [--database-url URL]``; with a
PostgreSQL URL, a fresh database is made beside the one it names and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import add_answers, bench_app, drop_pg, fresh_demo, fresh_pg

PASSWORD = "bench-password-1"
ITEMS = 16


def populate(url: str, answers: int, instance: str) -> dict:
    """Create the schema, the demo event, a round of 16 items open and revealed, the answers."""
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from consult.accounts.models import User
    from consult.agenda.models import Item, ItemKind, Round
    from consult.extensions import db

    app = bench_app(url)
    with app.app_context():
        event = fresh_demo(instance)
        for user in db.session.scalars(select(User)):
            user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
        items = db.session.scalars(select(Item).where(
            Item.event_id == event.id, Item.kind == ItemKind.agreement).order_by(Item.id)
        ).all()[:ITEMS]
        round_ = Round(event=event, position=99, title_en="Benchmark round",
                       title_km="ជុំសាកល្បង")
        db.session.add(round_)
        db.session.flush()
        for n, item in enumerate(items, start=1):
            item.round_id, item.round_position = round_.id, n
        round_.open()
        round_.reveal()
        db.session.commit()
        participants, written = add_answers(event, items, answers)
        db.session.commit()
        return {"event_id": event.id, "code": event.join_code, "token": event.screen_token,
                "round_id": round_.id, "item_id": items[0].id, "written": written,
                "participant_ids": [p.id for p in participants[:2000]]}


def _vote(app, data: dict, n: int) -> None:
    """Change one answer, as a phone's vote does (a new value, a new revision)."""
    from sqlalchemy import update

    from consult.extensions import db
    from consult.timeutil import utcnow
    from consult.voting.models import Response

    with app.app_context():
        pid = data["participant_ids"][n % len(data["participant_ids"])]
        db.session.execute(update(Response).where(
            Response.participant_id == pid, Response.item_id == data["item_id"]
        ).values(value=n % 6, revision=Response.revision + 1, updated_at=utcnow()))
        db.session.commit()


def _clients(app):
    clients = {}
    for name in ("facilitator", "analyst"):
        client = app.test_client()
        response = client.post("/staff/login", data={"username": name, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        clients[name] = client
    return clients


def measure(url: str, data: dict, seconds: float, surface: str, viewers: int,
            intervals: int) -> dict:
    """Per poll of ``surface`` by ``viewers`` viewers: CPU, wall times, computations."""
    app = bench_app(url, LIVE_CACHE_SECONDS=seconds)
    cache = app.extensions["consult.live_cache"]
    now = [0.0]
    cache.clock = lambda: now[0]
    clients = _clients(app)
    if surface == "console":
        path = f"/staff/events/{data['event_id']}/console/live"
        polls = [clients["facilitator" if v % 2 == 0 else "analyst"] for v in range(viewers)]
    else:
        path = f"/e/{data['code']}/screen/live?k={data['token']}"
        polls = [app.test_client() for _ in range(viewers)]
    for client in polls:  # warm: templates compiled, connections open, a first count kept
        assert client.get(path).status_code == 200
    cache.wait_idle()
    walls, cpu = [], 0.0
    before = sum(cache.computed.values())
    for n in range(intervals):
        _vote(app, data, n)
        now[0] += max(seconds, 0.001)  # the interval passes
        c0 = time.process_time()
        for client in polls:
            t0 = time.perf_counter()
            response = client.get(path)
            walls.append(time.perf_counter() - t0)
            assert response.status_code == 200, response.status_code
        cache.wait_idle()
        cpu += time.process_time() - c0
    counted = sum(cache.computed.values()) - before
    out = {"cpu_ms": 1000 * cpu / len(walls), "p50_ms": 1000 * statistics.median(walls),
           "max_ms": 1000 * max(walls), "computed": counted, "polls": len(walls)}
    client = polls[0]
    etag = client.get(path).headers.get("ETag")
    headers = {"If-None-Match": etag} if etag else {}
    statuses = set()
    c0 = time.process_time()
    for _ in range(intervals):
        statuses.add(client.get(path, headers=headers).status_code)
    out["unchanged_cpu_ms"] = 1000 * (time.process_time() - c0) / intervals
    out["unchanged_status"] = "/".join(str(s) for s in sorted(statuses))
    return out


def _run(url: str, args, tmp: str) -> list:
    start = time.perf_counter()
    data = populate(url, args.answers, tmp)
    print(f"database: {url.split('@')[-1].split('/')[-1]}; {data['written']:,} answers "
          f"in {time.perf_counter() - start:.0f} s; {args.intervals} intervals, a vote "
          f"before each", flush=True)
    rows = []
    for surface, viewers in (("console", args.consoles), ("screen", 1)):
        for seconds in (0, 1):
            r = measure(url, data, seconds, surface, viewers, args.intervals)
            rows.append((surface, viewers, seconds, r))
            print(surface, seconds, r, flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=160_000)
    parser.add_argument("--intervals", type=int, default=10)
    parser.add_argument("--consoles", type=int, default=4,
                        help="consoles polling within one interval")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()

    pg = bool(args.database_url and args.database_url.startswith("postgresql"))
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_pg(args.database_url) if pg else (args.database_url
                                                      or f"sqlite:///{tmp}/bench.db")
        try:
            rows = _run(url, args, tmp)
        finally:
            if pg:
                drop_pg(url)
    print()
    print("| poll | cache | CPU per poll, votes arriving | counted | poll wall p50 / max "
          "| CPU per poll, unchanged (answer) |")
    print("|---|---|---|---|---|---|")
    for surface, viewers, seconds, r in rows:
        name = f"{viewers} consoles" if surface == "console" else "projector"
        print(f"| {name} | {'1 s' if seconds else 'none'} | {r['cpu_ms']:.0f} ms | "
              f"{r['computed']} × in {r['polls']} polls | {r['p50_ms']:.0f} / {r['max_ms']:.0f} ms "
              f"| {r['unchanged_cpu_ms']:.1f} ms ({r['unchanged_status']}) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
