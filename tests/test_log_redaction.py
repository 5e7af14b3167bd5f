"""No resume token, projector key or cookie in any log line: the server's and the app's.

A resume link (``/r/<token>``) signs in as the participant; the projector key (``?k=``) opens
the projector. Both were written to the access log (request line and Referer) and to the
app's "Database unavailable" warning.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import pytest

from consult.logs import redact_url
from tests.conftest import SQLITE_RUN_ONLY

TOKEN = "tok-SECRET-resume-0123456789abcdef"
KEY = "KEY-SECRET-projector-9876"


def test_redact_url():
    assert redact_url(f"GET /r/{TOKEN} HTTP/1.1") == "GET /r/[redacted] HTTP/1.1"
    assert redact_url(f"/e/KH7Q2P/screen?k={KEY}") == "/e/KH7Q2P/screen?[redacted]"
    assert redact_url(f"http://192.0.2.1:8000/r/{TOKEN}?lang=km") == \
        "http://192.0.2.1:8000/r/[redacted]?[redacted]"
    assert redact_url("/e/KH7Q2P/status.json") == "/e/KH7Q2P/status.json"
    assert redact_url("") == "" and redact_url(None) is None


@pytest.mark.parametrize("lang", ["en"])
def test_the_503_warning_names_no_resume_token(other_app, caplog, lang):
    """The database gone (a stopped PostgreSQL): the warning names the page, not the token."""
    down = other_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/consult")
    client = down.test_client()
    with caplog.at_level(logging.WARNING):
        response = client.get(f"/r/{TOKEN}?k={KEY}")
    assert response.status_code == 503
    lines = [r.getMessage() for r in caplog.records]
    assert any("/r/[redacted]" in line for line in lines), lines
    assert not any(TOKEN in line or KEY in line for line in lines), lines


def test_every_app_log_line_is_redacted(app, caplog):
    with caplog.at_level(logging.INFO):
        app.logger.warning("Something on GET %s", f"/r/{TOKEN}")
        app.logger.info("Screen opened at /e/KH7Q2P/screen?k=%s", KEY)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert TOKEN not in text and KEY not in text
    assert "/r/[redacted]" in text and "screen?[redacted]" in text


@pytest.mark.slow
@SQLITE_RUN_ONLY  # the server runs on SQLite in either run
def test_the_server_logs_no_token_or_key(tmp_path):
    """``make run``'s server with its access log on: request lines and Referers are redacted."""
    from benchmarks.harness import CODE, Phone, Server, prepare, run_in_app

    instance = Path(tempfile.mkdtemp(dir=tmp_path))
    prepare(instance, None, round_items=1)
    token, key = run_in_app(instance, None, f"""
    from sqlalchemy import select
    from consult.events.models import Event
    from consult.participants.models import Participant
    event = db.session.scalar(select(Event).where(Event.join_code == "{CODE}"))
    person = Participant(event=event, sector=event.sectors[0], token="{TOKEN}")
    db.session.add(person)
    db.session.commit()
    print(person.token, event.screen_token)
""").split()
    server = Server(instance, workers=1, threads=2, extra_env={"ACCESS_LOG": "-"}).start()
    referer = f"http://127.0.0.1:{server.port}/r/{token}?k={key}"
    phone = Phone(server.port)
    try:
        status, _, _ = phone.request("GET", f"/r/{token}")
        assert status == 302
        screen = f"/e/{CODE}/screen?k={key}"
        status, _, _ = phone.request("GET", screen)
        assert status == 200
        status, _, _ = phone.request("GET", "/static/css/app.css",
                                     headers={"Referer": f"http://127.0.0.1:{server.port}{screen}"})
        status, _, _ = phone.request("GET", f"/r/{token}-wrong?k={key}")
        assert status == 404
        status, _, _ = phone.request("GET", "/healthz", headers={"Referer": referer})
        assert status == 200
        # granian writes a request's line after its answer: wait for the last one (the probe
        # at start is the first /healthz) before stopping the server.
        deadline = time.monotonic() + 10
        while server.log.read_text().count("GET /healthz") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        phone.close()
        server.stop()
    log = server.log.read_text()
    # Every request was logged, with its Referer.
    assert log.count("/r/[redacted]") >= 3 and "screen?[redacted]" in log, log
    assert '"GET /healthz HTTP/1.1" 200' in log and '"GET /static/css/app.css' in log, log
    assert token not in log and key not in log
