"""Lock benchmark: another program holds the SQLite database while a room votes.

The server as ``make run`` starts it (granian, 2 processes × 8 threads) on the demo workshop; ``--phones``
phones join. Then a separate connection takes ``BEGIN EXCLUSIVE`` (as a ``sqlite3`` shell or a
copy tool would) for ``--hold`` seconds while every phone sends one vote at once, and another
phone loads the status document and the vote page every 0.25 s. Printed: how long the reads
took while the lock was held, and what the votes got (status, time, Retry-After); after the
lock is released every phone votes again.

Run: ``.venv/bin/python benchmarks/lock.py [--phones 30] [--hold 8]``
Figures: docs/security.md, "Data safety".
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import CODE, GENDERS, Phone, Server, open_round, prepare, sector_ids


def _vote(phone: Phone, item: int, value: int):
    started = time.monotonic()
    try:
        status, headers, _ = phone.request(
            "POST", f"/e/{CODE}/items/{item}/answer",
            {"csrf_token": phone.csrf, f"item-{item}": value},
            {"Accept": "application/json", "X-CSRFToken": phone.csrf})
    except Exception:
        return 0, time.monotonic() - started, None
    return status, time.monotonic() - started, headers.get("Retry-After")


def run_lock_benchmark(instance: Path, phones: int = 30, hold: float = 8, log=print,
                       verbose: bool = False) -> dict:
    event_id, round_id, items = prepare(instance, None, round_items=4)
    server = Server(instance, extra_env={"RATELIMIT_ENABLED": "1"}).start()
    people: list[Phone] = []
    try:
        open_round(server.port, event_id, round_id)
        sectors = sector_ids(server.port)
        for n in range(phones + 1):
            phone = Phone(server.port, timeout=60)
            phone.join(sectors[n % len(sectors)], GENDERS[n % 4])
            people.append(phone)
        reader, voters = people[0], people[1:]
        blocker = sqlite3.connect(instance / "consult.db", timeout=1, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        locked_at = time.monotonic()
        votes: list = []
        threads = [threading.Thread(target=lambda p=p: votes.append(_vote(p, items[0], 4)))
                   for p in voters]
        for thread in threads:
            thread.start()
        reads = []
        while time.monotonic() - locked_at < hold:
            for path in (f"/e/{CODE}/status.json", f"/e/{CODE}/rounds/{round_id}"):
                started = time.monotonic()
                try:
                    status, _, _ = reader.request("GET", path)
                except Exception:
                    status = 0
                reads.append((path.rsplit("/", 1)[-1], status, time.monotonic() - started))
                if verbose:
                    log(f"{started - locked_at:.2f} s into the lock: {reads[-1]}")
            time.sleep(0.25)
        blocker.rollback()
        blocker.close()
        for thread in threads:
            thread.join(120)
        after = [_vote(p, items[1], 3) for p in voters]
        result = {
            "reads": len(reads), "read_statuses": Counter(s for _, s, _ in reads),
            "slowest_read_s": max(t for _, _, t in reads),
            "vote_statuses": Counter(s for s, _, _ in votes),
            "slowest_vote_s": max(t for _, t, _ in votes),
            "retry_after": Counter(r for s, _, r in votes if s == 503),
            "retry_after_on_200": Counter(r for s, _, r in votes + after if s == 200),
            "after_statuses": Counter(s for s, _, _ in after),
        }
        log(result)
        return result
    finally:
        for phone in people:
            phone.close()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=30)
    parser.add_argument("--hold", type=float, default=8)
    parser.add_argument("-v", action="store_true", help="print every read")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="consult-lock-") as tmp:
        run_lock_benchmark(Path(tmp), args.phones, args.hold, verbose=args.v)


if __name__ == "__main__":
    main()
