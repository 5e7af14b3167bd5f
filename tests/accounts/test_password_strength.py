"""Staff passwords: the obviously weak are refused, on every path that sets one.

The one rule is ``consult.accounts.operations.check_new_password``; creating an account (web,
CLI, demo seed) and changing a password both call it. Ten spaces were accepted before.
"""

from __future__ import annotations

import secrets

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from consult.accounts.models import Role, User
from consult.accounts.operations import change_password, check_new_password, create_user
from consult.errors import ConsultError
from consult.extensions import db

GUESSABLE = "This password is too easy to guess. Use a longer one: several unrelated words, or a " \
            "mix of words, digits and signs."
HAS_NAME = "The password must not contain the user name."


@pytest.mark.parametrize(("username", "password", "message"), [
    ("chenda", " " * 10, GUESSABLE),
    ("chenda", "0123456789", GUESSABLE),
    ("chenda", "aaaaaaaaaaaa", GUESSABLE),
    ("chenda", "password1234", GUESSABLE),
    ("chenda", "qwertyuiop12", GUESSABLE),
    ("chenda", "Password2024!", GUESSABLE),
    ("facilitator1", "facilitator1", HAS_NAME),
    ("facilitator1", "Facilitator1", HAS_NAME),
    ("sokha.admin", "my-sokha.admin-pass-77", HAS_NAME),
])
def test_weak_passwords_are_refused(app, username, password, message):
    with pytest.raises(ConsultError) as refused:
        create_user(username, password, Role.facilitator)
    with force_locale("en"):
        assert str(refused.value.message) == message
    assert db.session.scalar(select(User)) is None


@pytest.mark.parametrize("password", ["correct horse battery", "river-of-lanterns-9",
                                      "Tonle Sap at dawn 1970", "ana-banana-split-42"])
def test_strong_passwords_pass(app, password):
    user = create_user("ana", password, Role.analyst)
    assert user.check_password(password)


def test_changing_a_password_follows_the_same_rule(app, make):
    user = make.user(Role.facilitator, username="dara")
    with pytest.raises(ConsultError):
        change_password(user, " " * 10)
    with pytest.raises(ConsultError):
        change_password(user, "dara-dara-dara")
    change_password(user, "river-of-lanterns-9")
    assert user.check_password("river-of-lanterns-9")


@pytest.mark.parametrize("lang", ["en", "km"])
def test_the_cli_says_why_in_the_language_of_the_app(app, lang):
    app.config["BABEL_DEFAULT_LOCALE"] = lang
    result = app.test_cli_runner().invoke(args=["consult", "create-user", "chenda", "--role",
                                                "analyst"], input=" " * 10 + "\n")
    assert result.exit_code != 0
    with app.test_request_context(), force_locale(lang):
        assert gettext(GUESSABLE) in result.output
    assert db.session.scalar(select(User)) is None


def test_generated_demo_passwords_pass(app, tmp_path):
    """The demo seed's generated passwords (16 random URL-safe characters) always pass."""
    from consult.demo import seed_demo

    result = seed_demo(str(tmp_path))
    assert result.passwords
    for username, password in result.passwords.items():
        check_new_password(password, username)
    for _ in range(200):
        check_new_password(secrets.token_urlsafe(12), "facilitator")


def test_a_very_long_password_is_judged_quickly_enough(app):
    check_new_password("correct horse battery " * 500, "chenda")  # no hang, no error
