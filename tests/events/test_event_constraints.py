"""Database rules on events and participants."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from consult.events.models import JOIN_CODE_ALPHABET, new_join_code
from consult.extensions import db


def test_join_code_is_unique(make):
    make.event(join_code="ABCDEF")
    db.session.commit()
    with pytest.raises(IntegrityError):
        make.event(join_code="ABCDEF")
    db.session.rollback()


def test_participant_token_is_unique(make):
    event = make.event()
    make.participant(event, token="same-token")
    db.session.commit()
    with pytest.raises(IntegrityError):
        make.participant(event, token="same-token")
    db.session.rollback()


def test_thresholds_must_be_percentages(make):
    with pytest.raises(IntegrityError):
        make.event(validate_pct=120)
    db.session.rollback()


def test_unknown_status_is_refused_by_the_database(make):
    from sqlalchemy import text

    event = make.event()
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE events SET status = 'bogus' WHERE id = :id"),
                           {"id": event.id})
        db.session.commit()
    db.session.rollback()


def test_new_event_has_the_default_sectors_and_a_readable_code(make):
    from consult.events.operations import create_event

    event = create_event(title_en="New")
    assert [s.position for s in event.sectors] == [1, 2, 3, 4, 5, 6]
    assert all(s.label_en and s.label_km for s in event.sectors)
    assert len(new_join_code()) == 6 and set(new_join_code()) <= set(JOIN_CODE_ALPHABET)
    assert event.status == "draft" and event.join_mode == "open"
