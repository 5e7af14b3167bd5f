"""Staff accounts (admin): create with a one-time password, deactivate, reset, change role."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from consult.accounts.models import AuditEntry, Role, User
from consult.accounts.operations import change_role, set_active
from consult.errors import ConsultError
from consult.events.models import EventStaff
from consult.extensions import db
from tests.conftest import login
from tests.factories import DEFAULT_PASSWORD

PASSWORD_SHOWN = re.compile(r'<code lang="en">([^<]+)</code>')


def _password_on(response) -> str:
    match = PASSWORD_SHOWN.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:500]
    return match.group(1)


def _signs_in(app, username: str, password: str) -> bool:
    other = app.test_client()
    response = other.post("/staff/login", data={"username": username, "password": password})
    return response.status_code == 302


def _signed_in(client) -> bool:
    return client.get("/staff/").status_code == 200


def _actions(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def admin(make):
    user = make.user(Role.admin, username="admin")
    db.session.commit()
    return user


def test_a_new_account_gets_a_password_shown_once_that_signs_in(app, client, make, admin):
    event = make.event()
    other_event = make.event()
    db.session.commit()
    login(client, admin)
    form = client.get("/staff/users/new")
    assert form.status_code == 200
    assert event.join_code in form.get_data(as_text=True)

    response = client.post("/staff/users/new", data={
        "username": " Dara ", "display_name": "Dara Sok", "role": "analyst",
        "events": [str(event.id)]})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = _password_on(response)
    page = response.get_data(as_text=True)
    assert "shown only now" in page and "change it" in page

    user = db.session.scalar(select(User).where(User.username == "dara"))
    assert user.role == Role.analyst and user.display_name == "Dara Sok" and user.active
    teams = {(m.event_id, m.role) for m in db.session.scalars(
        select(EventStaff).where(EventStaff.user_id == user.id))}
    assert teams == {(event.id, "analyst")}
    assert other_event.id not in {e for e, _ in teams}
    created = _actions("user.create")
    assert [(e.user_id, e.target_id, e.details["role"]) for e in created] == [
        (admin.id, user.id, "analyst")]
    assert len(_actions("event.team")) == 1

    # Shown once: the list, the session and any later page do not hold it.
    listing = client.get("/staff/users").get_data(as_text=True)
    assert password not in listing and "dara" in listing
    assert password not in str(client.get_cookie("session").value)
    assert _signs_in(app, "dara", password)
    newcomer = app.test_client()
    login(newcomer, user, password)
    assert client.get(f"/staff/events/{event.id}/results").status_code == 200


def test_an_administrator_account_joins_no_team(client, make, admin):
    event = make.event()
    db.session.commit()
    login(client, admin)
    response = client.post("/staff/users/new", data={
        "username": "vanna", "role": "admin", "events": [str(event.id)]})
    assert response.status_code == 200
    user = db.session.scalar(select(User).where(User.username == "vanna"))
    assert user.role == Role.admin and user.display_name == "vanna"
    assert db.session.scalar(select(func.count()).select_from(EventStaff)) == 0


@pytest.mark.parametrize(("data", "message"), [
    ({"username": "admin", "role": "analyst"}, "This user name is taken."),
    ({"username": "ADMIN ", "role": "analyst"}, "This user name is taken."),
    ({"username": "", "role": "analyst"}, "Please type a user name."),
    ({"username": "   ", "role": "analyst"}, "A user name is required"),
    ({"username": "x" * 81, "role": "analyst"}, "At most 80 characters."),
    ({"username": "sokha", "display_name": "y" * 201, "role": "analyst"},
     "At most 200 characters."),
    ({"username": "sokha", "role": "owner"}, "Unknown role."),
    ({"username": "sokha"}, "Please choose a role."),
    ({"username": "sokha", "role": "analyst", "events": ["999999"]},
     "This event does not exist any more."),
])
def test_bad_input_creates_nothing(client, admin, data, message):
    login(client, admin)
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    response = client.post("/staff/users/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert "<code lang=\"en\">" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert db.session.scalar(select(func.count()).select_from(EventStaff)) == 0


def test_deactivating_ends_sessions_and_sign_in_until_reactivated(app, client, make, admin):
    user = make.user(Role.facilitator, username="sopheap")
    db.session.commit()
    theirs = app.test_client()
    login(theirs, user)
    login(client, admin)

    response = client.post(f"/staff/users/{user.id}/deactivate")
    assert response.status_code == 302
    assert "sopheap is deactivated" in client.get("/staff/users").get_data(as_text=True)
    assert not _signed_in(theirs)
    assert not _signs_in(app, "sopheap", DEFAULT_PASSWORD)
    assert [e.target_id for e in _actions("user.deactivate")] == [user.id]

    client.post(f"/staff/users/{user.id}/reactivate")
    assert "sopheap can sign in again" in client.get("/staff/users").get_data(as_text=True)
    assert _signs_in(app, "sopheap", DEFAULT_PASSWORD)
    assert [e.user_id for e in _actions("user.reactivate")] == [admin.id]


def test_an_admin_cannot_deactivate_themselves(client, admin):
    login(client, admin)
    response = client.post(f"/staff/users/{admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.active and not _actions("user.deactivate")


def test_the_last_active_administrator_stays(make, admin):
    """Through the web only another active admin acts, so this guards the command line and
    two admins demoting each other at once (the admins' rows are locked while checked)."""
    other = make.user(Role.admin, username="other")
    other.active = False
    db.session.flush()
    with force_locale("en"), pytest.raises(ConsultError, match="last active administrator"):
        set_active(admin, False, actor=None)
    with force_locale("en"), pytest.raises(ConsultError, match="last active administrator"):
        change_role(admin, "facilitator", actor=None)
    db.session.rollback()
    assert admin.active and admin.role == Role.admin


def test_reset_password_shows_a_new_one_and_ends_sessions(app, client, make, admin):
    user = make.user(Role.analyst, username="sokha")
    db.session.commit()
    theirs = app.test_client()
    login(theirs, user)
    login(client, admin)

    response = client.post(f"/staff/users/{user.id}/reset-password")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = _password_on(response)
    assert password != DEFAULT_PASSWORD
    assert not _signed_in(theirs)
    assert not _signs_in(app, "sokha", DEFAULT_PASSWORD)
    assert _signs_in(app, "sokha", password)
    assert [(e.user_id, e.target_id) for e in _actions("user.password_reset")] == [
        (admin.id, user.id)]


def test_an_admin_resets_their_own_password_on_its_page(client, admin):
    login(client, admin)
    response = client.post(f"/staff/users/{admin.id}/reset-password", follow_redirects=True)
    assert "Change your own password" in response.get_data(as_text=True)
    assert not _actions("user.password_reset")
    assert _signed_in(client)


def test_role_changes(app, client, make, admin):
    event = make.event()
    facilitator = make.user(Role.facilitator, username="dara")
    second_admin = make.user(Role.admin, username="vanna")
    db.session.commit()
    login(client, admin)

    # A facilitator becomes admin: they leave the teams (admins work on every event).
    page = client.post(f"/staff/users/{facilitator.id}/role", data={"role": "admin"},
                       follow_redirects=True).get_data(as_text=True)
    assert "dara is now: Administrator." in page and event.join_code in page
    assert db.session.scalar(select(func.count()).select_from(EventStaff)) == 0
    entry, = _actions("user.role")
    assert entry.details["before"] == "facilitator" and entry.details["after"] == "admin"
    assert entry.details["teams_left"] == [event.join_code]

    # An admin becomes analyst: on no team until added, so no event is theirs.
    page = client.post(f"/staff/users/{second_admin.id}/role", data={"role": "analyst"},
                       follow_redirects=True).get_data(as_text=True)
    assert "vanna is now: Analyst." in page and "on no event&#39;s team" in page
    theirs = app.test_client()
    login(theirs, second_admin)
    assert theirs.get(f"/staff/events/{event.id}/results").status_code == 403
    assert theirs.get("/staff/users").status_code == 403

    # Refused: an unknown role, one's own role; nothing changes and nothing is recorded.
    page = client.post(f"/staff/users/{facilitator.id}/role", data={"role": "owner"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Unknown role." in page
    page = client.post(f"/staff/users/{admin.id}/role", data={"role": "analyst"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Another administrator must change your role." in page
    db.session.refresh(admin)
    assert admin.role == Role.admin and len(_actions("user.role")) == 2


STAFF_PAGES = [("GET", "/staff/users"), ("GET", "/staff/users/new"),
               ("POST", "/staff/users/new"), ("POST", "/staff/users/{id}/deactivate"),
               ("POST", "/staff/users/{id}/reactivate"), ("POST", "/staff/users/{id}/role"),
               ("POST", "/staff/users/{id}/reset-password"), ("GET", "/staff/audit"),
               ("GET", "/staff/audit.csv")]


@pytest.mark.parametrize("role", [Role.facilitator, Role.analyst])
@pytest.mark.parametrize(("method", "path"), STAFF_PAGES)
def test_only_admins_manage_staff(client, make, admin, role, method, path):
    user = make.user(role, username="someone")
    db.session.commit()
    login(client, user)
    data = {"username": "newbie", "role": "admin"}
    response = client.open(path.format(id=admin.id), method=method, data=data)
    assert response.status_code == 403
    db.session.refresh(admin)
    assert admin.active and user.role == role
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
