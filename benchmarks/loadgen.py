"""Open-loop HTTP load for the workshop benchmark, and the /proc readings beside it.

Each request goes out at the time it is due, whether or not the server answered the ones
before, and its latency is counted FROM THAT TIME: a server that falls behind shows it in the
latencies and in the backlog (requests due but not yet sent, or sent and not yet answered),
never by slowing the load down (no coordinated omission). Every request opens its own
connection and asks the server to close it (``Connection: close``), as a phone does that polls
every 3 s against the server's 2-s keep-alive. HTTP/1.1 is written and read by hand: the
requests are tiny and the answers carry a Content-Length.

The load runs in a few generator processes (``python -m benchmarks.loadgen PLAN RESULT``),
each on asyncio with uvloop, each with its share of the phones; the parent (``Load``) starts
them with a common start time (``time.monotonic()`` is one clock for every process of the
machine) and merges what they recorded. A plan is a dict (see ``Generator``); a result holds,
for every stream, one row per request: when it was due, sent and answered, its status and
which phone sent it.

Only 127.0.0.1 is used; every run ends by itself (``stop`` plus ``grace`` seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import heapq
import os
import pickle
import random
import resource
import subprocess
import sys
import time
from array import array
from collections import deque
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from urllib.parse import quote

HOST = "127.0.0.1"
#: Status codes of requests that got no HTTP answer.
REFUSED, TIMEOUT, CUT, UNSENT = -1, -2, -3, -4
NO_ANSWER = {REFUSED: "connection failed", TIMEOUT: "timed out", CUT: "unanswered at the end",
             UNSENT: "never sent"}
#: A Khmer comment ("please add more"), URL-encoded, on one vote in 20.
COMMENT = quote("សូមបន្ថែម")
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- HTTP/1.1 by hand ------------------------------------------------------------------


class _Exchange(asyncio.Protocol):
    """One request on a fresh connection: write it, read one answer."""

    __slots__ = ("buffer", "future", "head_end", "headers", "length", "request", "status")

    def __init__(self, request: bytes, future: asyncio.Future):
        self.request, self.future = request, future
        self.buffer = bytearray()
        self.head_end = -1
        self.length: int | None = None
        self.status = 0
        self.headers: dict[str, str] = {}

    def connection_made(self, transport):
        transport.write(self.request)

    def data_received(self, data):
        self.buffer += data
        if self.head_end < 0:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self.head_end = end + 4
            lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
            self.status = int(lines[0].split(" ", 2)[1])
            for line in lines[1:]:
                name, _, value = line.partition(":")
                self.headers[name.strip().lower()] = value.strip()
            if self.status in (204, 304) or self.status < 200:
                self.length = 0
            elif "content-length" in self.headers:
                self.length = int(self.headers["content-length"])
        if self.length is not None and len(self.buffer) - self.head_end >= self.length:
            self._finish()

    def _finish(self):
        if not self.future.done():
            body = bytes(self.buffer[self.head_end:self.head_end + self.length])
            self.future.set_result((self.status, self.headers, body))

    def eof_received(self):
        if self.head_end >= 0 and self.length is None:  # a body that ends with the connection
            self.length = len(self.buffer) - self.head_end
        if self.head_end >= 0:
            self._finish()
        return False

    def connection_lost(self, exc):
        if not self.future.done():
            self.future.set_exception(exc or ConnectionResetError("closed before an answer"))


async def exchange(port: int, request: bytes, timeout: float) -> tuple[int, dict, bytes]:
    """Send one request on a new connection; return (status, headers, body)."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    transport = None
    try:
        async with asyncio.timeout(timeout):
            transport, _ = await loop.create_connection(lambda: _Exchange(request, future),
                                                        HOST, port)
            return await future
    finally:
        if transport is not None:
            transport.close()


def get(path: str, port: int, cookie: str = "", extra: str = "") -> bytes:
    """A GET as a phone's browser sends it, asking the server to close the connection."""
    head = (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept-Language: km\r\n"
            + (f"Cookie: {cookie}\r\n" if cookie else "") + extra)
    return (head + "Connection: close\r\n\r\n").encode()


def vote(code: str, port: int, cookie: str, csrf: str, item: int, value: int,
         comment: bool) -> bytes:
    """POST one answer as the vote page's script does (harness.Phone.vote)."""
    body = f"csrf_token={quote(csrf)}&item-{item}={value}"
    if comment:
        body += f"&comment-{item}={COMMENT}"
    return (f"POST /e/{code}/items/{item}/answer HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            f"Accept-Language: km\r\nCookie: {cookie}\r\nX-CSRFToken: {csrf}\r\n"
            "Accept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}").encode()


# --- What one generator process records -----------------------------------------------


class Record:
    """One stream's requests: when each was due, sent and answered; its status; its phone."""

    FIELDS = ("due", "sent", "done", "status", "who")

    def __init__(self):
        self.due, self.sent, self.done = array("d"), array("d"), array("d")
        self.status, self.who = array("h"), array("i")

    def add(self, due: float, sent: float, done: float, status: int, who: int) -> None:
        self.due.append(due)
        self.sent.append(sent)
        self.done.append(done)
        self.status.append(status)
        self.who.append(who)

    def extend(self, other: Record) -> None:
        for name in self.FIELDS:
            getattr(self, name).extend(getattr(other, name))

    def __len__(self) -> int:
        return len(self.due)


@dataclass
class Stream:
    """Requests of one kind: how each is built, and what its answer changes."""

    name: str
    route: str
    record: Record


class Generator:
    """One process's share of the load, from a plan (a dict):

    ``port``, ``t0`` (monotonic; plan times are seconds after it), ``stop`` (no request is
    sent past it), ``grace`` (how long answers are awaited after ``stop``), ``timeout`` (per
    request), ``cap`` (requests in flight at most; more wait in the backlog), ``code``,
    ``round_id``, ``items``, ``event_id``, ``screen_token``, ``staff_cookie``, ``etag`` (the
    status document's current ETag), ``phones`` ([(index, cookie, csrf)], this process's share),
    ``marks`` (times at which the backlog is noted), ``seed``, and ``streams``, each a dict:

    - ``{"kind": "poll", "name", "start", "end", "period", "follow"}``: every phone polls the
      status document every ``period`` s (staggered uniformly), sending the last ETag it got;
      with ``follow``, a 200 that lists the round makes the phone load the vote page at once
      (stream ``page``);
    - ``{"kind": "votes", "name", "start", "window"}``: every phone answers every item once,
      the answers spaced evenly over ``window`` s from a random start of its own;
    - ``{"kind": "rate", "name", "route", "rate", "start", "end"}``: one route at a fixed rate
      (requests/s for this process), cycling through the phones;
    - ``{"kind": "closed", "name", "route", "concurrency", "start", "end"}``: one route as fast
      as the server answers, ``concurrency`` requests in flight (a ceiling).

    Routes: hello (``/``), healthz, status304 (the current ETag sent), status200 (none sent),
    poll (the phone's own last ETag), page (the vote page), vote, console, projector.
    """

    def __init__(self, plan: dict):
        self.plan = plan
        self.t0 = plan["t0"]
        self.port, self.code = plan["port"], plan["code"]
        self.timeout, self.cap = plan["timeout"], plan["cap"]
        self.phones = plan["phones"]
        self.etags = [plan.get("etag")] * len(self.phones)
        self.page_at = [0.0] * len(self.phones)  # when the vote page arrived (0: not yet)
        self.page_url = f"/e/{self.code}/rounds/{plan.get('round_id')}"
        self.page_marker = self.page_url.encode()
        self.streams: dict[str, Stream] = {}
        self.pending: deque = deque()  # due, not sent yet: (due, stream, who, k)
        self.tasks: set[asyncio.Task] = set()
        self.snapshots: dict[float, dict] = {}
        self.random = random.Random(plan.get("seed", 0))
        self.stop = self.t0 + plan["stop"]
        self.follow = any(spec.get("follow") for spec in plan["streams"])
        routes = {"poll": "poll", "votes": "vote"}
        for spec in plan["streams"]:
            route = routes.get(spec["kind"], spec.get("route"))
            self.streams[spec["name"]] = Stream(spec["name"], route, Record())
        if self.follow:
            self.streams["page"] = Stream("page", "page", Record())
        self.inflight = dict.fromkeys(self.streams, 0)

    # Requests ---------------------------------------------------------------------------

    def build(self, route: str, who: int, k: int) -> bytes:
        """The request ``route`` for phone ``who`` (its k-th of this stream)."""
        port, code, plan = self.port, self.code, self.plan
        if route in ("hello", "healthz"):
            return get("/" if route == "hello" else "/healthz", port)
        if route == "console":
            return get(f"/staff/events/{plan['event_id']}/console/live", port,
                       plan["staff_cookie"])
        if route == "projector":
            return get(f"/e/{code}/screen/live?k={plan['screen_token']}", port)
        _, cookie, csrf = self.phones[who]
        if route in ("poll", "status304", "status200"):
            etag = (self.etags[who] if route == "poll"
                    else plan["etag"] if route == "status304" else None)
            return get(f"/e/{code}/status.json", port, cookie,
                       "Accept: application/json\r\n"
                       + (f"If-None-Match: {etag}\r\n" if etag else ""))
        if route == "page":
            return get(self.page_url, port, cookie)
        if route == "vote":
            items = plan["items"]
            item = items[k % len(items)]
            index = self.phones[who][0] * len(items) + k % len(items)
            return vote(code, port, cookie, csrf, item, index % 6, index % 20 == 0)
        raise ValueError(route)

    def answered(self, stream: Stream, who: int, status: int, headers: dict, body: bytes,
                 done: float) -> None:
        """What an answer changes on the phone: its ETag, the vote page it now loads."""
        if stream.route != "poll":
            return
        if status == 200:
            self.etags[who] = headers.get("etag")
            if self.follow and not self.page_at[who] and self.page_marker in body:
                self.page_at[who] = -1.0  # asked for
                self.launch(self.streams["page"], done, who, 0)

    # Scheduling -------------------------------------------------------------------------

    def schedule(self, spec: dict):
        """Yield (due, stream, who, k) for one stream spec, in time order."""
        stream = self.streams[spec["name"]]
        t0 = self.t0
        kind = spec["kind"]
        n = len(self.phones)
        if kind == "poll":
            period = spec["period"]
            offsets = sorted((self.random.uniform(0, period), who) for who in range(n))
            cycle = 0
            while True:
                for offset, who in offsets:
                    due = spec["start"] + cycle * period + offset
                    if due >= spec["end"]:
                        return
                    yield t0 + due, stream, who, cycle
                cycle += 1
        elif kind == "votes":
            count = len(self.plan["items"])
            gap = spec["window"] / count
            offsets = sorted((self.random.uniform(0, gap), who) for who in range(n))
            for k in range(count):
                for offset, who in offsets:
                    yield t0 + spec["start"] + k * gap + offset, stream, who, k
        elif kind == "rate":
            k = 0
            while True:
                due = spec["start"] + k / spec["rate"]
                if due >= spec["end"]:
                    return
                yield t0 + due, stream, k % max(n, 1), k // max(n, 1)
                k += 1

    def launch(self, stream: Stream, due: float, who: int, k: int) -> None:
        if self.pending or sum(self.inflight.values()) >= self.cap:
            self.pending.append((due, stream, who, k))
            return
        self._start(stream, due, who, k)

    def _start(self, stream: Stream, due: float, who: int, k: int) -> None:
        self.inflight[stream.name] += 1
        task = asyncio.get_running_loop().create_task(self.one(stream, due, who, k))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def one(self, stream: Stream, due: float, who: int, k: int) -> None:
        request = self.build(stream.route, who, k)
        sent = time.monotonic()
        headers, body = {}, b""
        try:
            status, headers, body = await exchange(self.port, request, self.timeout)
        except TimeoutError:
            status = TIMEOUT
        except asyncio.CancelledError:
            stream.record.add(due, sent, -1.0, CUT, who)
            self.inflight[stream.name] -= 1
            raise
        except (OSError, ValueError, IndexError):
            status = REFUSED
        done = time.monotonic()
        stream.record.add(due, sent, done, status, who)
        self.inflight[stream.name] -= 1
        if stream.route == "page" and status == 200:
            self.page_at[who] = done
        elif stream.route == "page":
            self.page_at[who] = 0.0
            self.etags[who] = None  # the next poll answers 200 again: the phone tries again
        self.answered(stream, who, status, headers, body, done)
        while self.pending and sum(self.inflight.values()) < self.cap:
            due, stream, who, k = self.pending.popleft()
            self._start(stream, due, who, k)

    async def closed(self, stream: Stream, spec: dict, worker: int) -> None:
        end = self.t0 + spec["end"]
        k = worker
        await asyncio.sleep(max(0.0, self.t0 + spec["start"] - time.monotonic()))
        while time.monotonic() < end:
            self.inflight[stream.name] += 1
            await self.one(stream, time.monotonic(), k % max(len(self.phones), 1),
                           k // max(len(self.phones), 1))
            k += spec["concurrency"]

    async def note_backlog(self, at: float) -> None:
        await asyncio.sleep(max(0.0, self.t0 + at - time.monotonic()))
        pending = {name: 0 for name in self.streams}
        for _, stream, _, _ in self.pending:
            pending[stream.name] += 1
        self.snapshots[at] = {name: (pending[name], self.inflight[name])
                              for name in self.streams}

    async def run(self) -> dict:
        plan = self.plan
        workers = [asyncio.create_task(self.closed(self.streams[s["name"]], s, w))
                   for s in plan["streams"] if s["kind"] == "closed"
                   for w in range(s["concurrency"])]
        notes = [asyncio.create_task(self.note_backlog(at)) for at in plan.get("marks", [])]
        timed = [self.schedule(s) for s in plan["streams"] if s["kind"] != "closed"]
        in_a_row = 0
        for due, stream, who, k in heapq.merge(*timed, key=itemgetter(0)):
            if due >= self.stop:
                break
            now = time.monotonic()
            if now >= self.stop:  # so far behind that the stop came first: due, never sent
                self.pending.append((due, stream, who, k))
                continue
            if due > now:
                in_a_row = 0
                await asyncio.sleep(due - now)
            else:
                in_a_row += 1
                if in_a_row % 64 == 0:  # behind: let the answers in before sending more
                    await asyncio.sleep(0)
            self.launch(stream, due, who, k)
        await asyncio.sleep(max(0.0, self.stop - time.monotonic()))
        deadline = self.stop + plan["grace"]
        while ((self.tasks or self.pending or not all(w.done() for w in workers))
               and time.monotonic() < deadline):
            await asyncio.sleep(0.05)
        await asyncio.sleep(0)  # a request started just now is under way before it is cut
        for task in [*self.tasks, *workers]:
            task.cancel()  # still unanswered after the grace: cut
        await asyncio.gather(*self.tasks, *workers, return_exceptions=True)
        for due, stream, who, _ in self.pending:
            stream.record.add(due, -1.0, -1.0, UNSENT, who)
        for task in notes:
            task.cancel()
        return {"records": {name: s.record for name, s in self.streams.items()},
                "backlog": self.snapshots,
                "pages": {self.phones[who][0]: at for who, at in enumerate(self.page_at)
                          if at > 0},
                "vm_hwm_kib": vm_hwm(os.getpid()),
                "cpu_s": sum(resource.getrusage(resource.RUSAGE_SELF)[:2])}


def _main(plan_path: str, result_path: str) -> None:
    import uvloop

    plan = pickle.loads(Path(plan_path).read_bytes())  # noqa: S301 - the parent's own file
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    plan["cap"] = min(plan["cap"], hard - 100)
    gc.collect()
    gc.freeze()  # the phones and the plan are never garbage: keep the collector off them
    result = uvloop.run(Generator(plan).run())
    Path(result_path).write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


# --- The parent's side: start the generators, merge what they recorded -----------------


class Load:
    """Run plans in generator processes (one plan each), all starting at ``t0``."""

    def __init__(self, plans: list[dict], workdir: Path):
        self.plans, self.workdir = plans, workdir
        self.processes: list[subprocess.Popen] = []

    def start(self) -> Load:
        root = Path(__file__).resolve().parent.parent
        for n, plan in enumerate(self.plans):
            (self.workdir / f"plan{n}.pickle").write_bytes(pickle.dumps(plan))
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "benchmarks.loadgen", str(self.workdir / f"plan{n}.pickle"),
                 str(self.workdir / f"result{n}.pickle")], cwd=root))
        return self

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def wait(self) -> dict:
        """Wait for every generator; return their records merged by stream."""
        # Each generator ends by itself at stop + grace; past that, something is wrong.
        longest = max(p["stop"] + p["grace"] for p in self.plans) + 300
        for process in self.processes:
            try:
                process.wait(timeout=max(10.0, self.plans[0]["t0"] + longest - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.kill()
                raise RuntimeError("a load generator did not end in time") from None
            if process.returncode:
                raise RuntimeError(f"a load generator failed (exit {process.returncode})")
        merged: dict = {"records": {}, "backlog": {}, "pages": {}, "vm_hwm_kib": [],
                        "cpu_s": []}
        for n in range(len(self.plans)):
            path = self.workdir / f"result{n}.pickle"
            result = pickle.loads(path.read_bytes())  # noqa: S301 - our generator's own file
            for name, record in result["records"].items():
                merged["records"].setdefault(name, Record()).extend(record)
            for at, streams in result["backlog"].items():
                into = merged["backlog"].setdefault(at, {})
                for name, (pending, inflight) in streams.items():
                    before = into.get(name, (0, 0))
                    into[name] = (before[0] + pending, before[1] + inflight)
            merged["pages"].update(result["pages"])
            merged["vm_hwm_kib"].append(result["vm_hwm_kib"])
            merged["cpu_s"].append(result["cpu_s"])
        return merged

    def kill(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of sorted values, nearest rank; NaN when there are none."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, int(q * len(values) + 0.999999) - 1))]


def summarize(record: Record, t0: float, start: float, end: float) -> dict:
    """Figures of the requests due in [start, end) (seconds after t0): sent, answered, rate,
    latencies from the due time, how late they were sent, statuses, and what got no answer."""
    lo, hi = t0 + start, t0 + end
    latencies, late = [], []
    statuses: dict[int, int] = {}
    due_n = sent_n = answered = 0
    for due, sent, done, status in zip(record.due, record.sent, record.done, record.status,
                                       strict=True):
        if not lo <= due < hi:
            continue
        due_n += 1
        statuses[status] = statuses.get(status, 0) + 1
        if sent >= 0:
            sent_n += 1
            late.append(sent - due)
        if status > 0:
            answered += 1
            latencies.append(done - due)
    latencies.sort()
    late.sort()
    ms = lambda q: 1000 * percentile(latencies, q)  # noqa: E731
    return {"due": due_n, "sent": sent_n, "answered": answered,
            "rate": answered / (end - start) if end > start else 0.0,
            "p50_ms": ms(0.5), "p95_ms": ms(0.95), "p99_ms": ms(0.99),
            "max_ms": 1000 * latencies[-1] if latencies else float("nan"),
            "late_p99_ms": 1000 * percentile(late, 0.99), "statuses": statuses}


def answered_between(record: Record, lo: float, hi: float) -> int:
    """Requests answered (any HTTP status) in [lo, hi), monotonic times."""
    return sum(1 for done, status in zip(record.done, record.status, strict=True)
               if status > 0 and lo <= done < hi)


# --- /proc: CPU time and memory of the processes that did the work ----------------------


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (the server's master and its workers)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(parents.get(p, []))
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (all its threads), in seconds; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_of(pids: list[int]) -> dict[int, float]:
    return {pid: cpu_seconds(pid) for pid in pids}


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings (a process new in ``after`` counts whole)."""
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def vm_hwm(pid: int) -> int:
    """The process's peak resident memory (VmHWM), KiB; 0 when unknown."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


if __name__ == "__main__":
    # Through the package, so what is pickled names benchmarks.loadgen, not __main__.
    from benchmarks.loadgen import _main as main

    main(sys.argv[1], sys.argv[2])
