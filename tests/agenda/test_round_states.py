"""The round state machine refuses invalid moves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale

from consult.agenda.models import RoundState
from consult.errors import InvalidTransition
from consult.timeutil import utcnow


@pytest.fixture
def round_(make):
    event = make.event()
    return make.round(event)


def test_open_close_reopen(round_):
    version = round_.event.state_version
    round_.open()
    assert round_.state == RoundState.open and round_.opened_at is not None
    round_.close()
    assert round_.state == RoundState.closed and round_.closed_at is not None
    round_.reopen()
    assert round_.state == RoundState.open
    assert round_.event.state_version == version + 3


@pytest.fixture(autouse=True)
def _english(app):
    """Read the refusals in English (outside a request the default language is Khmer)."""
    with force_locale("en"):
        yield


def test_cannot_open_twice(round_):
    round_.open()
    with pytest.raises(InvalidTransition, match="already open"):
        round_.open()


def test_cannot_close_a_draft(round_):
    with pytest.raises(InvalidTransition, match="not been opened"):
        round_.close()


def test_cannot_open_a_closed_round_without_reopen(round_):
    round_.open()
    round_.close()
    with pytest.raises(InvalidTransition):
        round_.open()
    with pytest.raises(InvalidTransition):
        round_.close()


def test_reopen_only_from_closed(round_):
    with pytest.raises(InvalidTransition):
        round_.reopen()


def test_deadline_must_be_in_the_future(round_):
    with pytest.raises(InvalidTransition, match="future"):
        round_.open(closes_at=utcnow() - timedelta(seconds=1))
    assert round_.state == RoundState.draft


def test_deadline_ends_answers_and_closes_at_the_deadline(round_):
    now = utcnow()
    round_.open(closes_at=now + timedelta(minutes=2), now=now)
    assert round_.accepts_answers_at(now + timedelta(minutes=1))
    assert not round_.accepts_answers_at(now + timedelta(minutes=2))
    assert round_.overdue_at(now + timedelta(minutes=2))
    round_.close(now=now + timedelta(minutes=5))
    assert round_.closed_at == now + timedelta(minutes=2)


@pytest.mark.parametrize(("state", "deadline", "accepting"), [
    ("draft", None, False), ("open", None, True), ("open", 60, True), ("open", 0, False),
    ("open", -60, False), ("closed", None, False), ("closed", 60, False),
])
def test_accepting_answers_is_the_same_rule_in_python_and_sql(make, state, deadline, accepting):
    """One definition, two evaluations: the loaded row and the SQL filter must agree."""
    from sqlalchemy import select

    from consult.agenda.models import Round
    from consult.extensions import db

    now = utcnow().replace(microsecond=0)
    event = make.event()
    round_ = make.round(event, state=RoundState(state),
                        opened_at=now - timedelta(hours=1) if state != "draft" else None,
                        closed_at=now if state == "closed" else None,
                        closes_at=None if deadline is None else now + timedelta(seconds=deadline))
    db.session.commit()
    assert round_.accepts_answers_at(now) is accepting
    in_sql = db.session.scalar(select(Round.id).where(Round.id == round_.id,
                                                      Round.accepts_answers_at(now)))
    assert (in_sql is not None) is accepting
    overdue_sql = db.session.scalar(select(Round.id).where(Round.id == round_.id,
                                                           Round.overdue_at(now)))
    assert (overdue_sql is not None) is (state == "open" and not accepting)
    assert round_.overdue_at(now) is (state == "open" and not accepting)


def test_reopening_hides_revealed_results(round_):
    round_.open()
    round_.close()
    round_.reveal()
    round_.reopen()
    assert not round_.results_revealed and round_.revealed_at is None


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_rounds_open_only_in_a_live_event(make, status):
    from consult.events.models import EventStatus

    event = make.event(status=EventStatus(status))
    round_ = make.round(event)
    with pytest.raises(InvalidTransition):
        round_.open()
    assert round_.state == RoundState.draft


def test_reveal_needs_an_opened_round(round_):
    with pytest.raises(InvalidTransition):
        round_.reveal()
    round_.open()
    round_.reveal()
    assert round_.results_revealed and round_.revealed_at is not None
    round_.reveal(False)
    assert not round_.results_revealed
