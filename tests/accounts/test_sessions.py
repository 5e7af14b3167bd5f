"""Sessions that end: sign-out and password changes revoke every copy of a staff cookie,
staff sessions last a working day, the CSRF token changes at sign-in, and an error page on a
session-less path never replaces anyone's cookie."""

from __future__ import annotations

import re
import time

import pytest
from flask_babel import gettext as _
from sqlalchemy import select

from consult.access import STAFF_LOGIN_AT_KEY
from consult.accounts.models import AuditEntry, Role
from consult.agenda.models import RoundState
from consult.extensions import db
from tests.conftest import login
from tests.helpers import as_participant, workshop

SESSION_COOKIE = "session"


def _copy_cookie(app, client):
    """A second browser holding a copy of ``client``'s session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie(SESSION_COOKIE, client.get_cookie(SESSION_COOKIE).value)
    return thief


def _signed_in(client) -> bool:
    return client.get("/staff/").status_code == 200


def test_a_copied_cookie_stops_working_once_its_owner_signs_out(app, client, make):
    event, _round, _items = workshop(make, open_round=False)
    user = make.user(Role.facilitator, username="sopheap")
    db.session.commit()
    login(client, user)
    thief = _copy_cookie(app, client)
    assert _signed_in(thief)
    assert client.post("/staff/logout").status_code == 302
    assert not _signed_in(client) and not _signed_in(thief)
    response = thief.post(f"/staff/events/{event.id}/rounds/{_round.id}/open")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    db.session.refresh(_round)
    assert _round.state == RoundState.draft
    # Signing in again works, and the old copy stays dead.
    login(client, user)
    assert _signed_in(client) and not _signed_in(thief)


def test_a_cookie_from_before_session_versions_is_refused(client, make):
    """A cookie holding only the user id (issued before this change) no longer signs in."""
    user = make.user(Role.admin)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session[STAFF_LOGIN_AT_KEY] = int(time.time())
    assert not _signed_in(client)


@pytest.mark.config(STAFF_SESSION_HOURS=12)
def test_a_staff_session_lasts_a_working_day(client, make):
    event, _round, _items = workshop(make)
    person = make.participant(event)
    user = make.user(Role.facilitator)
    db.session.commit()
    as_participant(client, person)
    login(client, user)
    with client.session_transaction() as session:
        session[STAFF_LOGIN_AT_KEY] -= 11 * 3600
    assert _signed_in(client)
    with client.session_transaction() as session:
        session[STAFF_LOGIN_AT_KEY] -= 2 * 3600  # 13 hours ago
    assert not _signed_in(client)
    # The same cookie keeps the participant: they come back days later.
    assert client.get(f"/e/{event.join_code}/wait").status_code == 200
    # Signing in again starts a new working day.
    login(client, user)
    assert _signed_in(client)


def test_a_session_without_a_sign_in_time_is_refused(client, make):
    user = make.user(Role.admin)
    db.session.commit()
    login(client, user)
    with client.session_transaction() as session:
        del session[STAFF_LOGIN_AT_KEY]
    assert not _signed_in(client)


def test_deactivating_an_account_ends_its_sessions(client, make):
    user = make.user(Role.admin)
    db.session.commit()
    login(client, user)
    user.active = False
    db.session.commit()
    assert not _signed_in(client)


def _field(html: str, name: str = "csrf_token") -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]+)"', html) or re.search(
        rf'value="([^"]+)"[^>]*name="{name}"', html)
    return match.group(1)


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_the_csrf_token_changes_at_sign_in(client, make):
    """A token planted or read before sign-in is worthless afterwards."""
    user = make.user(Role.admin)
    db.session.commit()
    before = _field(client.get("/staff/login").get_data(as_text=True))
    with client.session_transaction() as session:
        raw_before = session["csrf_token"]
    response = client.post("/staff/login", data={"username": user.username,
                                                 "password": "correct horse battery",
                                                 "csrf_token": before})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session.get("csrf_token") != raw_before
    # The token from before sign-in no longer passes on a staff form.
    assert client.post("/staff/logout", data={"csrf_token": before}).status_code == 400
    assert _signed_in(client)
    page = client.get("/staff/").get_data(as_text=True)
    assert client.post("/staff/logout", data={"csrf_token": _field(page)}).status_code == 302
    assert not _signed_in(client)


# Changing a password.

def test_set_password_command_ends_every_session(app, client, make):
    user = make.user(Role.analyst, username="chenda")
    db.session.commit()
    login(client, user)
    result = app.test_cli_runner().invoke(args=["consult", "set-password", "Chenda"],
                                          input="a-new-long-password\n")
    assert result.exit_code == 0, result.output
    assert not _signed_in(client)
    db.session.refresh(user)
    assert user.check_password("a-new-long-password")
    assert not user.check_password("correct horse battery")
    assert client.post("/staff/login", data={"username": "chenda",
                                             "password": "a-new-long-password"}
                       ).status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.password"))
    assert entry is not None and entry.target_id == user.id and entry.user_id is None


@pytest.mark.parametrize(("username", "password", "message"), [
    ("nobody", "a-new-long-password", lambda: "No staff account is called 'nobody'"),
    ("chenda", "short", lambda: _("The password must have at least %(n)d characters.", n=10)),
])
def test_set_password_command_refuses_bad_input(app, make, username, password, message):
    user = make.user(Role.analyst, username="chenda")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["consult", "set-password", username],
                                          input=password + "\n")
    # The CLI speaks the default language (Khmer unless DEFAULT_LOCALE says otherwise).
    assert result.exit_code != 0 and message() in result.output
    db.session.refresh(user)
    assert user.check_password("correct horse battery")


def test_changing_the_password_on_the_page_keeps_this_session_and_ends_the_others(app, client,
                                                                                 make):
    user = make.user(Role.facilitator, username="dara")
    db.session.commit()
    login(client, user)
    other_device = app.test_client()
    login(other_device, user)
    page = client.get("/staff/password")
    assert page.status_code == 200 and 'name="new_password"' in page.get_data(as_text=True)
    response = client.post("/staff/password", data={
        "current_password": "correct horse battery", "new_password": "river-of-lanterns-9",
        "confirm": "river-of-lanterns-9"})
    assert response.status_code == 302
    assert _signed_in(client) and not _signed_in(other_device)
    db.session.refresh(user)
    assert user.check_password("river-of-lanterns-9")


@pytest.mark.parametrize(("data", "message"), [
    ({"current_password": "wrong", "new_password": "river-of-lanterns-9",
      "confirm": "river-of-lanterns-9"}, "current password is wrong"),
    ({"current_password": "correct horse battery", "new_password": "river-of-lanterns-9",
      "confirm": "something-else-9"}, "do not match"),
    ({"current_password": "correct horse battery", "new_password": "short",
      "confirm": "short"}, "at least"),
])
def test_the_password_page_refuses_mistakes(client, make, data, message):
    user = make.user(Role.facilitator)
    db.session.commit()
    login(client, user)
    response = client.post("/staff/password", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password("correct horse battery") and _signed_in(client)


# An error page on a session-less path.

SESSION_LESS = [("GET", "/static/x.css", 404), ("POST", "/healthz", 405),
                ("POST", "/e/{code}/status.json", 405), ("GET", "/static/fonts/missing.woff2", 404)]


@pytest.mark.parametrize(("method", "path", "status"), SESSION_LESS)
@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_an_error_page_on_a_session_less_path_keeps_the_cookie(app, client, make, method, path,
                                                               status, accept):
    event, _round, _items = workshop(make)
    person = make.participant(event)
    user = make.user(Role.facilitator)
    db.session.commit()
    as_participant(client, person)
    login(client, user)
    cookie = client.get_cookie(SESSION_COOKIE).value
    response = client.open(path.format(code=event.join_code), method=method,
                           headers={"Accept": accept})
    assert response.status_code == status
    assert "Set-Cookie" not in response.headers or SESSION_COOKIE + "=" not in \
        response.headers.get("Set-Cookie", "")
    assert client.get_cookie(SESSION_COOKIE).value == cookie
    assert client.get(f"/e/{event.join_code}/wait").status_code == 200
    assert _signed_in(client)


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_an_error_page_on_a_session_less_path_offers_no_form_that_would_fail(client):
    """The language form there would carry a token no session holds: it is left out."""
    html = client.get("/static/x.css").get_data(as_text=True)
    assert "csrf_token" not in html
    assert 'class="button" href="/"' in html  # still a way back to the start page
    # Elsewhere the error page keeps its language switch.
    html = client.get("/no-such-page").get_data(as_text=True)
    assert 'name="csrf_token"' in html and 'name="lang"' in html
