"""Undoing a close: within a minute, with the deadline the round had, never a stale reveal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from consult.accounts.models import AuditEntry
from consult.agenda import operations as ops
from consult.agenda.models import RoundState
from consult.errors import InvalidTransition
from consult.extensions import db
from consult.timeutil import utcnow


@pytest.fixture(autouse=True)
def _english(app):
    with force_locale("en"):
        yield


@pytest.fixture
def round_(make):
    event = make.event()
    round_ = make.round(event)
    make.item(event, round=round_)  # an empty round cannot be opened (the agenda builder's guard)
    return round_


def _audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_undo_close_reopens_with_the_same_deadline(make, round_):
    user = make.user()
    t0 = utcnow().replace(microsecond=0)
    ops.open_round(round_, user, 30, now=t0)
    deadline = round_.closes_at
    ops.close_round(round_, user, now=t0 + timedelta(minutes=5))
    assert ops.can_undo_close(round_, t0 + timedelta(minutes=5, seconds=59))
    ops.undo_close(round_, user, now=t0 + timedelta(minutes=5, seconds=30))
    assert round_.state == RoundState.open and round_.closes_at == deadline
    [entry] = _audit("round.undo_close")
    assert entry.user_id == user.id and entry.details["closes_at"] == deadline.isoformat()


def test_undo_close_without_a_deadline_left_reopens_without_one(make, round_):
    t0 = utcnow().replace(microsecond=0)
    ops.open_round(round_, None, 2, now=t0)
    ops.close_round(round_, None, now=t0 + timedelta(seconds=100))  # 20 s before the deadline
    ops.undo_close(round_, None, now=t0 + timedelta(seconds=130))  # the deadline has passed
    assert round_.state == RoundState.open and round_.closes_at is None


def test_undo_close_hides_results_revealed_after_the_close(make, round_):
    t0 = utcnow().replace(microsecond=0)
    ops.open_round(round_, None, None, now=t0)
    ops.close_round(round_, None, now=t0 + timedelta(seconds=10))
    ops.reveal_round(round_, None, True, now=t0 + timedelta(seconds=20))
    ops.undo_close(round_, None, now=t0 + timedelta(seconds=30))
    assert round_.state == RoundState.open and not round_.results_revealed


def test_undo_close_refused_after_a_minute(make, round_):
    t0 = utcnow().replace(microsecond=0)
    ops.open_round(round_, None, None, now=t0)
    ops.close_round(round_, None, now=t0 + timedelta(seconds=10))
    late = t0 + timedelta(seconds=71)
    assert not ops.can_undo_close(round_, late)
    with pytest.raises(InvalidTransition, match="can no longer be undone"):
        ops.undo_close(round_, None, now=late)
    assert round_.state == RoundState.closed and _audit("round.undo_close") == []


def test_a_close_by_the_deadline_cannot_be_undone(make, round_):
    t0 = utcnow().replace(microsecond=0) - timedelta(minutes=2)
    ops.open_round(round_, None, 1, now=t0)
    db.session.commit()
    assert ops.close_overdue_rounds(round_.event_id, now=t0 + timedelta(seconds=61)) == [round_.id]
    round_ = db.session.merge(round_)
    assert round_.state == RoundState.closed
    assert not ops.can_undo_close(round_, t0 + timedelta(seconds=62))


def test_open_and_draft_rounds_cannot_be_undone(make, round_):
    assert not ops.can_undo_close(round_)
    ops.open_round(round_, None)
    assert not ops.can_undo_close(round_)
    with pytest.raises(InvalidTransition):
        ops.undo_close(round_, None)
