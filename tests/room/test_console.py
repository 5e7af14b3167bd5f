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


def test_agenda_fragment_after_the_deadline_offers_reopen_not_close(client, make, staff):
    """The console swaps in the agenda: a round closed by its deadline loses Close."""
    event, round_, _ = workshop(make)
    url = f"/staff/events/{event.id}/console/agenda"
    html = client.get(url).get_data(as_text=True)
    assert f"/rounds/{round_.id}/close" in html and f"/rounds/{round_.id}/extend" in html
    round_ = db.session.merge(round_)
    round_.closes_at = utcnow() - timedelta(seconds=1)  # the deadline passed a moment ago
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert f"/rounds/{round_.id}/close" not in html and f"/rounds/{round_.id}/extend" not in html
    assert f"/rounds/{round_.id}/open" in html and "Reopen round" in html
    assert "Undo close" not in html  # the deadline closed it, not a facilitator
    console = client.get(f"/staff/events/{event.id}/console").get_data(as_text=True)
    assert f'data-live-url="/staff/events/{event.id}/console/agenda"' in console


def test_undo_close_reopens_with_the_deadline_and_is_audited(client, make, staff):
    event, round_, _ = workshop(make, open_round=False)
    base = f"/staff/events/{event.id}/rounds/{round_.id}"
    client.post(f"{base}/open", data={"minutes": "30"})
    deadline = db.session.get(Round, round_.id).closes_at
    client.post(f"{base}/close")
    client.post(f"{base}/reveal")
    html = client.get(f"/staff/events/{event.id}/console/agenda").get_data(as_text=True)
    assert f'action="{base}/undo-close"' in html and "Undo close" in html
    response = client.post(f"{base}/undo-close", follow_redirects=True)
    assert "Close undone" in response.get_data(as_text=True)
    undone = db.session.get(Round, round_.id)
    assert undone.state == RoundState.open and undone.closes_at == deadline
    assert not undone.results_revealed  # no stale reveal over a room voting again
    [entry] = _audit("round.undo_close")
    assert entry.user_id == staff.id and entry.details["closes_at"] == deadline.isoformat()


def test_undo_close_is_gone_after_a_minute(client, make, staff):
    event, round_, _ = workshop(make)
    base = f"/staff/events/{event.id}/rounds/{round_.id}"
    client.post(f"{base}/close")
    round_ = db.session.get(Round, round_.id)
    round_.closed_at = utcnow() - timedelta(seconds=61)
    db.session.commit()
    html = client.get(f"/staff/events/{event.id}/console/agenda").get_data(as_text=True)
    assert "undo-close" not in html
    response = client.post(f"{base}/undo-close", follow_redirects=True)
    assert "can no longer be undone" in response.get_data(as_text=True)
    assert db.session.get(Round, round_.id).state == RoundState.closed
    assert _audit("round.undo_close") == []


def test_console_says_which_results_are_on_the_projector(client, make, staff):
    event, first, _ = workshop(make)
    second = make.round(event)
    make.item(event, round=second)
    db.session.commit()
    client.post(f"/staff/events/{event.id}/rounds/{first.id}/close")
    client.post(f"/staff/events/{event.id}/rounds/{first.id}/reveal")
    agenda = f"/staff/events/{event.id}/console/agenda"
    html = client.get(agenda).get_data(as_text=True)
    assert html.count('class="on-screen"') == 1
    client.post(f"/staff/events/{event.id}/rounds/{second.id}/open")
    html = client.get(agenda).get_data(as_text=True)
    # Round 1 is still marked revealed, but the projector shows round 2 voting: say so, and
    # offer to reveal round 1 again rather than to hide what is not shown.
    assert 'class="on-screen"' not in html and "not on the projector" in html
    assert f"/rounds/{first.id}/reveal" in html and f"/rounds/{first.id}/hide-results" not in html


def test_a_voided_participants_comment_leaves_the_live_panel(client, make, staff):
    """A test phone's comment is no comment of the room: voided, it leaves the panel too."""
    event, _, items = workshop(make)
    phone = make.participant(event)
    make.response(phone, items[0], comment="Testing the microphone")
    db.session.commit()
    login(client, staff)
    live = f"/staff/events/{event.id}/console/live"
    assert "Testing the microphone" in client.get(live).get_data(as_text=True)
    phone.void(staff, "A test phone")
    db.session.commit()
    assert "Testing the microphone" not in client.get(live).get_data(as_text=True)
