"""Duplicating an event copies its settings, sectors and agenda, never its people or answers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult.accounts.models import AuditEntry, Role
from consult.agenda.models import Item, ItemKind, RoundState
from consult.events.models import Event, EventStatus
from consult.extensions import db
from consult.participants.models import Participant
from consult.voting.models import Response
from tests.conftest import login
from tests.helpers import workshop


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def source(client, make):
    event, _round, items = workshop(make, kinds=(ItemKind.agreement, ItemKind.choice,
                                                 ItemKind.ranking), validate_pct=70,
                                    timezone="Asia/Bangkok")
    event.sectors[0].label_en = "Ministries"
    second = make.section(event, key="B", title_en="Second")
    later = make.round(event, title_en="Re-vote")
    # A follow-up in another section, placed first in its round: positions must survive.
    follow = make.item(event, second, later, follows_item_id=items[0].id, code="F1",
                       round_position=2)
    make.item(event, event.sections[0], later, code="Z1", round_position=1)
    items[2].top_k = 2
    person = make.participant(event)
    make.response(person, items[0])
    admin = make.user(Role.admin)
    db.session.commit()
    login(client, admin)
    return event, follow


def test_duplicate_copies_the_agenda_without_answers(client, source):
    event, _follow = source
    page = client.get(f"/staff/events/{event.id}/duplicate")
    assert page.status_code == 200 and event.title_en in page.get_data(as_text=True)
    response = client.post(f"/staff/events/{event.id}/duplicate",
                           data={"title_en": "Next year's workshop", "title_km": ""})
    copy = db.session.scalar(select(Event).where(Event.id != event.id))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/events/{copy.id}/edit")
    assert copy.status == EventStatus.draft and copy.title_en == "Next year's workshop"
    assert copy.join_code != event.join_code and copy.screen_token != event.screen_token
    assert (copy.validate_pct, copy.timezone) == (70, "Asia/Bangkok")
    assert [s.label_en for s in copy.sectors] == [s.label_en for s in event.sectors]
    assert [(s.key, s.title_en) for s in copy.sections] == [
        (s.key, s.title_en) for s in event.sections]
    assert [r.title_en for r in copy.rounds] == [r.title_en for r in event.rounds]
    assert all(r.state == RoundState.draft for r in copy.rounds)

    def shape(e):
        return sorted((i.code, i.kind.value, i.prompt_en, i.section.position, i.position,
                       i.round.position if i.round else None, i.round_position, i.top_k,
                       [(o.code, o.label_en, o.label_km) for o in i.options],
                       i.follows_item.code if i.follows_item else None) for i in e.items)

    assert shape(copy) == shape(event)
    assert _count(Participant, Participant.event_id == copy.id) == 0
    assert _count(Response, Response.item_id.in_(
        select(Item.id).where(Item.event_id == copy.id))) == 0
    assert _count(Response) == 1  # the source's answer is still there


def test_follow_up_links_point_into_the_copy(client, source):
    event, _follow = source
    client.post(f"/staff/events/{event.id}/duplicate", data={"title_en": "Copy"})
    copy = db.session.scalar(select(Event).where(Event.id != event.id))
    follow = db.session.scalar(select(Item).where(Item.event_id == copy.id, Item.code == "F1"))
    assert follow.follows_item.event_id == copy.id
    assert follow.follows_item.code == event.rounds[0].items[0].code


def test_one_audit_entry_names_the_source(client, source):
    event, _follow = source
    client.post(f"/staff/events/{event.id}/duplicate", data={"title_en": "Copy"})
    copy = db.session.scalar(select(Event).where(Event.id != event.id))
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.event_id == copy.id)).all()
    assert [e.action for e in entries] == ["event.duplicate"]
    assert entries[0].details["source_id"] == event.id
    assert entries[0].details["source_join_code"] == event.join_code


def test_the_copy_needs_a_title(client, source):
    event, _follow = source
    response = client.post(f"/staff/events/{event.id}/duplicate",
                           data={"title_en": " ", "title_km": ""})
    assert response.status_code == 400
    assert "Please give a title in Khmer or English." in response.get_data(as_text=True)
    assert _count(Event) == 1


@pytest.mark.parametrize("role", ["facilitator", "analyst"])
def test_only_admins_duplicate(client, make, role):
    event = make.event()
    user = make.user(Role(role))
    db.session.commit()
    login(client, user)
    assert client.post(f"/staff/events/{event.id}/duplicate",
                       data={"title_en": "Copy"}).status_code == 403
    assert _count(Event) == 1
