"""Admins edit an event's thresholds; the results follow; others cannot."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role
from consult.events.models import Event
from consult.extensions import db
from tests.conftest import login

GOOD = {"validate_pct": "70", "sector_floor_pct": "40", "contest_pct": "45", "spread_pct": "25",
        "min_sector_n": "5", "min_cell": "4", "khmer_digits": "y"}


@pytest.mark.parametrize(("role", "code"), [("admin", 302), ("facilitator", 403),
                                            ("analyst", 403)])
def test_only_admins_change_thresholds(client, make, role, code):
    event = make.event()
    user = make.user(Role(role))
    db.session.commit()
    login(client, user)
    assert client.post(f"/staff/events/{event.id}/settings", data=GOOD).status_code == code
    saved = db.session.get(Event, event.id)
    assert (saved.validate_pct == 70) is (role == "admin")


def test_thresholds_saved_and_audited(client, make):
    event = make.event()
    admin = make.user(Role.admin)
    db.session.commit()
    login(client, admin)
    assert client.get(f"/staff/events/{event.id}/settings").status_code == 200
    client.post(f"/staff/events/{event.id}/settings", data=GOOD)
    saved = db.session.get(Event, event.id)
    assert (saved.validate_pct, saved.min_cell, saved.khmer_digits) == (70, 4, True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.thresholds"))
    assert entry.details["before"]["validate_pct"] == 66 and entry.details["after"]["min_cell"] == 4


@pytest.mark.parametrize(("field", "value", "message"), [
    ("validate_pct", "120", "Between 0 and 100"), ("min_cell", "0", "Between 1 and 1000"),
    ("spread_pct", "abc", "Not a valid decimal"), ("contest_pct", "80", "cannot be above"),
])
def test_bad_thresholds_are_refused(client, make, field, value, message):
    event = make.event()
    admin = make.user(Role.admin)
    db.session.commit()
    login(client, admin)
    response = client.post(f"/staff/events/{event.id}/settings", data={**GOOD, field: value})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.get(Event, event.id).validate_pct == 66


@pytest.mark.parametrize(("role", "code"), [("admin", 302), ("facilitator", 403),
                                            ("analyst", 403)])
def test_only_admins_change_the_status(client, make, role, code):
    from consult.events.models import EventStatus

    event = make.event(status=EventStatus.draft)
    user = make.user(Role(role))
    db.session.commit()
    login(client, user)
    assert client.post(f"/staff/events/{event.id}/status",
                       data={"status": "live"}).status_code == code
    assert (db.session.get(Event, event.id).status == EventStatus.live) is (role == "admin")


def test_status_moves_are_audited_and_bad_moves_refused(client, make):
    from consult.events.models import EventStatus
    from tests.helpers import workshop

    event, round_, _items = workshop(make)
    admin = make.user(Role.admin)
    db.session.commit()
    login(client, admin)
    url = f"/staff/events/{event.id}/status"
    # An open round blocks archiving: the room would lose its round mid-vote.
    page = client.post(url, data={"status": "archived"}, follow_redirects=True)
    assert "Close the open rounds before archiving" in page.get_data(as_text=True)
    assert db.session.get(Event, event.id).status == EventStatus.live
    client.post(f"/staff/events/{event.id}/rounds/{round_.id}/close")
    assert client.post(url, data={"status": "archived"}).status_code == 302
    assert db.session.get(Event, event.id).status == EventStatus.archived
    page = client.post(url, data={"status": "draft"}, follow_redirects=True)
    assert "cannot become a draft again" in page.get_data(as_text=True)
    assert client.post(url, data={"status": "nonsense"}).status_code == 302
    assert db.session.get(Event, event.id).status == EventStatus.archived
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event.status")).all()
    assert [(e.details["before"], e.details["after"]) for e in entries] == [("live", "archived")]
