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


def test_past_deadline_and_close_at_the_deadline(round_):
    now = utcnow()
    round_.open(closes_at=now + timedelta(minutes=2), now=now)
    assert not round_.past_deadline(now + timedelta(minutes=1))
    assert round_.past_deadline(now + timedelta(minutes=2))
    round_.close(now=now + timedelta(minutes=5))
    assert round_.closed_at == now + timedelta(minutes=2)


def test_reveal_needs_an_opened_round(round_):
    with pytest.raises(InvalidTransition):
        round_.reveal()
    round_.open()
    round_.reveal()
    assert round_.results_revealed and round_.revealed_at is not None
    round_.reveal(False)
    assert not round_.results_revealed
