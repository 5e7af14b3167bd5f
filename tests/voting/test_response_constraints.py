"""Database rules on responses, checked by the database itself (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from consult.extensions import db
from consult.voting.models import Response


def test_second_response_to_the_same_item_fails_in_the_database(make):
    event = make.event()
    item = make.item(event)
    person = make.participant(event)
    db.session.commit()
    row = {"participant_id": person.id, "item_id": item.id, "value": 4, "source": "web",
           "revision": 1}
    db.session.execute(insert(Response).values(**row))
    db.session.commit()
    with pytest.raises(IntegrityError) as error:
        db.session.execute(insert(Response).values(**{**row, "value": 2}))
        db.session.commit()
    db.session.rollback()
    assert "participant_id" in str(error.value) or "uq_responses" in str(error.value)
    assert db.session.query(Response).count() == 1


@pytest.mark.parametrize("value", [-1, 6])
def test_value_off_the_scale_is_refused(make, value):
    event = make.event()
    item = make.item(event)
    person = make.participant(event)
    with pytest.raises(IntegrityError):
        make.response(person, item, value=value)
    db.session.rollback()


def test_hidden_comment_needs_who_and_when(make):
    from consult.timeutil import utcnow

    event = make.event()
    item = make.item(event)
    person = make.participant(event)
    with pytest.raises(IntegrityError):
        make.response(person, item, comment="x", comment_hidden_at=utcnow())
    db.session.rollback()


def test_deleting_an_event_removes_its_responses(make):
    event = make.event()
    item = make.item(event)
    make.response(make.participant(event), item)
    db.session.commit()
    db.session.delete(event)
    db.session.commit()
    assert db.session.query(Response).count() == 0


def test_a_sector_in_use_cannot_be_deleted_alone(make):
    event = make.event()
    item = make.item(event)
    make.response(make.participant(event), item)
    db.session.commit()
    db.session.delete(event.sectors[0])
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
