"""The server ``make run`` starts (consult/server.py): its settings, its logs, its workers."""

from __future__ import annotations

import logging
import os
import signal
import tempfile
import time
from pathlib import Path

import pytest

from consult import server as make_run_server
from tests.conftest import SQLITE_RUN_ONLY
from tests.test_log_redaction import TOKEN


def test_default_settings_are_the_measured_ones():
    settings = make_run_server.settings({})
    assert settings["workers"] == 2 and settings["blocking_threads"] == 8
    assert settings["backpressure"] == 5000  # open connections per worker, idle ones too
    assert settings["http1_settings"].header_read_timeout == 2000  # idle keep-alive, ms
    assert settings["respawn_failed_workers"] is True
    assert settings["log_access"] is False


def test_settings_come_from_the_environment(tmp_path):
    log = tmp_path / "access.log"
    settings = make_run_server.settings({"WEB_CONCURRENCY": "3", "WEB_THREADS": " 4 ",
                                         "WEB_CONNECTIONS": "300", "WEB_KEEPALIVE": "5",
                                         "ACCESS_LOG": str(log)})
    assert (settings["workers"], settings["blocking_threads"], settings["backpressure"]) == \
        (3, 4, 300)
    assert settings["http1_settings"].header_read_timeout == 5000
    assert settings["log_access"] is True
    handler = settings["log_dictconfig"]["handlers"]["access"]
    assert handler["class"] == "logging.FileHandler" and handler["filename"] == str(log)
    stdout = make_run_server.settings({"ACCESS_LOG": "-"})["log_dictconfig"]
    assert stdout["handlers"]["access"]["stream"] == "ext://sys.stdout"


@pytest.mark.parametrize("value", ["two", "0", "-1", "2.5", "²"])
def test_a_bad_count_is_a_clear_message(value):
    with pytest.raises(SystemExit, match=f"WEB_THREADS must be a whole number of at least 1, "
                                         f"not '{value}'"):
        make_run_server.settings({"WEB_THREADS": value})
    with pytest.raises(SystemExit, match="WEB_KEEPALIVE must be a whole number of at least 1 "
                                         "and at most 60, not '61'"):
        make_run_server.settings({"WEB_KEEPALIVE": "61"})


def test_settings_that_cannot_work_are_refused_with_a_message(tmp_path):
    # Fewer places than threads: the lock-out found when switching to granian.
    with pytest.raises(SystemExit, match=r"WEB_CONNECTIONS \(4\) must be at least WEB_THREADS"):
        make_run_server.settings({"WEB_CONNECTIONS": "4"})
    with pytest.raises(SystemExit, match=r"ACCESS_LOG: the folder of .* does not exist"):
        make_run_server.settings({"ACCESS_LOG": str(tmp_path / "missing" / "access.log")})


def test_the_server_log_lines_are_redacted(tmp_path):
    """granian's access log (to a file) and its own messages (to stdout), configured as make
    run configures them, in a process of their own: no token, no projector key."""
    import subprocess
    import sys
    import textwrap

    log = tmp_path / "access.log"
    script = textwrap.dedent(f"""
        import logging, logging.config, time
        from granian.log import log_request_builder
        from consult import server
        logging.config.dictConfig(server.log_config({str(log)!r}))
        headers = {{"referer": "http://192.0.2.1:8000/e/KH7Q2P/screen?k=KEY-SECRET",
                    "user-agent": "Mozilla"}}
        log_request = log_request_builder(server.ACCESS_FORMAT)
        log_request(time.time(), time.perf_counter(), {{
            "addr_remote": "192.0.2.7", "path": "/r/{TOKEN}", "qs": "k=KEY-SECRET",
            "method": "GET", "scheme": "http", "protocol": "HTTP/1.1",
            "headers": headers.get}}, 302)
        logging.getLogger("_granian").error("failed: GET /r/%s?k=KEY-SECRET", "{TOKEN}")
    """)
    stdout = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                            text=True).stdout
    access = log.read_text()
    assert '"GET /r/[redacted] HTTP/1.1" 302' in access, access
    assert '"http://192.0.2.1:8000/e/KH7Q2P/screen?[redacted]"' in access, access
    assert "[ERROR] failed: GET /r/[redacted]?[redacted]" in stdout, stdout
    assert TOKEN not in access + stdout and "KEY-SECRET" not in access + stdout


def test_the_thread_warning_is_the_only_line_dropped():
    measured = make_run_server.MeasuredThreads()

    def record(message):
        return logging.LogRecord("_granian", logging.WARNING, __file__, 1, message, None, None)

    assert not measured.filter(record("Configuration allows spawning up to 8 Python threads, "
                                      "which seems quite high"))
    # A number nobody measured keeps granian's warning.
    assert measured.filter(record("Configuration allows spawning up to 64 Python threads, "
                                  "which seems quite high"))
    assert measured.filter(record("Unexpected exit from worker-1"))


@pytest.fixture
def instance(tmp_path) -> Path:
    """An instance folder migrated and seeded as ``make run`` leaves it (a round of 1 item)."""
    from benchmarks.harness import prepare

    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    prepare(folder, None, round_items=1)
    return folder


@pytest.mark.slow
@SQLITE_RUN_ONLY  # the server runs on SQLite in either run
def test_a_killed_worker_is_replaced(instance):
    """A worker that dies (the kernel's out-of-memory killer, a crash) is started again, and
    the room goes on being answered: what gunicorn's arbiter did."""
    from benchmarks.harness import CODE, Phone, Server

    server = Server(instance, workers=2, threads=2).start()
    try:
        before = server.worker_pids()
        assert len(before) == 2
        os.kill(before[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            after = server.worker_pids()
            if len(after) == 2 and before[0] not in after:
                break
            time.sleep(0.2)
        assert len(after) == 2 and before[0] not in after and before[1] in after
        statuses = []
        for _ in range(20):  # new connections: either worker may take each
            phone = Phone(server.port)
            statuses.append(phone.request("GET", f"/e/{CODE}/status.json")[0])
            phone.close()
        assert statuses == [200] * 20
        assert "Unexpected exit from worker-1" in server.log.read_text()
    finally:
        server.stop()
    assert server.process is None


@pytest.mark.slow
@SQLITE_RUN_ONLY
def test_a_bad_setting_stops_the_server_with_its_message(instance):
    from benchmarks.harness import Server

    server = Server(instance, extra_env={"WEB_CONCURRENCY": "many"})
    with pytest.raises(RuntimeError, match="the server exited"):
        server.start()
    assert "WEB_CONCURRENCY must be a whole number of at least 1, not 'many'" in \
        server.log.read_text()


HANG_GUARD = 10  # seconds: far below the 30-s keep-alive the connection test sets


@pytest.mark.slow
@SQLITE_RUN_ONLY
def test_open_idle_connections_do_not_lock_a_phone_out(instance):
    """granian makes a new connection wait while ``backpressure`` connections are open, idle
    ones included: with as many as the threads (2 here), the third phone would wait for an idle
    one to close (30 s here). Browsers keep their connections open between polls."""
    import http.client

    from benchmarks.harness import CODE, Server

    server = Server(instance, workers=1, threads=2, extra_env={"WEB_KEEPALIVE": "30"}).start()
    idle = []
    try:
        for _ in range(12):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=HANG_GUARD)
            conn.request("GET", f"/e/{CODE}/status.json")
            assert conn.getresponse().status == 200
            idle.append(conn)  # answered, still open: a browser between two polls
        assert all(conn.sock is not None for conn in idle)
    finally:
        for conn in idle:
            conn.close()
        server.stop()


@pytest.mark.slow
@SQLITE_RUN_ONLY
def test_an_idle_connection_is_closed_after_the_keepalive(instance):
    import socket

    from benchmarks.harness import Server

    server = Server(instance, workers=1, threads=2, extra_env={"WEB_KEEPALIVE": "1"}).start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=HANG_GUARD) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while not answer.endswith(b"ok"):
                chunk = sock.recv(4096)
                assert chunk, f"closed before the whole answer: {answer!r}"
                answer += chunk
            answered = time.monotonic()
            assert answer.startswith(b"HTTP/1.1 200")
            assert b"connection: close" not in answer.lower()  # kept open, then:
            assert sock.recv(4096) == b""  # closed by the server, not by the guard's timeout
            idle = time.monotonic() - answered
        # Open for the keep-alive (1 s) and closed then: not at once, not at the guard.
        assert 0.5 < idle < HANG_GUARD - 1, idle
    finally:
        server.stop()
