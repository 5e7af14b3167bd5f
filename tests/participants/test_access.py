"""A participant belongs to one event: another event's pages treat them as a newcomer.

The route × identity matrix (tests/room/test_access.py) covers every endpoint; these tests
follow one person of event B through event A's pages and check the database after each step.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.participants.models import Participant
from consult.voting.models import Response
from tests.helpers import as_participant, vote, workshop


@pytest.fixture
def two_events(make):
    """Event A (with its participant) and event B (with its own), each with an open round."""
    a, a_round, a_items = workshop(make)
    b, b_round, b_items = workshop(make)
    visitor = make.participant(b, sector=b.sectors[2], organisation="Ministry of B")
    local = make.participant(a)
    db.session.commit()
    return {"a": a, "a_round": a_round, "a_items": a_items, "b": b, "b_round": b_round,
            "b_items": b_items, "visitor": visitor, "local": local}


def _responses() -> int:
    return db.session.scalar(select(func.count()).select_from(Response))


def test_another_events_participant_is_sent_to_join(client, two_events):
    a, visitor = two_events["a"], two_events["visitor"]
    as_participant(client, visitor)
    for path in (f"/e/{a.join_code}/wait", f"/e/{a.join_code}/rounds/{two_events['a_round'].id}"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == f"/j/{a.join_code}"
    page = client.get(f"/j/{a.join_code}").get_data(as_text=True)
    # A blank profile form: nothing of the visitor's profile in event B shows through.
    assert 'name="sector"' in page and "Ministry of B" not in page


def test_another_events_participant_cannot_vote(client, two_events):
    a, items, visitor = two_events["a"], two_events["a_items"], two_events["visitor"]
    as_participant(client, visitor)
    response = vote(client, a, items[0], "5")
    assert response.status_code == 409 and response.json["error"] == "profile"
    response = client.post(f"/e/{a.join_code}/rounds/{two_events['a_round'].id}",
                           data={f"item-{items[0].id}": "5"})
    assert response.status_code == 302 and response.headers["Location"] == f"/j/{a.join_code}"
    assert _responses() == 0


def test_an_item_or_round_is_reached_only_through_its_own_events_code(client, two_events):
    """Event B's code with event A's item (or round) is not found, even for A's participant."""
    a, b, local = two_events["a"], two_events["b"], two_events["local"]
    a_item, a_round = two_events["a_items"][0], two_events["a_round"]
    as_participant(client, local)
    # Through B's code, A's participant is nobody: asked to join B, nothing stored.
    assert vote(client, b, a_item, "5").status_code == 409
    # Through A's code, B's item and round do not exist.
    assert vote(client, a, two_events["b_items"][0], "5").status_code == 404
    assert client.get(f"/e/{a.join_code}/rounds/{two_events['b_round'].id}").status_code == 404
    assert client.post(f"/e/{a.join_code}/rounds/{two_events['b_round'].id}",
                       data={f"item-{two_events['b_items'][0].id}": "5"}).status_code == 404
    assert _responses() == 0
    # Its own event's item through its own code: saved.
    assert client.get(f"/e/{a.join_code}/rounds/{a_round.id}").status_code == 200
    assert vote(client, a, a_item, "5").status_code == 200
    assert _responses() == 1


def test_joining_a_second_event_makes_a_new_participant(client, two_events):
    a, visitor = two_events["a"], two_events["visitor"]
    as_participant(client, visitor)
    response = client.post(f"/e/{a.join_code}/profile", data={
        "sector": a.sectors[0].id, "gender": "man", "locale": "en", "organisation": "NGO A"})
    assert response.status_code == 302 and response.headers["Location"] == f"/e/{a.join_code}/wait"
    joined = db.session.scalar(select(Participant).where(Participant.event_id == a.id,
                                                         Participant.organisation == "NGO A"))
    assert joined is not None and joined.id != visitor.id
    # The participant of event B is untouched: same event, sector and organisation.
    before = db.session.get(Participant, visitor.id)
    assert (before.event_id, before.sector_id, before.organisation) == (
        two_events["b"].id, two_events["b"].sectors[2].id, "Ministry of B")
