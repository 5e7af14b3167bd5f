"""A database that cannot be reached gets a translated 503, never a 500 or a false 'saved'."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.voting.models import Response
from tests.conftest import IS_POSTGRES
from tests.helpers import as_participant, vote, workshop


@pytest.mark.skipif(IS_POSTGRES, reason="locks the SQLite file")
@pytest.mark.config(SQLITE_BUSY_TIMEOUT_MS=100)
def test_locked_sqlite_gives_503_not_saved(app, client, make):
    event, _, items = workshop(make)
    as_participant(client, make.participant(event))
    db.session.commit()
    path = db.engine.url.database
    blocker = sqlite3.connect(path, timeout=0.1)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        response = vote(client, event, items[0], "4")
    finally:
        blocker.rollback()
        blocker.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.json["error"] and "Nothing was saved" in response.json["message"]
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    # Once the lock is gone the same vote goes through.
    assert vote(client, event, items[0], "4").status_code == 200


@pytest.mark.parametrize("lang", ["km", "en"])
def test_stopped_postgresql_gives_503_not_saved(other_app, lang):
    """PostgreSQL not answering (stopped, restarting): a translated 503, never a false 'saved'."""
    from flask_babel import force_locale

    from consult.i18n import LOCALE_COOKIE

    down = other_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/consult")
    client = down.test_client()
    client.set_cookie(LOCALE_COOKIE, lang)
    response = client.post("/e/KH7Q2P/items/1/answer", data={"item-1": "4"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert response.json["error"] and "saved" not in response.json
    page = client.get("/e/KH7Q2P/wait")
    html = page.get_data(as_text=True)
    assert page.status_code == 503 and f'<html lang="{lang}">' in html
    assert "Traceback" not in html and "OperationalError" not in html
    with down.test_request_context(), force_locale(lang):
        from flask_babel import gettext

        assert gettext("Not saved, try again") in html
