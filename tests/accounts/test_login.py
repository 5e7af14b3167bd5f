"""Staff sign-in, sign-out, and the create-user command."""

from __future__ import annotations

import pytest
from flask_babel import gettext as _
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role, User
from consult.extensions import db
from tests.conftest import login


def test_login_and_logout(client, make):
    user = make.user(Role.facilitator, username="sopheap")
    db.session.commit()
    response = login(client, user)
    assert response.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert client.post("/staff/logout").status_code == 302
    assert client.get("/staff/").status_code == 302
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "user.login" in actions and "user.logout" in actions


@pytest.mark.parametrize("lang, message", [("en", "user name or password is wrong"),
                                           ("km", "ឈ្មោះអ្នកប្រើ")])
def test_wrong_password_is_refused_with_a_translated_message(client, make, lang, message):
    make.user(Role.admin, username="dara")
    db.session.commit()
    client.post("/language", data={"lang": lang, "next": "/"})
    response = client.post("/staff/login", data={"username": "dara", "password": "nope"})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry.action)) == "user.login_failed"


def test_inactive_user_cannot_sign_in(client, make):
    make.user(Role.admin, username="old", active=False)
    db.session.commit()
    response = client.post("/staff/login", data={"username": "old",
                                                 "password": "correct horse battery"})
    assert response.status_code == 200


def test_login_redirect_stays_on_site(client, make):
    user = make.user(Role.admin, username="vanna")
    db.session.commit()
    response = client.post("/staff/login?next=https://evil.example/",
                           data={"username": user.username, "password": "correct horse battery"})
    assert response.headers["Location"] == "/staff/"


def test_staff_pages_need_sign_in(client):
    response = client.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_login_attempts_are_limited_per_account_and_address(app, client, make):
    make.user(Role.admin, username="target")
    db.session.commit()
    codes = [client.post("/staff/login", data={"username": "target", "password": "bad"}
                         ).status_code for _ in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429
    # Another account from the same address is not locked out.
    assert client.post("/staff/login", data={"username": "other", "password": "bad"}
                       ).status_code == 200


def test_create_user_command_reads_the_password_from_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["consult", "create-user", "Chenda", "--role", "analyst"],
                           input="a-long-password\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "chenda"))
    assert user.role == Role.analyst and user.check_password("a-long-password")


@pytest.mark.parametrize(("args", "password", "message"), [
    (["chenda", "--role", "analyst"], "short",
     lambda: _("The password must have at least %(n)d characters.", n=10)),
    (["chenda", "--role", "boss"], "a-long-password", lambda: "Invalid value"),
])
def test_create_user_command_refuses_bad_input(app, args, password, message):
    result = app.test_cli_runner().invoke(args=["consult", "create-user", *args],
                                          input=password + "\n")
    # The CLI speaks the default language (Khmer unless DEFAULT_LOCALE says otherwise).
    assert result.exit_code != 0 and message() in result.output
    assert db.session.scalar(select(User)) is None


def test_create_user_refuses_a_taken_name(app, make):
    make.user(Role.admin, username="chenda")
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["consult", "create-user", "Chenda", "--role", "analyst"], input="a-long-password\n")
    assert result.exit_code != 0 and _("This user name is taken.") in result.output
