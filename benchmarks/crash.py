"""Crash benchmark: kill the server (SIGKILL, every process) while phones vote; restart it;
the phones retry as the vote page's script does. Then every vote a phone saw acknowledged must
be in the database with the last value acknowledged, and nothing may be half-written.

Each phone is a thread with a plan: answer every item of a 16-item round, then go over the
items again with new values (so acknowledged values change). A vote that gets no answer, a
broken connection or a 503 is sent again after a short backoff until it is acknowledged,
exactly as ``static/js/app.js`` does. Meanwhile the server is killed ``--kills`` times at random
moments and started again on the same port.

Run: ``.venv/bin/python benchmarks/crash.py [--phones 200] [--kills 5] [--runs 3]``
     ``[--database-url postgresql+psycopg://postgres@127.0.0.1/postgres]`` (a fresh database is
     created beside the one named, and dropped after).
``tests/test_crash.py`` runs the same code on a smaller scale in the suite.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (
    GENDERS,
    Phone,
    Server,
    drop_pg,
    fresh_pg,
    open_round,
    prepare,
    run_in_app,
    sector_ids,
)


def _vote_until_acknowledged(phone: Phone, item: int, value: int, stop: threading.Event,
                             counters: dict, lock: threading.Lock) -> bool:
    delay = 0.05
    while not stop.is_set():
        try:
            status, body = phone.vote(item, value)
        except Exception:  # any failure means "send it again", as the page does
            status, body = 0, {}
        if status == 200 and body.get("saved"):
            return True
        with lock:
            counters["retries"] += 1
            if status and status not in (502, 503, 504):
                counters["unexpected"].append((status, body))
        if status == 409 and body.get("closed"):
            return False  # the round closed: not acknowledged, the phone says so
        time.sleep(delay)
        delay = min(delay * 2, 1.0)
    return False


def _join(port: int, n: int, sector_ids: list[int], stop: threading.Event) -> Phone:
    while True:
        phone = Phone(port, timeout=5)
        try:
            phone.join(sector_ids[n % len(sector_ids)], GENDERS[n % 4], f"crash-{n}")
            phone.close()
            return phone
        except Exception:
            phone.close()  # a join refused mid-crash must not leave its socket to the collector
            if stop.is_set():
                raise
            time.sleep(0.2)


def run_crash(instance: Path, database_url: str | None, phones: int = 50, kills: int = 3,
              passes: int = 2, seed: int = 0, think: float = 0.05, log=print) -> dict:
    """One crash run; return the figures and the list of problems (empty when none is lost)."""
    event_id, round_id, items = prepare(instance, database_url)
    server = Server(instance, database_url).start()
    rng = random.Random(seed)
    acked: dict[tuple[int, int], int] = {}
    counters = {"retries": 0, "unexpected": [], "acks": 0, "acks_at_kills": []}
    lock, stop = threading.Lock(), threading.Event()
    try:
        sectors = sector_ids(server.port)
        people = [_join(server.port, n, sectors, stop) for n in range(phones)]
        assert open_round(server.port, event_id, round_id, minutes=60) == 302

        def phone_main(n: int, phone: Phone) -> None:
            local = random.Random(seed * 100_003 + n)
            for _ in range(passes):
                for item in items:
                    time.sleep(local.uniform(0, think))  # reading the next item
                    value = local.randint(0, 5)
                    if _vote_until_acknowledged(phone, item, value, stop, counters, lock):
                        with lock:
                            acked[(n, item)] = value
                            counters["acks"] += 1
            phone.close()

        threads = [threading.Thread(target=phone_main, args=(n, p), daemon=True)
                   for n, p in enumerate(people)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for k in range(kills):
            time.sleep(rng.uniform(0.3, 1.2))
            if not any(t.is_alive() for t in threads):
                break
            server.kill()
            counters["acks_at_kills"].append(counters["acks"])
            log(f"  kill {k + 1}: SIGKILL to every server process "
                f"({counters['acks']} votes acknowledged so far)")
            time.sleep(rng.uniform(0.1, 0.5))
            server.start()
        for thread in threads:
            thread.join(timeout=300)
        stop.set()
        seconds = time.monotonic() - started
        stored = _stored(instance, database_url, round_id)
    finally:
        stop.set()
        server.stop()
    problems = [f"phone {n} item {item}: acknowledged {value}, stored {stored.get((n, item))}"
                for (n, item), value in sorted(acked.items()) if stored.get((n, item)) != value]
    problems += [f"phone {n} item {item}: stored {value} but never acknowledged"
                 for (n, item), value in sorted(stored.items()) if (n, item) not in acked]
    problems += [f"unexpected answer {status}: {body}" for status, body in
                 counters["unexpected"][:10]]
    return {"phones": phones, "kills": kills, "acknowledged": counters["acks"],
            "distinct": len(acked), "stored": len(stored), "retries": counters["retries"],
            "seconds": seconds, "acks_at_kills": counters["acks_at_kills"], "problems": problems}


def _stored(instance: Path, url: str | None, round_id: int) -> dict[tuple[int, int], int]:
    """Read back (phone, item) → value, after an integrity check of the database."""
    out = run_in_app(instance, url, f"""
    from sqlalchemy import select, text
    from consult.participants.models import Participant
    from consult.voting.models import Response
    if db.engine.dialect.name == "sqlite":
        check = db.session.execute(text("PRAGMA integrity_check")).scalar()
        assert check == "ok", check
    rows = db.session.execute(select(Participant.organisation, Response.item_id, Response.value,
                                     Response.revision)
        .join(Participant, Participant.id == Response.participant_id)
        .where(Response.round_id == {round_id})).all()
    for org, item, value, revision in rows:
        assert revision >= 1 and value is not None, (org, item, value, revision)
        print(org.split("-")[1], item, value)
""")
    stored = {}
    for line in out.splitlines():
        n, item, value = map(int, line.split())
        stored[(n, item)] = value
    return stored


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    db = (args.database_url or "sqlite").split("@")[-1]
    print(f"database: {db}; {args.phones} phones × 16 items × 2 passes; "
          f"{args.kills} SIGKILLs a run")
    print("| run | kills (votes acknowledged before each) | acknowledged votes | "
          "distinct (phone, item) | stored rows | retries | lost or wrong | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    failed = 0
    for run in range(1, args.runs + 1):
        url = fresh_pg(args.database_url) if args.database_url else None
        try:
            with tempfile.TemporaryDirectory(prefix="consult-crash-") as tmp:
                r = run_crash(Path(tmp), url, args.phones, args.kills, seed=run,
                              log=lambda s: print(s, file=sys.stderr))
        finally:
            if url:
                drop_pg(url)
        failed += bool(r["problems"])
        kills = ", ".join(f"{n:,}" for n in r["acks_at_kills"])
        print(f"| {run} | {len(r['acks_at_kills'])} ({kills}) | {r['acknowledged']:,} | "
              f"{r['distinct']:,} | {r['stored']:,} | "
              f"{r['retries']:,} | {len(r['problems'])} | {r['seconds']:.1f} |", flush=True)
        for problem in r["problems"][:20]:
            print("  ", problem)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
