"""Sign-in limits per account (whatever the address) and per address, and a bounded audit of
failed sign-ins."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from consult.accounts.models import AuditEntry, Role
from consult.accounts.operations import authenticate
from consult.accounts.views import LOGIN_ACCOUNT_LIMIT, LOGIN_ADDRESS_LIMIT
from consult.extensions import db

PER_ACCOUNT = int(LOGIN_ACCOUNT_LIMIT.split()[0])
PER_ADDRESS = int(LOGIN_ADDRESS_LIMIT.split()[0])


def _from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _fail(client, username: str = "target"):
    return client.post("/staff/login", data={"username": username, "password": "bad"})


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_wrong_passwords_for_one_account_are_limited_whatever_the_address(app, make):
    user = make.user(Role.admin, username="target")
    db.session.commit()
    codes = [_fail(_from(app, f"198.51.100.{n}")).status_code for n in range(PER_ACCOUNT + 1)]
    assert codes[:PER_ACCOUNT] == [200] * PER_ACCOUNT and codes[PER_ACCOUNT] == 429
    # Even the right password waits out the minute: otherwise the limit would not slow a guesser.
    right = _from(app, "203.0.113.9").post("/staff/login", data={
        "username": user.username, "password": "correct horse battery"})
    assert right.status_code == 429
    # Another account is not affected.
    assert _fail(_from(app, "203.0.113.9"), "someone-else").status_code == 200


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_account_names_are_compared_as_sign_in_compares_them(app, make):
    make.user(Role.admin, username="target")
    db.session.commit()
    spellings = ["target", "TARGET", " Target ", "tArGeT"]
    codes = [_fail(_from(app, f"198.51.100.{n}"), spellings[n % 4]).status_code
             for n in range(PER_ACCOUNT + 1)]
    assert codes[PER_ACCOUNT] == 429


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_one_address_trying_many_accounts_is_limited(app, make):
    db.session.commit()
    client = _from(app, "198.51.100.1")
    codes = [_fail(client, f"user{n}").status_code for n in range(PER_ADDRESS + 1)]
    assert codes[:PER_ADDRESS] == [200] * PER_ADDRESS and codes[PER_ADDRESS] == 429
    assert _fail(_from(app, "198.51.100.2"), "user-x").status_code == 200


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_successful_sign_ins_do_not_count(app, make):
    user = make.user(Role.facilitator, username="busy")
    db.session.commit()
    client = _from(app, "198.51.100.1")
    for _ in range(PER_ACCOUNT + PER_ADDRESS):
        response = client.post("/staff/login", data={"username": user.username,
                                                     "password": "correct horse battery"})
        assert response.status_code == 302
        client.post("/staff/logout")


def _failed_rows():
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.login_failed")
                              .order_by(AuditEntry.id)).all()


def test_failed_sign_ins_make_one_audit_row_per_account_and_minute(app, make):
    user = make.user(Role.admin, username="target")
    db.session.commit()
    minute = datetime(2025, 3, 4, 9, 15)
    for second in range(0, 60, 2):  # 30 failures in one minute
        assert authenticate("Target", "bad", now=minute + timedelta(seconds=second)) is None
    assert authenticate("nobody", "bad", now=minute + timedelta(seconds=5)) is None
    assert authenticate("target", "bad", now=minute + timedelta(seconds=61)) is None
    db.session.commit()
    rows = _failed_rows()
    assert [(r.details["username"], r.details["count"]) for r in rows] == [
        ("target", 30), ("nobody", 1), ("target", 1)]
    first = rows[0]
    assert first.created_at == minute and first.target_id == user.id
    assert first.details["last_at"] == (minute + timedelta(seconds=58)).isoformat()


def test_a_fuzz_run_of_failed_sign_ins_stays_a_few_rows(client, make):
    make.user(Role.admin, username="target")
    db.session.commit()
    for _ in range(200):
        assert _fail(client).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) <= 2  # a minute edge
    assert sum(r.details["count"] for r in _failed_rows()) == 200
