"""What the load and crash benchmarks share: a real server started as ``make run`` starts it,
and phones that join, fill the profile and vote over plain HTTP on 127.0.0.1.

The server is the one ``make run`` starts (granian through ``consult/server.py``, with its
settings) on a fresh database: SQLite in a temporary instance folder, or a PostgreSQL URL.
gunicorn, the server it replaced, can be started beside it for comparisons (``Gunicorn``).
Nothing here talks to any address but loopback.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CODE = "KH7Q2P"  # the demo workshop's join code
GENDERS = ["woman", "man", "another", "undisclosed"]
BENCH_USER, BENCH_PASSWORD = "bench-facilitator", "bench-password-123"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(instance: Path, database_url: str | None, extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env.update({"CONSULT_INSTANCE": str(instance), "FLASK_APP": "wsgi.py",
                "SECRET_KEY": "benchmark-secret-key", "PUBLIC_URL": "http://127.0.0.1"})
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    env.update(extra or {})
    return env


def run_in_app(instance: Path, database_url: str | None, body: str) -> str:
    """Run ``body`` (Python, indented for an app context) in a fresh process; return stdout."""
    script = ("from consult import create_app\nfrom consult.extensions import db\n"
              "app = create_app()\nwith app.app_context():\n" + body)
    return subprocess.run([str(VENV_BIN / "python"), "-c", script], cwd=ROOT,
                          env=_env(instance, database_url), check=True, capture_output=True,
                          text=True).stdout


def prepare(instance: Path, database_url: str | None,
            round_items: int = 16) -> tuple[int, int, list[int]]:
    """Migrate and seed as ``make run`` does; add a facilitator and a round of N items.

    Return the event id, the round's id and its item ids.
    """
    env = _env(instance, database_url)
    for args in (["db", "upgrade"], ["consult", "seed-demo"]):
        subprocess.run([str(VENV_BIN / "flask"), *args], cwd=ROOT, env=env, check=True,
                       capture_output=True, text=True)
    out = run_in_app(instance, database_url, f"""
    from sqlalchemy import select
    from consult.accounts.models import Role, User
    from consult.accounts.operations import create_user
    from consult.agenda.models import Item, ItemKind, Round
    from consult.events.models import Event
    event = db.session.scalar(select(Event).where(Event.join_code == "{CODE}"))
    from consult.events.operations import set_team_role
    if db.session.scalar(select(User).where(User.username == "{BENCH_USER}")) is None:
        user = create_user("{BENCH_USER}", "{BENCH_PASSWORD}", Role.facilitator)
        set_team_role(event, user, "facilitator", actor=None)
    items = db.session.scalars(select(Item).where(Item.event_id == event.id,
        Item.kind == ItemKind.agreement, Item.code.like("R%")).order_by(Item.id)).all()
    round_ = Round(event=event, position=99, title_en="Benchmark round", title_km="ជុំសាកល្បង")
    db.session.add(round_)
    db.session.flush()
    for n, item in enumerate(items[:{round_items}], start=1):
        item.round_id, item.round_position = round_.id, n
    db.session.commit()
    print(event.id, round_.id, ",".join(str(i.id) for i in items[:{round_items}]))
""").split()
    return int(out[0]), int(out[1]), [int(i) for i in out[2].split(",")]


def sector_ids(port: int) -> list[int]:
    """The event's sectors, as the profile form offers them."""
    phone = Phone(port)
    _, _, page = phone.request("GET", f"/j/{CODE}")
    phone.close()
    return sorted({int(v) for v in re.findall(r'name="sector"[^>]*value="(\d+)"', page.decode())})


def fresh_pg(url: str) -> str:
    """Create an empty database beside the one ``url`` names; return its URL."""
    import psycopg

    base, _, _ = url.rpartition("/")
    name = f"consult_bench_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(base.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def drop_pg(fresh: str) -> None:
    import psycopg

    base, _, name = fresh.rpartition("/")
    with psycopg.connect(base.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Server:
    """The app served as ``make run`` serves it: ``python -m consult.server`` (granian)."""

    instance: Path
    database_url: str | None = None
    #: Processes and threads; None: the server's own defaults (``make run``'s).
    workers: int | None = None
    threads: int | None = None
    extra_env: dict = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    #: The WSGI application: the app, or the benchmark's bare Flask baseline.
    app: str = "wsgi:app"
    #: Its output, and every worker's: ``server.log`` in the instance folder.
    log_name = "server.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.instance / self.log_name

    def command(self) -> list[str]:
        """The server's command line: ``make run``'s, on loopback and a free port."""
        return [str(VENV_BIN / "python"), "-m", "consult.server", "--host", "127.0.0.1",
                "--port", str(self.port), "--app", self.app]

    def __post_init__(self) -> None:
        from consult import server

        self.workers = self.workers or server.WORKERS
        self.threads = self.threads or server.THREADS

    def environment(self) -> dict:
        return {"WEB_CONCURRENCY": str(self.workers), "WEB_THREADS": str(self.threads)}

    def start(self, timeout: float = 30) -> Server:
        env = _env(self.instance, self.database_url, {**self.environment(), **self.extra_env})
        with open(self.log, "ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(self.command(), cwd=ROOT, env=env, stdout=log,
                                            stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return self
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()  # every probe, answered or not: no socket left to the collector
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: see {self.log}")
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer in time: see {self.log}")

    def worker_pids(self) -> list[int]:
        """The worker processes (every process below the main one), in pid order."""
        from benchmarks.loadgen import descendants

        if self.process is None:
            return []
        return sorted(pid for pid in descendants(self.process.pid) if pid != self.process.pid)

    def kill(self) -> None:
        """SIGKILL the main process and every worker at once: a crash, not a shutdown."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            self.kill()
        self.process = None


@dataclass
class Gunicorn(Server):
    """gunicorn (``benchmarks/gunicorn.conf.py``), the server ``make run`` used before granian,
    kept to measure the two side by side."""

    worker_class: str = "gthread"
    #: benchmarks/gunicorn.conf.py's own defaults.
    default_workers, default_threads = 3, 4

    def __post_init__(self) -> None:
        self.workers = self.workers or self.default_workers
        self.threads = 1 if self.worker_class == "sync" else (self.threads or self.default_threads)

    def command(self) -> list[str]:
        return [str(VENV_BIN / "gunicorn"), "--config", "benchmarks/gunicorn.conf.py",
                "--bind", f"127.0.0.1:{self.port}", "--worker-class", self.worker_class,
                self.app]

    def environment(self) -> dict:
        return {"WEB_CONCURRENCY": str(self.workers), "GUNICORN_THREADS": str(self.threads)}


class Phone:
    """One participant's browser, reduced to cookies and a keep-alive connection."""

    def __init__(self, port: int, timeout: float = 10):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.conn: http.client.HTTPConnection | None = None
        self.used = False

    def request(self, method: str, path: str, body: dict | None = None,
                headers: dict | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        """Send one request; return the status, the headers (names in any case) and the body."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.used = False
        all_headers = {"Accept-Language": "km", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        reused = self.used
        try:
            self.conn.request(method, path, body=data, headers=all_headers)
            response = self.conn.getresponse()
            payload = response.read()
            self.used = True
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.close()
            if not reused:
                raise
            # The server closed an idle keep-alive connection: open a new one, as browsers do.
            return self.request(method, path, body, headers)
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        # The message, not a dict: header names are case-insensitive (granian sends lowercase).
        return response.status, response.headers, payload

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def join(self, sector_id: int, gender: str, organisation: str = "") -> None:
        """Open the QR link, fill the profile, land on the waiting screen."""
        status, _, page = self.request("GET", f"/j/{CODE}")
        if status != 200:
            raise RuntimeError(f"join answered {status}")
        self.csrf = _CSRF.search(page.decode()).group(1)
        status, headers, _ = self.request("POST", f"/e/{CODE}/profile", {
            "csrf_token": self.csrf, "sector": sector_id, "gender": gender, "locale": "km",
            "organisation": organisation})
        if status != 302 or "/wait" not in headers.get("Location", ""):
            raise RuntimeError(f"profile answered {status}")
        # The browser follows to the waiting screen, whose answer completes its session cookie
        # (Flask-Login's mark), as every page after it would.
        status, _, _ = self.request("GET", headers["Location"])
        if status != 200:
            raise RuntimeError(f"the waiting screen answered {status}")

    def vote(self, item_id: int, value: int, comment: str = "") -> tuple[int, dict]:
        """Save one answer as the vote page's script does; return (status, JSON body)."""
        import json

        body = {"csrf_token": self.csrf, f"item-{item_id}": value}
        if comment:
            body[f"comment-{item_id}"] = comment
        status, _, payload = self.request("POST", f"/e/{CODE}/items/{item_id}/answer", body,
                                          {"Accept": "application/json",
                                           "X-CSRFToken": self.csrf})
        try:
            return status, json.loads(payload or b"{}")
        except ValueError:
            return status, {}


class Staff(Phone):
    """A facilitator's browser: sign in, open and close rounds."""

    def login(self, username: str = BENCH_USER, password: str = BENCH_PASSWORD) -> None:
        _, _, page = self.request("GET", "/staff/login")
        csrf = _CSRF.search(page.decode()).group(1)
        status, _, _ = self.request("POST", "/staff/login", {
            "csrf_token": csrf, "username": username, "password": password})
        if status != 302:
            raise RuntimeError(f"staff login answered {status}")

    def round_action(self, event_id: int, round_id: int, action: str, **fields) -> int:
        _, _, page = self.request("GET", f"/staff/events/{event_id}/console")
        csrf = _CSRF.search(page.decode()).group(1)
        status, _, _ = self.request(
            "POST", f"/staff/events/{event_id}/rounds/{round_id}/{action}",
            {"csrf_token": csrf, **fields})
        return status


def open_round(port: int, event_id: int, round_id: int, **fields) -> int:
    """Sign in as the benchmark facilitator, open a round, sign off; return the answer's status."""
    staff = Staff(port)
    try:
        staff.login()
        return staff.round_action(event_id, round_id, "open", **fields)
    finally:
        staff.close()


def cookie_header(phone: Phone) -> str:
    return "; ".join(f"{k}={v}" for k, v in phone.cookies.items())


def bench_app(url: str, **config):
    """The app in this process on ``url``, as the one-process benchmarks use it: no CSRF, no
    rate limits (``config`` adds to or overrides that)."""
    from consult import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                       "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, **config})


def fresh_demo(instance: str):
    """Create the schema afresh and seed the demo workshop (in an app context); its event."""
    from consult.demo import seed_demo
    from consult.extensions import db

    db.drop_all()
    db.create_all()
    return seed_demo(instance).event


def add_answers(event, items, target: int, seed: int = 42) -> tuple[list, int]:
    """Bulk-insert participants of ``event`` and ``target`` answers to ``items`` (in an app
    context; the caller commits).

    Each participant answers every item in turn: an agreement item 0–5, leaning to agree, any
    other 1–3; 3 % with a Khmer comment. Return the participants as (id, sector id, gender)
    rows and the number of answers written.
    """
    import random

    from sqlalchemy import insert, select

    from consult.agenda.models import ItemKind
    from consult.extensions import db
    from consult.participants.models import Participant, new_public_code, new_token
    from consult.timeutil import utcnow
    from consult.voting.models import Response

    rng = random.Random(seed)
    now = utcnow()
    sectors = [s.id for s in event.sectors]
    db.session.execute(insert(Participant), [
        {"event_id": event.id, "token": new_token(), "public_code": new_public_code(),
         "sector_id": rng.choice(sectors), "gender": rng.choice(GENDERS),
         "organisation": "Ministry", "locale": "km", "source": "web", "display_name": "",
         "joined_at": now, "profile_completed_at": now}
        for _ in range(-(-target // len(items)))])
    participants = db.session.execute(
        select(Participant.id, Participant.sector_id, Participant.gender)
        .where(Participant.event_id == event.id)).all()
    rows, written = [], 0
    for pid, sector_id, gender in participants:
        for item in items:
            if written >= target:
                break
            value = (rng.choice([0, 1, 2, 3, 4, 4, 5, 5]) if item.kind == ItemKind.agreement
                     else rng.choice([1, 2, 3]))
            comment = "សូមបន្ថែមការបណ្តុះបណ្តាល" if rng.random() < 0.03 else None
            rows.append({"participant_id": pid, "item_id": item.id, "round_id": item.round_id,
                         "sector_id": sector_id, "gender": gender, "source": "web",
                         "value": value, "comment": comment, "revision": 1,
                         "created_at": now, "updated_at": now})
            written += 1
        if len(rows) >= 20000:
            db.session.execute(insert(Response), rows)
            rows = []
    if rows:
        db.session.execute(insert(Response), rows)
    return participants, written
