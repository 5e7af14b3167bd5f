"""How many requests the rate limits let through against a server started as ``make run`` does.

    .venv/bin/python -m benchmarks.rate_limits                       # the default storage
    .venv/bin/python -m benchmarks.rate_limits --storage memory://   # one count per process

``make run``'s server (``consult/server.py``) with 3 processes on a fresh SQLite database; every request on
a new connection, so requests land on different processes. Prints, for one account, one
participant and one address, how many failures or votes passed before the first 429; then what
the storage calls of one vote cost in CPU (Flask-Limiter's hit and the headers' two window
reads), per storage. The suite asserts the same limits: tests/test_limits_shared.py.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from benchmarks.harness import _CSRF, Phone, Server, Staff, open_round, prepare, sector_ids


def _until_refused(send, cap: int) -> tuple[int, float]:
    start, n = time.monotonic(), 0
    while n < cap and send(n) != 429:
        n += 1
    return n, time.monotonic() - start


def measure_server(storage: str | None) -> dict:
    """Count what passes before a 429: wrong passwords, votes, wrong join codes."""
    os.environ.pop("RATELIMIT_STORAGE_URI", None)
    instance = Path(tempfile.mkdtemp(prefix="consult-limits-"))
    event_id, round_id, items = prepare(instance, None, round_items=2)
    server = Server(instance, workers=3,
                    extra_env={"RATELIMIT_STORAGE_URI": storage} if storage else {}).start()
    try:
        assert open_round(server.port, event_id, round_id, minutes=60) == 302
        guesser = Staff(server.port)
        csrf = _CSRF.search(guesser.request("GET", "/staff/login")[2].decode()).group(1)

        def wrong_password(_n: int) -> int:
            guesser.close()
            return guesser.request("POST", "/staff/login", {
                "csrf_token": csrf, "username": "someone", "password": "wrong"})[0]

        phone = Phone(server.port)
        phone.join(sector_ids(server.port)[0], "woman")

        def vote(n: int) -> int:
            phone.close()
            return phone.vote(items[n % 2], 1 + n % 5)[0]

        def wrong_code(n: int) -> int:
            other = Phone(server.port)
            try:
                return other.request("GET", f"/j/WRONG{n % 10}")[0]
            finally:
                other.close()

        return {"wrong passwords on one account": _until_refused(wrong_password, 100),
                "votes of one participant": _until_refused(vote, 1500),
                "wrong join codes from one address": _until_refused(wrong_code, 200)}
    finally:
        server.stop()


def measure_storage_calls(uri: str, votes: int = 5000) -> float:
    """CPU µs of the storage calls one vote makes (best of 5 runs of ``votes``)."""
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    import consult.ratelimit  # noqa: F401 - registers mmap://

    limiter, item, best = FixedWindowRateLimiter(storage_from_string(uri)), parse("240/minute"), []
    for _ in range(5):
        start = time.process_time()
        for n in range(votes):
            key = ("LIMITER", f"p:{n % 300}", "voting.answer_item")
            limiter.hit(item, *key)
            limiter.get_window_stats(item, *key)
            limiter.get_window_stats(item, *key)
        best.append((time.process_time() - start) / votes * 1e6)
    return min(best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--storage", help="RATELIMIT_STORAGE_URI (default: unset)")
    args = parser.parse_args()
    print(f"storage: {args.storage or 'default (unset)'}; make run's server, 3 processes")
    for what, (passed, seconds) in measure_server(args.storage).items():
        print(f"  {what}: {passed} passed before the first 429 ({seconds:.1f} s)")
    with tempfile.TemporaryDirectory() as folder:
        for uri in ("memory://", f"mmap:///{folder}/ratelimits.mmap"):
            print(f"storage calls of one vote, {uri.split(':')[0]}: "
                  f"{measure_storage_calls(uri):.0f} µs CPU")


if __name__ == "__main__":
    main()
