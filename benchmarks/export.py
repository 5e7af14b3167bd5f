"""Export benchmark: 100,000 responses on the demo event (~2,700 participants).

Times, in one run on one machine:
- the floor: openpyxl write-only writing the bare Responses rows alone (12 columns, no styles);
- the whole workbook (ten sheets) as the app writes it, and the peak memory of the process
  that wrote it;
- the CSV export;
- the analyst's results page (median of 5 requests through the Flask test client);
- the web download as ``make run`` serves it (granian through consult/server.py: 2 processes
  × 8 threads): the workbook as a job (time to the progress page, to the file ready, the peak
  memory of the worker that built it), the same workbook built in the request as before
  (time to its first byte), and the CSV stream (time to its first byte).

Memory is the kernel's high-water mark of resident memory (``VmHWM`` in /proc/PID/status) of
the process that did the work, reset (``/proc/PID/clear_refs``) just before it started. Not
``ru_maxrss``: a process started by ``spawn`` (fork, then exec) inherits its parent's, so the
children reported the parent's peak (filling the database), not their own.

Run: ``.venv/bin/python benchmarks/export.py [--responses 100000] [--database-url URL]``.
Targets (issue 5): workbook ≤ 1.5× the floor, < 300 MB peak; results page < 500 ms. Issue 13:
the web download answers at once, whatever the size (a request that takes minutes holds a
thread and the analyst's browser waiting; behind a proxy it meets the proxy's timeout).
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import CODE, Server, Staff, add_answers, bench_app, fresh_demo

ANALYST_PASSWORD = "bench-password-1"


def populate(url: str, target: int, instance: str) -> int:
    """Create the schema, the demo event and ``target`` responses; return the event id."""
    from sqlalchemy import select

    from consult.agenda.models import Item
    from consult.extensions import db

    app = bench_app(url)
    with app.app_context():
        event = fresh_demo(instance)
        db.session.commit()
        items = db.session.scalars(select(Item).where(Item.event_id == event.id)).all()
        _, written = add_answers(event, items, target)
        db.session.commit()
        return event.id, written


def _status_mb(field: str, pid: int | str = "self") -> float:
    """``VmHWM`` or ``VmRSS`` of a process, in MB (from /proc/PID/status)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


def _reset_peak(pid: int | str = "self") -> None:
    """Start the process's high-water mark again from its present size (Linux ≥ 4.0)."""
    with open(f"/proc/{pid}/clear_refs", "w") as clear:
        clear.write("5")


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def floor_child(url: str, event_id: int, queue) -> None:
    """openpyxl write-only writing the bare Responses rows (values only) — the library floor."""
    from openpyxl import Workbook

    from consult.extensions import db
    from consult.results.export import raw_rows
    from consult.results.queries import Filters

    app = bench_app(url)
    with app.app_context():
        rows = [(r.participant, r.sector_id, r.gender, r.organisation, r.round_position,
                 r.item_id, r.item_code, r.kind, r.value, r.comment, r.source, r.updated_at)
                for r in raw_rows(Filters(event_id=event_id))]
        db.session.remove()
    start, cpu = time.perf_counter(), time.process_time()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Responses")
    for row in rows:
        ws.append(row)
    wb.save(io.BytesIO())
    queue.put({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
               "rows": len(rows)})


def workbook_child(url: str, event_id: int, queue) -> None:
    from consult.events.models import Event
    from consult.extensions import db
    from consult.results.queries import Filters
    from consult.results.workbook import write_workbook

    app = bench_app(url)
    with app.app_context(), app.test_request_context():
        event = db.session.get(Event, event_id)
        with tempfile.TemporaryFile() as out:
            base = _status_mb("VmRSS")
            _reset_peak()
            start, cpu = time.perf_counter(), time.process_time()
            write_workbook(event, Filters(event_id=event_id), "both", out)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            size = out.tell()
    queue.put({"seconds": seconds, "cpu": cpu, "peak_mb": _status_mb("VmHWM"), "base_mb": base,
               "bytes": size})


def job_child(url: str, event_id: int, queue) -> None:
    """The same workbook built as the web's job builds it: heartbeat thread, progress, file."""
    from consult.accounts.models import User
    from consult.events.models import Event
    from consult.extensions import db
    from consult.results import jobs
    from consult.results.queries import Filters

    app = bench_app(url)
    with tempfile.TemporaryDirectory() as instance:
        app.instance_path = instance
        with app.app_context():
            event = db.session.get(Event, event_id)
            user = db.session.query(User).filter_by(username="analyst").one()
            filters = Filters(event_id=event_id)
            started = jobs.start_export(event, user, filters, "both", True,
                                        jobs.answer_count(filters))
            db.session.commit()
            job_id = started.job.id
            base = _status_mb("VmRSS")
            _reset_peak()
            start, cpu = time.perf_counter(), time.process_time()
            jobs.build(app, job_id)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            db.session.expire_all()
            job = db.session.get(jobs.ExportJob, job_id)
            assert job.state == jobs.JobState.done, (job.state, job.error)
            db.session.delete(job)
            db.session.commit()
    queue.put({"seconds": seconds, "cpu": cpu, "peak_mb": _status_mb("VmHWM"), "base_mb": base})


def csv_child(url: str, event_id: int, queue) -> None:
    from consult.events.models import Event
    from consult.extensions import db
    from consult.results.export import csv_chunks
    from consult.results.queries import Filters

    app = bench_app(url)
    with app.app_context(), app.test_request_context():
        event = db.session.get(Event, event_id)
        _reset_peak()
        start = time.perf_counter()
        size = sum(len(chunk) for chunk in csv_chunks(event, Filters(event_id=event_id)))
        queue.put({"seconds": time.perf_counter() - start, "peak_mb": _status_mb("VmHWM"),
                   "chars": size})


def page_child(url: str, event_id: int, queue) -> None:
    app = bench_app(url)
    client = app.test_client()
    client.post("/staff/login", data={"username": "analyst", "password": ANALYST_PASSWORD})
    times = []
    for _ in range(6):
        start = time.perf_counter()
        response = client.get(f"/staff/events/{event_id}/results")
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    queue.put({"median_ms": 1000 * statistics.median(times[1:]), "first_ms": 1000 * times[0]})


def set_analyst_password(url: str) -> None:
    from werkzeug.security import generate_password_hash

    from consult.accounts.models import User
    from consult.extensions import db

    app = bench_app(url)
    with app.app_context():
        user = db.session.query(User).filter_by(username="analyst").one()
        user.password_hash = generate_password_hash(ANALYST_PASSWORD, method="pbkdf2:sha256:1")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


# --- The web download, served as ``make run`` serves it ------------------------------------


def web_server(instance: Path, url: str, env: dict | None = None) -> Server:
    """The server as ``make run`` starts it, once every worker has loaded the app."""
    server = Server(instance, url, extra_env=env or {}).start(timeout=60)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        workers = server.worker_pids()
        if len(workers) == server.workers and all(_status_mb("VmRSS", p) > 40 for p in workers):
            time.sleep(2)  # every worker has imported the app
            return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"the server's workers did not start in time: see {server.log}")


def _signed_in(port: int):

    staff = Staff(port, timeout=300)
    staff.login("analyst", ANALYST_PASSWORD)
    return staff


def _first_byte(port: int, path: str, cookies: dict) -> dict:
    """Seconds to the answer's headers, to its first byte of body, and to its last."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.perf_counter()
    conn.request("GET", path, headers={
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
    response = conn.getresponse()
    headers = time.perf_counter() - start
    first = response.read(1)
    first_byte = time.perf_counter() - start
    size = len(first) + len(response.read())
    total = time.perf_counter() - start
    conn.close()
    return {"status": response.status, "headers": headers, "first_byte": first_byte,
            "total": total, "bytes": size}


class RoomPoll:
    """The phones' status poll, one new connection each (they spread over the processes)."""

    def __init__(self, port: int):
        import threading

        self.port, self.times, self._stop = port, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:

        while not self._stop.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            start = time.perf_counter()
            conn.request("GET", f"/e/{CODE}/status.json")
            conn.getresponse().read()
            self.times.append(time.perf_counter() - start)
            conn.close()
            time.sleep(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def summary(self) -> str:
        ordered = sorted(self.times)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        return (f"median {1000 * statistics.median(ordered):.0f} ms, p95 {1000 * p95:.0f} ms "
                f"({len(ordered)} polls)")


def web_job(server: Server, event_id: int) -> dict:
    """Ask for the workbook as an analyst's browser does, follow its job, download it."""
    from urllib.parse import urlsplit

    from openpyxl import load_workbook

    staff = _signed_in(server.port)
    with RoomPoll(server.port) as idle:
        time.sleep(5)
    workers = server.worker_pids()
    cpu = {pid: _cpu_seconds(pid) for pid in workers}
    rss = {pid: _status_mb("VmRSS", pid) for pid in workers}
    for pid in workers:
        _reset_peak(pid)
    with RoomPoll(server.port) as busy:
        start = time.perf_counter()
        status, headers, _ = staff.request("GET", f"/staff/events/{event_id}/export.xlsx?lang=both")
        redirect = time.perf_counter() - start
        assert status == 303, status
        page_path = urlsplit(headers["Location"]).path
        status, _, _ = staff.request("GET", page_path)
        page = time.perf_counter() - start
        assert status == 200, status
        polls = []
        while True:
            status, _, body = staff.request("GET", page_path + "/progress.json")
            data = json.loads(body)
            polls.append((time.perf_counter() - start, data["done"], data["total"]))
            if data["state"] != "running":
                break
            time.sleep(0.2)
        ready = time.perf_counter() - start
    assert data["state"] == "done", data
    status, headers, workbook = staff.request("GET", data["download_url"])
    downloaded = time.perf_counter() - start
    assert status == 200, status
    builder = max(workers, key=lambda pid: _cpu_seconds(pid) - cpu[pid])
    about = {row[0]: row[1] for row in load_workbook(io.BytesIO(workbook), read_only=True)[
        "About"].iter_rows(values_only=True) if row and row[0]}
    first_count = next((t for t, done, _ in polls if done > 0), None)
    return {"redirect": redirect, "page": page, "ready": ready, "downloaded": downloaded,
            "bytes": len(workbook), "rows": polls[-1][2], "first_count": first_count,
            "polls": len(polls), "builder_hwm": _status_mb("VmHWM", builder),
            "builder_rss": rss[builder], "builder_cpu": _cpu_seconds(builder) - cpu[builder],
            "others_hwm": [_status_mb("VmHWM", p) for p in workers if p != builder],
            "about_responses": next(v for k, v in about.items() if "Responses" in str(k)
                                    or "ចម្លើយ" in str(k)),
            "idle_poll": idle.summary(), "busy_poll": busy.summary()}


def web_in_request(server: Server, event_id: int) -> dict:
    """The workbook built in the request, as before issue 13; and the CSV stream."""
    staff = _signed_in(server.port)
    workers = server.worker_pids()
    for pid in workers:
        _reset_peak(pid)
    cpu = {pid: _cpu_seconds(pid) for pid in workers}
    xlsx = _first_byte(server.port, f"/staff/events/{event_id}/export.xlsx?lang=both",
                       staff.cookies)
    builder = max(workers, key=lambda pid: _cpu_seconds(pid) - cpu[pid])
    xlsx["hwm"] = _status_mb("VmHWM", builder)
    xlsx["cpu"] = _cpu_seconds(builder) - cpu[builder]
    csv = _first_byte(server.port, f"/staff/events/{event_id}/export.csv", staff.cookies)
    assert xlsx["status"] == csv["status"] == 200, (xlsx, csv)
    return {"xlsx": xlsx, "csv": csv}


def run(target, url, tmp: Path) -> None:
    ctx = multiprocessing.get_context("spawn")

    def child(fn, event_id):
        queue = ctx.Queue()
        process = ctx.Process(target=fn, args=(url, event_id, queue))
        process.start()
        result = queue.get(timeout=900)
        process.join()
        return result

    print(f"database: {url.split('@')[-1]}; load average "
          f"{' '.join(f'{n:.1f}' for n in os.getloadavg())} on {os.cpu_count()} cores")
    start = time.perf_counter()
    instance = tmp / "instance"
    instance.mkdir(mode=0o700)
    event_id, written = populate(url, target, str(instance))
    set_analyst_password(url)
    print(f"populated {written:,} responses in {time.perf_counter() - start:.1f} s")
    floor = child(floor_child, event_id)
    book = child(workbook_child, event_id)
    as_job = child(job_child, event_id)
    csv = child(csv_child, event_id)
    page = child(page_child, event_id)
    server = web_server(instance, url)
    try:
        job = web_job(server, event_id)
    finally:
        server.stop()
    server = web_server(instance, url, {"EXPORT_IN_REQUEST_MAX_ROWS": str(10**9)})
    try:
        before = web_in_request(server, event_id)
    finally:
        server.stop()
    ratio = book["seconds"] / floor["seconds"]
    print()
    print("| measurement | figure | target |")
    print("|---|---|---|")
    print(f"| openpyxl floor: bare Responses rows ({floor['rows']:,} × 12) | "
          f"{floor['seconds']:.1f} s ({floor['cpu']:.1f} s CPU) | baseline |")
    print(f"| whole workbook, ten sheets | {book['seconds']:.1f} s = {ratio:.2f}× the floor "
          f"({book['cpu']:.1f} s CPU = {book['cpu'] / floor['cpu']:.2f}×) | ≤ 1.5× |")
    print(f"| workbook peak memory (VmHWM of the process that wrote it) | "
          f"{book['peak_mb']:.0f} MB ({book['base_mb']:.0f} MB before writing) | < 300 MB |")
    print(f"| the same workbook as the web's job builds it (heartbeat, progress) | "
          f"{as_job['seconds']:.1f} s ({as_job['cpu']:.1f} s CPU = "
          f"{as_job['cpu'] / book['cpu']:.2f}× the workbook's), VmHWM "
          f"{as_job['peak_mb']:.0f} MB | ≈ 1× |")
    print(f"| workbook size | {book['bytes'] / 1e6:.1f} MB | |")
    print(f"| CSV of raw responses | {csv['seconds']:.1f} s, VmHWM {csv['peak_mb']:.0f} MB | |")
    print(f"| results page (median of 5, warm) | {page['median_ms']:.0f} ms "
          f"(first {page['first_ms']:.0f} ms) | < 500 ms |")
    print()
    print("Web, as `make run` serves it (granian, 2 processes × 8 threads):")
    print()
    print("| measurement | figure | target |")
    print("|---|---|---|")
    print(f"| workbook as a job: *Download* answered (303 to the progress page) | "
          f"{1000 * job['redirect']:.0f} ms | at once |")
    print(f"| … progress page shown | {1000 * job['page']:.0f} ms | |")
    first = (f"{job['first_count']:.1f} s" if job["first_count"] is not None else "–")
    print(f"| … first count of answers written | {first} | |")
    print(f"| … file ready ({job['rows']:,} answers; {job['polls']} polls) | "
          f"{job['ready']:.1f} s | |")
    print(f"| … downloaded ({job['bytes'] / 1e6:.1f} MB) | {job['downloaded']:.1f} s | |")
    print(f"| … VmHWM of the worker that built it | {job['builder_hwm']:.0f} MB "
          f"({job['builder_rss']:.0f} MB before; {job['builder_cpu']:.1f} s CPU); "
          f"other workers {', '.join(f'{m:.0f}' for m in job['others_hwm'])} MB | < 300 MB |")
    print(f"| the phones' status poll, idle | {job['idle_poll']} | |")
    print(f"| … while the job builds | {job['busy_poll']} | |")
    print(f"| workbook built in the request (before issue 13): first byte | "
          f"{before['xlsx']['first_byte']:.1f} s ({before['xlsx']['cpu']:.1f} s CPU, VmHWM "
          f"{before['xlsx']['hwm']:.0f} MB) | "
          f"< 60 s (a proxy's read time-out, docs/deploy.md) |")
    print(f"| CSV stream: first byte / last byte | {1000 * before['csv']['first_byte']:.0f} ms "
          f"/ {before['csv']['total']:.1f} s ({before['csv']['bytes'] / 1e6:.1f} MB) | |")
    print(f"\nload average at the end: {' '.join(f'{n:.1f}' for n in os.getloadavg())}")
    assert job["about_responses"] == written, job["about_responses"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        run(args.responses, url, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
