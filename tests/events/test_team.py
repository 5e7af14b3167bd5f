"""Admins put staff on an event's team; staff see and work on their own events only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role
from consult.events.models import EventStaff
from consult.extensions import db
from tests.conftest import login


@pytest.fixture
def team(client, make):
    event = make.event()
    other = make.event()
    admin = make.user(Role.admin)
    facilitator = make.user(Role.facilitator, team=False)
    analyst = make.user(Role.analyst, team=False)
    db.session.commit()
    login(client, admin)
    return event, other, facilitator, analyst, f"/staff/events/{event.id}/team"


def _role(event, user):
    member = db.session.get(EventStaff, (event.id, user.id))
    return member.role if member is not None else None


def test_add_change_and_remove(client, team):
    event, _other, facilitator, analyst, url = team
    html = client.get(url).get_data(as_text=True)
    assert f'<option value="{facilitator.id}">' in html  # a candidate, not a member yet
    assert client.post(url, data={"action": "add", "user_id": facilitator.id,
                                  "role": "facilitator"}).status_code == 302
    client.post(url, data={"action": "add", "user_id": analyst.id, "role": "analyst"})
    assert (_role(event, facilitator), _role(event, analyst)) == ("facilitator", "analyst")
    client.post(url, data={"action": "role", "user_id": analyst.id, "role": "facilitator"})
    assert _role(event, analyst) == "facilitator"
    client.post(url, data={"action": "remove", "user_id": analyst.id})
    assert _role(event, analyst) is None
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event.team")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.details["before"], e.details["after"]) for e in entries] == [
        (None, "facilitator"), (None, "analyst"), ("analyst", "facilitator"),
        ("facilitator", None)]


@pytest.mark.parametrize("data", [
    {"action": "add", "user_id": "999999", "role": "analyst"},
    {"action": "add", "user_id": "{facilitator}", "role": "admin"},
    {"action": "role", "user_id": "{facilitator}", "role": "analyst"},  # not on the team
    {"action": "remove", "user_id": "{facilitator}"},
    {"action": "fire", "user_id": "{facilitator}"},
    {"action": "add", "user_id": "", "role": "analyst"},
])
def test_bad_requests_change_nothing(client, team, data):
    event, _other, facilitator, _analyst, url = team
    data = {k: v.format(facilitator=facilitator.id) for k, v in data.items()}
    assert client.post(url, data=data).status_code == 400
    assert db.session.scalars(select(EventStaff).where(EventStaff.event_id == event.id)).all() \
        == []


def test_an_admin_is_not_put_on_a_team(client, team, make):
    _event, _other, _facilitator, _analyst, url = team
    other_admin = make.user(Role.admin)
    db.session.commit()
    response = client.post(url, data={"action": "add", "user_id": other_admin.id,
                                      "role": "analyst"})
    assert response.status_code == 400


def test_a_removed_facilitator_loses_the_console(client, team, app):
    event, other, facilitator, _analyst, url = team
    client.post(url, data={"action": "add", "user_id": facilitator.id, "role": "facilitator"})
    staff = app.test_client()
    login(staff, facilitator)
    assert staff.get(f"/staff/events/{event.id}/console").status_code == 200
    home = staff.get("/staff/").get_data(as_text=True)
    assert event.join_code in home and other.join_code not in home
    client.post(url, data={"action": "remove", "user_id": facilitator.id})
    assert staff.get(f"/staff/events/{event.id}/console").status_code == 403
    assert event.join_code not in staff.get("/staff/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["facilitator", "analyst"])
def test_only_admins_see_or_edit_the_team(client, make, role):
    event = make.event()
    user = make.user(Role(role))
    outsider = make.user(Role.analyst, team=False)
    db.session.commit()
    login(client, user)
    url = f"/staff/events/{event.id}/team"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"action": "add", "user_id": outsider.id,
                                  "role": "analyst"}).status_code == 403
    assert _role(event, outsider) is None
