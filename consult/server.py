"""The web server ``make run`` starts: granian serving ``wsgi:app``.

``python -m consult.server [--host 0.0.0.0] [--port 8000]``. Every other setting is an
environment variable with a measured default (docs/benchmarks.md, "Choosing the server"):

- ``WEB_CONCURRENCY`` (2) worker processes; ``WEB_THREADS`` (8) Python threads per process:
  requests beyond them wait in granian's queue, where they cost no Python time;
- ``WEB_KEEPALIVE`` (2 s) how long an idle connection stays open: shorter than the phones'
  3-second poll, so an idle phone holds no connection;
- ``WEB_CONNECTIONS`` (5,000) open connections per process. granian counts every open
  connection against this, idle or busy, and makes the next one wait until one closes: it
  must cover every phone that asked something in the last ``WEB_KEEPALIVE`` seconds (granian
  raises its open-file limit to the system's hard limit for them);
- ``ACCESS_LOG`` (off): ``-`` for stdout or a file path. Its lines and every server log line
  lose resume tokens and query strings (consult/logs.py), as the app's own lines do.
"""

from __future__ import annotations

import argparse
import copy
import logging
import os

from granian import Granian
from granian.constants import Interfaces
from granian.http import HTTP1Settings
from granian.log import LOGGING_CONFIG

from consult.network import DEFAULT_PORT

#: The access log's line: gunicorn's "combined" fields, with the time the request took.
ACCESS_FORMAT = ('%(addr)s - [%(time)s] "%(method)s %(path)s %(protocol)s" %(status)d '
                 '%(dt_ms).1fms "%(header{referer})s" "%(header{user-agent})s"')
#: How long a stopping worker may finish its requests (and its queued votes) before it is killed.
STOP_SECONDS = 10
#: The defaults, measured on a 2-core laptop (docs/benchmarks.md, "Choosing the server").
WORKERS, THREADS, KEEPALIVE_SECONDS, CONNECTIONS = 2, 8, 2, 5000


class MeasuredThreads(logging.Filter):
    """Drop granian's warning that 8 threads are many for 2 cores: they were measured.

    The threads mostly wait (for the disk's fsync, for their turn to write) rather than
    compute, and more of them make bigger batches of votes per commit. Only the default
    number is quietened: a number of one's own choosing keeps granian's warning.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(
            f"Configuration allows spawning up to {THREADS} Python threads")


def settings(environ=os.environ) -> dict:
    """The server's settings from the environment: keyword arguments for ``Granian``.

    A value that cannot work stops the server with a message naming the variable.
    """
    threads = _count(environ, "WEB_THREADS", THREADS)
    keepalive = _count(environ, "WEB_KEEPALIVE", KEEPALIVE_SECONDS, maximum=60)  # granian's
    connections = _count(environ, "WEB_CONNECTIONS", CONNECTIONS)
    if connections < threads:
        raise SystemExit(f"WEB_CONNECTIONS ({connections}) must be at least WEB_THREADS "
                         f"({threads}): every open connection, idle or not, takes a place")
    access_log = (environ.get("ACCESS_LOG") or "").strip()
    if access_log not in ("", "-") and not os.path.isdir(os.path.dirname(
            os.path.abspath(access_log))):
        raise SystemExit(f"ACCESS_LOG: the folder of {access_log!r} does not exist")
    return {
        "interface": Interfaces.WSGI,
        "websockets": False,
        "workers": _count(environ, "WEB_CONCURRENCY", WORKERS),
        "blocking_threads": threads,
        "backpressure": connections,
        "backlog": 2048,
        # An idle connection is closed after this long (granian's timeout for a request's
        # headers runs from the end of the previous answer); a phone's next poll opens anew.
        "http1_settings": HTTP1Settings(header_read_timeout=keepalive * 1000),
        # A worker that dies (killed, out of memory) is started again at once, as gunicorn's
        # was; one that dies again within about 5 s of that stops the server (granian's guard
        # against a crash loop) rather than restarting it for ever.
        "respawn_failed_workers": True,
        "workers_kill_timeout": STOP_SECONDS,
        "log_dictconfig": log_config(access_log),
        "log_access": bool(access_log),
        "log_access_format": ACCESS_FORMAT,
    }


def _count(environ, name: str, default: int, maximum: int | None = None) -> int:
    """A whole number from 1 (to ``maximum``) from the environment; a clear message if not."""
    text = (environ.get(name) or "").strip()
    if not text:
        return default
    number = int(text) if text.isascii() and text.isdecimal() else 0
    if number < 1 or (maximum and number > maximum):
        upper = f" and at most {maximum}" if maximum else ""
        raise SystemExit(f"{name} must be a whole number of at least 1{upper}, not {text!r}")
    return number


def log_config(access_log: str = "") -> dict:
    """granian's logging set-up, with every handler redacting and the access log where asked.

    A whole configuration: granian replaces its own sections with these (a shallow update).
    """
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": "consult.logs.RedactingFilter"},
                         "measured": {"()": "consult.server.MeasuredThreads"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    config["handlers"]["console"]["filters"].append("measured")
    if access_log and access_log != "-":
        access = config["handlers"]["access"]
        del access["stream"]
        access.update({"class": "logging.FileHandler", "filename": access_log})
    return config


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m consult.server", description=__doc__.split(
        "\n", 1)[0])
    # Every interface: the phones in the room reach the laptop over its Wi-Fi address.
    parser.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))  # noqa: S104
    parser.add_argument("--port", type=int, default=None,
                        help=f"default: $PORT, else {DEFAULT_PORT}")
    parser.add_argument("--app", default="wsgi:app", help="the WSGI application to serve")
    args = parser.parse_args(argv)
    port = args.port or _count(os.environ, "PORT", DEFAULT_PORT, maximum=65535)
    Granian(args.app, address=args.host, port=port, **settings()).serve()


if __name__ == "__main__":
    main()
