"""The facilitator's console: opening, closing, countdowns, reveals, comments — audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role
from consult.agenda.models import Round, RoundState
from consult.extensions import db
from consult.timeutil import utcnow
from consult.voting.models import Response
from tests.conftest import login
from tests.helpers import workshop


@pytest.fixture
def staff(client, make):
    user = make.user(Role.facilitator, username="sokha")
    db.session.commit()
    login(client, user)
    return user


def _audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_open_with_countdown_close_reopen(client, make, staff):
    event, round_, _ = workshop(make, open_round=False)
    base = f"/staff/events/{event.id}/rounds/{round_.id}"
    before = utcnow()
    assert client.post(f"{base}/open", data={"minutes": "5"}).status_code == 302
    opened = db.session.get(Round, round_.id)
    assert opened.state == RoundState.open
    assert timedelta(minutes=4) < opened.closes_at - before <= timedelta(minutes=5, seconds=2)
    client.post(f"{base}/extend", data={"minutes": "10"})
    assert db.session.get(Round, round_.id).closes_at - before > timedelta(minutes=9)
    client.post(f"{base}/close")
    assert db.session.get(Round, round_.id).state == RoundState.closed
    client.post(f"{base}/open", data={"minutes": ""})
    reopened = db.session.get(Round, round_.id)
    assert reopened.state == RoundState.open and reopened.closes_at is None
    actions = [e.action for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "rounds").order_by(AuditEntry.id))]
    assert actions == ["round.open", "round.extend", "round.close", "round.reopen"]
    assert all(e.user_id == staff.id for e in _audit("round.open") + _audit("round.close"))


@pytest.mark.parametrize(("state", "action", "message"), [
    ("open", "open", "already open"),
    ("draft", "close", "not been opened"),
    ("closed", "close", "already closed"),
    ("draft", "extend", "Only an open round"),
    ("draft", "reveal", "has no results"),
])
def test_invalid_moves_are_refused_with_a_message(client, make, staff, state, action, message):
    event, round_, _ = workshop(make, open_round=state != "draft")
    if state == "closed":
        round_.close()
        db.session.commit()
    response = client.post(f"/staff/events/{event.id}/rounds/{round_.id}/{action}",
                           data={"minutes": "5"}, follow_redirects=True)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.get(Round, round_.id).state == state
    assert _audit(f"round.{action}") == []


@pytest.mark.parametrize("minutes", ["0", "-3", "abc", "999999"])
def test_bad_countdown_is_refused(client, make, staff, minutes):
    event, round_, _ = workshop(make, open_round=False)
    response = client.post(f"/staff/events/{event.id}/rounds/{round_.id}/open",
                           data={"minutes": minutes}, follow_redirects=True)
    assert response.status_code == 200
    assert db.session.get(Round, round_.id).state == RoundState.draft


def test_round_of_another_event_is_not_found(client, make, staff):
    event, _, _ = workshop(make)
    _, other_round, _ = workshop(make)
    response = client.post(f"/staff/events/{event.id}/rounds/{other_round.id}/close")
    assert response.status_code == 404


def test_reveal_and_hide_results(client, make, staff):
    event, round_, _ = workshop(make)
    base = f"/staff/events/{event.id}/rounds/{round_.id}"
    client.post(f"{base}/reveal")
    assert db.session.get(Round, round_.id).results_revealed
    client.post(f"{base}/hide-results")
    assert not db.session.get(Round, round_.id).results_revealed
    assert len(_audit("round.reveal")) == 1 and len(_audit("round.hide_results")) == 1


def test_hide_and_show_a_comment_keeps_it(client, make, staff):
    event, _, items = workshop(make)
    response = make.response(make.participant(event), items[0], comment="Off-topic remark")
    db.session.commit()
    url = f"/staff/events/{event.id}/responses/{response.id}/comment-visibility"
    client.post(url, data={"hidden": "1"})
    hidden = db.session.get(Response, response.id)
    assert hidden.comment == "Off-topic remark" and hidden.comment_hidden_by_id == staff.id
    assert hidden.comment_hidden_at is not None
    console = client.get(f"/staff/events/{event.id}/console/live").get_data(as_text=True)
    assert "Off-topic remark" in console and "Hidden from published views" in console
    client.post(url, data={"hidden": "0"})
    assert db.session.get(Response, response.id).comment_hidden_at is None
    assert [e.action for e in _audit("comment.hide") + _audit("comment.show")] == [
        "comment.hide", "comment.show"]


def test_live_panel_counts_turnout_and_tallies(client, make, staff):
    event, _, items = workshop(make)
    gov, academia = event.sectors[0], event.sectors[1]
    for sector, gender, value in [(gov, "woman", 5), (gov, "man", 4), (academia, "woman", 1),
                                  (academia, "woman", 0)]:
        make.response(make.participant(event, sector=sector, gender=gender), items[0], value)
    make.participant(event, sector=gov)  # joined, not yet voted
    db.session.commit()
    html = client.get(f"/staff/events/{event.id}/console/live").get_data(as_text=True)
    assert 'id="joined-total">5<' in html
    assert 'class="big-number responded-total">4<' in html
    # 2 agree, 1 disagree of 3 with an opinion: 67% / 0% / 33%.
    assert ">67%<" in html and ">33%<" in html
