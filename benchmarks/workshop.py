"""Workshop benchmark: N phones in one room against a real server started as ``make run`` does.

One run, per N:
1. the server: fresh database (SQLite in a temporary folder, or ``--database-url``), migrated
   and seeded like ``make run``, plus a round of 16 agreement items; gunicorn with the
   project's ``gunicorn.conf.py``;
2. N phones join by the QR link and fill the profile (Python threads, real HTTP);
3. a facilitator signs in and opens the round with a countdown;
4. while the phones' status polls run at their real rate (N every 3 s), the projector and the
   console poll every second, and the votes go in as fast as the server takes them: every
   phone answers all 16 items, 5 % of answers are then changed, 5 % carry a Khmer comment;
5. the facilitator closes the round; the database is checked: one row per phone and item, and
   the sum of the rows' revisions equals the number of acknowledged votes (none lost, none
   counted twice);
6. ceilings, in the same run: the status document and a hello-world route (``/healthz``, no
   database) each as fast as the server answers.

The load comes from wrk (Debian package ``wrk``) with the Lua scripts in ``benchmarks/wrk/``:
each connection stands for many phones, cycling their cookies, so a few sockets carry the
request rate of the whole room (N phones polling every 3 s = N/3 requests/s; N × 16 votes in
2 minutes = N × 16 / 120 votes/s). Only 127.0.0.1 is used; every phase is bounded in time.

Run: ``.venv/bin/python benchmarks/workshop.py --phones 300 3000 10000``
     ``[--database-url postgresql+psycopg://postgres@127.0.0.1/bench] [--workers 2 --threads 8]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (
    CODE,
    GENDERS,
    Phone,
    Server,
    Staff,
    cookie_header,
    drop_pg,
    fresh_pg,
    prepare,
    run_in_app,
    sector_ids,
)

WRK_DIR = Path(__file__).resolve().parent / "wrk"


def wrk(port: int, script: str, args: list, connections: int, seconds: float,
        path: str = "/") -> subprocess.Popen:
    """Start wrk (one thread) with a Lua script; its RESULT line is read by ``result``."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "10s",
           "-s", str(WRK_DIR / script), f"http://127.0.0.1:{port}{path}", "--",
           *[str(a) for a in args]]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def result(process: subprocess.Popen, stop: bool = False) -> dict:
    if stop and process.poll() is None:
        process.send_signal(signal.SIGINT)  # wrk prints its summary and runs done()
    out, _ = process.communicate(timeout=60)
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"wrk printed no result:\n{out}")


def join_phones(port: int, count: int, sector_ids: list[int]) -> tuple[list[Phone], dict]:
    """Join ``count`` phones with 16 threads; return them and the join figures."""
    latencies: list[float] = []

    def one(n: int) -> Phone:
        phone = Phone(port)
        start = time.perf_counter()
        phone.join(sector_ids[n % len(sector_ids)], GENDERS[n % 4], f"Org {n % 50}")
        latencies.append(time.perf_counter() - start)
        phone.close()
        return phone

    start = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        phones = list(pool.map(one, range(count)))
    seconds = time.perf_counter() - start
    latencies.sort()
    pick = lambda q: 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    return phones, {"phones": count, "seconds": seconds, "per_s": count / seconds,
                    "p50_ms": pick(0.5), "p95_ms": pick(0.95), "p99_ms": pick(0.99)}


def check_database(instance: Path, url: str | None, round_id: int) -> dict:
    out = run_in_app(instance, url, f"""
    from sqlalchemy import func, select
    from consult.voting.models import Response
    rows, revisions, people = db.session.execute(select(
        func.count(), func.coalesce(func.sum(Response.revision), 0),
        func.count(func.distinct(Response.participant_id))
    ).where(Response.round_id == {round_id})).one()
    print(rows, revisions, people)
""").split()
    return {"rows": int(out[0]), "revisions": int(out[1]), "participants": int(out[2])}


def run_one(phones_n: int, url: str | None, workers: int, threads: int, worker_class: str,
            vote_connections: int, vote_seconds: int = 300) -> dict:
    with tempfile.TemporaryDirectory(prefix="consult-bench-") as tmp:
        instance = Path(tmp)
        db_url = url
        if url and url.startswith("postgresql"):
            db_url = fresh_pg(url)
        event_id, round_id, items = prepare(instance, db_url)
        server = Server(instance, db_url, workers=workers, threads=threads,
                        worker_class=worker_class,
                        extra_env={"RATELIMIT_STORAGE_URI": os.environ.get(
                            "RATELIMIT_STORAGE_URI", "memory://")}).start()
        try:
            phones, joined = join_phones(server.port, phones_n, sector_ids(server.port))
            phones_file = instance / "phones.tsv"
            phones_file.write_text("".join(f"{cookie_header(p)}\t{p.csrf}\n" for p in phones))
            staff = Staff(server.port)
            staff.login()
            staff_file = instance / "staff.tsv"
            staff_file.write_text(cookie_header(staff) + "\tx\n")
            assert staff.round_action(event_id, round_id, "open", minutes=30) == 302

            quota = phones_n * len(items) * 21 // 20  # every item once, then 5 % changes
            poll_rate = phones_n / 3
            # Each connection waits 1000 × connections / rate ms after an answer: with ~50 ms
            # between polls, the answer's own latency lowers the rate little.
            poll_conns = max(4, min(200, int(poll_rate / 20)))
            long = vote_seconds  # the vote phase is bounded: past it, what got in is reported
            status = wrk(server.port, "get.lua", [f"/e/{CODE}/status.json", phones_file,
                                                  poll_rate, poll_conns, "close"], poll_conns, long)
            screen = wrk(server.port, "get.lua", [f"/e/{CODE}/screen/live", staff_file, 1, 1],
                         1, long)
            console = wrk(server.port, "get.lua", [f"/staff/events/{event_id}/console/live",
                                                   staff_file, 1, 1], 1, long)
            time.sleep(1)
            marker = instance / "votes.done"
            voting = wrk(server.port, "vote.lua", [phones_file, ",".join(map(str, items)),
                                                   quota, 20, 20, marker, "close"],
                         vote_connections, long)
            while not marker.exists() and voting.poll() is None:
                time.sleep(0.05)
            votes = result(voting, stop=True)
            polls = {"status": result(status, stop=True), "projector": result(screen, stop=True),
                     "console": result(console, stop=True)}
            assert staff.round_action(event_id, round_id, "close") == 302
            stored = check_database(instance, db_url, round_id)

            # Ceilings in the same run, same server: the status document and hello-world.
            etag = Phone(server.port).request("GET", f"/e/{CODE}/status.json")[1]["ETag"]
            status_max = result(wrk(server.port, "hit.lua",
                                    [f"/e/{CODE}/status.json", phones_file, etag, "close"], 32,
                                    10))
            hello = result(wrk(server.port, "hit.lua", ["/healthz", "-", "-", "close"], 32, 10))
        finally:
            server.stop()
            if db_url and db_url != url:
                drop_pg(db_url)
    return {"phones": phones_n, "joined": joined, "votes": votes, "polls": polls,
            "vote_connections": vote_connections,
            "stored": stored, "status_max": status_max, "hello": hello, "items": len(items)}


def _ok(r: dict) -> bool:
    """Every acknowledged vote stored, once: the rows' revisions add up to the acknowledgements.

    When the phase ends on its time bound, the votes in flight at that instant are stored but
    their answers never read (as a phone whose connection drops; it would send them again):
    up to one per connection more revisions than acknowledgements.
    """
    extra = r["stored"]["revisions"] - r["votes"]["acked"]
    return extra == 0 or 0 < extra <= r["vote_connections"]


def _verdict(r: dict) -> str:
    extra = r["stored"]["revisions"] - r["votes"]["acked"]
    if extra == 0:
        return "= acknowledged ✓"
    if _ok(r):
        return f"= acknowledged + {extra} in flight when the phase was cut ✓"
    return "≠ acknowledged ✗ MISMATCH"


def report(r: dict) -> str:
    hello_rps = r["hello"]["requests"] / r["hello"]["seconds"]
    v, s = r["votes"], r["polls"]["status"]
    vote_rps = v["acked"] / v["seconds"]
    need_votes = r["phones"] * r["items"] / 120
    need_polls = r["phones"] / 3
    lines = [
        f"### {r['phones']:,} phones",
        "",
        "| request | throughput | needed | p50 | p95 | p99 | errors | vs hello-world |",
        "|---|---|---|---|---|---|---|---|",
    ]

    def row(name, res, rps, needed):
        errors = res.get("refused", res.get("bad", 0)) + res["socket_errors"]
        lines.append(f"| {name} | {rps:,.0f}/s | {needed} | {res['p50_ms']:.1f} ms | "
                     f"{res['p95_ms']:.1f} ms | {res['p99_ms']:.1f} ms | {errors} | "
                     f"{rps / hello_rps:.0%} |")

    j = r["joined"]
    lines.append(f"| join + profile (Python client, 16 threads) | {j['per_s']:,.0f} phones/s | "
                 f"— | {j['p50_ms']:.1f} ms | {j['p95_ms']:.1f} ms | {j['p99_ms']:.1f} ms | 0 | — |")
    row("vote (as fast as taken)", v, vote_rps, f"{need_votes:,.0f}/s")
    row("status poll during the vote (paced)", s, s["requests"] / s["seconds"],
        f"{need_polls:,.0f}/s")
    for name in ("projector", "console"):
        res = r["polls"][name]
        row(f"{name} tallies during the vote (1/s)", res, res["requests"] / res["seconds"], "1/s")
    sm = r["status_max"]
    row("status document, ceiling", sm, sm["requests"] / sm["seconds"], f"{need_polls:,.0f}/s")
    row("hello-world `/healthz`, ceiling", r["hello"], hello_rps, "—")
    st = r["stored"]
    bounded = st["rows"] < r["phones"] * r["items"] - 5
    done = " — the phase hit its time bound" if bounded else ""
    lines += ["", f"Votes: {v['acked']:,} acknowledged in {v['seconds']:.1f} s{done} "
              f"({r['phones'] * r['items']:,} needed within 120 s); stored: {st['rows']:,} rows "
              f"for {st['participants']:,} phones, revisions summing to {st['revisions']:,} "
              f"{_verdict(r)}."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, nargs="+", default=[300, 3000, 10000])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 3)))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("GUNICORN_THREADS", 4)))
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--vote-connections", type=int, default=16)
    parser.add_argument("--vote-seconds", type=int, default=300,
                        help="longest the vote phase may run (the room needs 120 s)")
    parser.add_argument("--json", help="also write the raw figures to this file")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    db = (args.database_url or "sqlite").split("@")[-1]
    print(f"database: {db}; gunicorn {args.worker_class}, {args.workers} workers × "
          f"{args.threads} threads; machine: {os.cpu_count()} cores", flush=True)
    results = []
    for n in args.phones:
        r = run_one(n, args.database_url, args.workers, args.threads, args.worker_class,
                    args.vote_connections, args.vote_seconds)
        results.append(r)
        print(report(r) + "\n", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0 if all(_ok(r) for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
