"""Deadlines far away read as a date and time in the event's zone, and count down in days."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from consult.accounts.models import Role
from consult.extensions import db
from consult.timeutil import utcnow
from tests.conftest import login
from tests.helpers import as_participant, workshop


def _far_deadline():
    """Fourteen days ahead at 20:00 UTC: 03:00 the next day in Phnom Penh (UTC+7)."""
    day = utcnow().replace(hour=20, minute=0, second=0, microsecond=0) + timedelta(days=14)
    local = day + timedelta(hours=7)
    return day, local


@pytest.fixture
def far(make):
    event, round_, _ = workshop(make, timezone="Asia/Phnom_Penh")
    closes_at, local = _far_deadline()
    round_.closes_at = closes_at
    participant = make.participant(event)
    facilitator = make.user(Role.facilitator)
    db.session.commit()
    return event, round_, participant, facilitator, closes_at, local


def _pages(client, far):
    event, round_, participant, facilitator, *_ = far
    as_participant(client, participant)
    phone = client.get(f"/e/{event.join_code}/rounds/{round_.id}").get_data(as_text=True)
    screen = client.get(f"/e/{event.join_code}/screen/live?k={event.screen_token}"
                        ).get_data(as_text=True)
    login(client, facilitator)
    console = client.get(f"/staff/events/{event.id}/console/agenda").get_data(as_text=True)
    return {"phone": phone, "screen": screen, "console": console}


def test_a_deadline_on_another_day_shows_its_date_in_the_events_zone(client, far):
    *_, local = far
    date = f"{local:%A} {local.day} {local:%B} {local.year}"
    for name, html in _pages(client, far).items():
        [text] = re.findall(r'<span class="deadline-at">([^<]*)</span>', html)
        # The local day (the day after the UTC one) and the local time, 03:00, not 20:00.
        assert text.endswith(f"on {date} at 03:00"), (name, text)
    assert "Voting closes on" in _pages(client, far)["phone"]


def test_the_countdown_gets_its_words_from_the_server(client, far):
    *_, closes_at, _local = far
    for name, html in _pages(client, far).items():
        assert f'data-closes-at="{closes_at.isoformat()}Z"' in html, name
        assert 'data-days="{d} d {h} h"' in html, name
        assert 'data-hours="{h} h {m} min"' in html, name
        assert 'data-digits="0123456789"' in html, name


def test_a_deadline_today_shows_the_time_only(client, make):
    event, round_, _ = workshop(make, timezone="UTC")
    round_.closes_at = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=2)
    if round_.closes_at.date() != utcnow().date():  # a run at 23:58 UTC
        pytest.skip("the deadline falls tomorrow")
    db.session.commit()
    html = client.get(f"/e/{event.join_code}/screen/live?k={event.screen_token}"
                      ).get_data(as_text=True)
    assert f"closes at {round_.closes_at:%H:%M}" in html and "closes on" not in html


def test_khmer_digits_reach_the_countdown(khmer_client, make):
    event, round_, _ = workshop(make, khmer_digits=True)
    round_.closes_at = utcnow() + timedelta(days=3)
    db.session.commit()
    html = khmer_client.get(f"/e/{event.join_code}/screen/live?k={event.screen_token}"
                            ).get_data(as_text=True)
    assert 'data-digits="០១២៣៤៥៦៧៨៩"' in html
