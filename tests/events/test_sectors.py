"""Admins add, rename, reorder and delete sectors; a sector in use is never deleted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role
from consult.events.models import Event, Sector
from consult.extensions import db
from tests.conftest import login


@pytest.fixture
def setup(client, make):
    event = make.event()
    admin = make.user(Role.admin)
    db.session.commit()
    login(client, admin)
    return event, f"/staff/events/{event.id}/sectors"


def _labels(event_id):
    return [s.label_en for s in db.session.get(Event, event_id).sectors]


def test_add_and_rename(client, setup):
    event, url = setup
    assert client.get(url).status_code == 200
    response = client.post(url, data={"action": "add", "label_en": " Farmers ",
                                      "label_km": "កសិករ"})
    assert response.status_code == 302
    assert _labels(event.id)[-1] == "Farmers"
    sector = db.session.get(Event, event.id).sectors[0]
    client.post(url, data={"action": "rename", "sector_id": sector.id,
                           "label_en": "Government", "label_km": "រាជរដ្ឋាភិបាល"})
    renamed = db.session.get(Sector, sector.id)
    assert (renamed.label_en, renamed.label_km) == ("Government", "រាជរដ្ឋាភិបាល")
    changes = db.session.scalars(select(AuditEntry.details).where(
        AuditEntry.action == "event.sectors")).all()
    assert [c["change"] for c in changes] == ["add", "rename"]


def test_a_sector_needs_a_name(client, setup):
    event, url = setup
    response = client.post(url, data={"action": "add", "label_en": "", "label_km": " "})
    assert response.status_code == 400
    assert "A sector needs a name in Khmer or English." in response.get_data(as_text=True)
    assert len(_labels(event.id)) == 6


def test_reorder_with_buttons(client, setup):
    event, url = setup
    before = _labels(event.id)
    first, _second = db.session.get(Event, event.id).sectors[:2]
    assert client.post(url, data={"action": "down", "sector_id": first.id}).status_code == 302
    assert _labels(event.id) == [before[1], before[0], *before[2:]]
    client.post(url, data={"action": "up", "sector_id": first.id})
    assert _labels(event.id) == before
    client.post(url, data={"action": "up", "sector_id": first.id})  # the top stays the top
    assert _labels(event.id) == before
    last = db.session.get(Event, event.id).sectors[-1]
    client.post(url, data={"action": "up", "sector_id": last.id})
    assert _labels(event.id)[-2] == before[-1]


def test_delete_an_unused_sector(client, setup):
    event, url = setup
    event_id = event.id
    sector_id = db.session.get(Event, event_id).sectors[-1].id
    assert client.post(url, data={"action": "delete", "sector_id": sector_id}).status_code == 302
    db.session.expunge_all()
    assert db.session.get(Sector, sector_id) is None and len(_labels(event_id)) == 5


def test_a_sector_with_participants_is_not_deleted(client, setup, make):
    event, url = setup
    sector = db.session.get(Event, event.id).sectors[1]
    make.participant(db.session.get(Event, event.id), sector=sector)
    db.session.commit()
    assert "cannot be deleted" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"action": "delete", "sector_id": sector.id})
    assert response.status_code == 409
    assert "participants have chosen it" in response.get_data(as_text=True)
    assert db.session.get(Sector, sector.id) is not None


def test_another_events_sector_is_not_found(client, setup, make):
    _event, url = setup
    other = make.event()
    db.session.commit()
    response = client.post(url, data={"action": "delete", "sector_id": other.sectors[0].id})
    assert response.status_code == 404
    assert len(db.session.get(Event, other.id).sectors) == 6


@pytest.mark.parametrize("role", ["facilitator", "analyst"])
def test_only_admins_edit_sectors(client, make, role):
    event = make.event()
    user = make.user(Role(role))
    db.session.commit()
    login(client, user)
    url = f"/staff/events/{event.id}/sectors"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"action": "add", "label_en": "X"}).status_code == 403
    assert len(_labels(event.id)) == 6
