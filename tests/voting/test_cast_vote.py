"""Voting through HTTP: every kind, updates, refusals, the form without JavaScript."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.agenda.models import ItemKind
from consult.extensions import db
from consult.timeutil import utcnow
from consult.voting.models import Response, ResponseChoice
from tests.helpers import as_participant, vote, workshop


def _responses(item):
    return db.session.scalars(select(Response).where(Response.item_id == item.id)).all()


def test_vote_is_saved_and_a_change_updates_the_same_row(client, make):
    event, round_, items = workshop(make)
    person = make.participant(event)
    db.session.commit()
    as_participant(client, person)
    first = vote(client, event, items[0], "5", comment="Good")
    assert first.status_code == 200 and first.json["saved"] and first.json["revision"] == 1
    second = vote(client, event, items[0], "2")
    assert second.json["revision"] == 2
    rows = _responses(items[0])
    assert len(rows) == 1
    assert (rows[0].value, rows[0].comment, rows[0].revision) == (2, None, 2)
    assert rows[0].sector_id == person.sector_id and rows[0].gender == person.gender
    assert rows[0].round_id == round_.id and rows[0].source == "web"


def test_double_submit_is_idempotent(client, make):
    event, _, items = workshop(make)
    as_participant(client, make.participant(event))
    db.session.commit()
    for _ in range(3):
        assert vote(client, event, items[0], "4").status_code == 200
    assert [r.value for r in _responses(items[0])] == [4]


@pytest.mark.parametrize(("kind", "fields", "expected"), [
    (ItemKind.agreement, {"v": ["0"]}, {"value": 0}),
    (ItemKind.priority, {"v": ["3"]}, {"value": 3}),
    (ItemKind.choice, {"v": ["b"]}, {"options": [("b", None)]}),
    (ItemKind.multi, {"v": ["a", "c"]}, {"options": [("a", None), ("c", None)]}),
    (ItemKind.ranking, {"ranks": {"c": "1", "a": "2"}}, {"options": [("c", 1), ("a", 2)]}),
    (ItemKind.text, {"v": ["  More training for teachers  "]}, {"text": "More training for teachers"}),
])
def test_every_kind_is_stored(client, make, kind, fields, expected):
    event, _, items = workshop(make, kinds=(kind,))
    item = items[0]
    as_participant(client, make.participant(event))
    db.session.commit()
    data = {f"item-{item.id}": fields.get("v", [])}
    for code, place in fields.get("ranks", {}).items():
        data[f"item-{item.id}-rank-{code}"] = place
    response = client.post(f"/e/{event.join_code}/items/{item.id}/answer", data=data,
                           headers={"Accept": "application/json"})
    assert response.status_code == 200, response.json
    stored = _responses(item)[0]
    if "value" in expected:
        assert stored.value == expected["value"]
    if "text" in expected:
        assert stored.text_value == expected["text"]
    if "options" in expected:
        codes = {o.id: o.code for o in item.options}
        got = sorted((codes[c.option_id], c.rank) for c in stored.choices)
        assert got == sorted(expected["options"])


@pytest.mark.parametrize(("kind", "data", "message"), [
    (ItemKind.agreement, {"v": ["7"]}, "not one of the choices"),
    (ItemKind.agreement, {"v": ["abc"]}, "not one of the choices"),
    (ItemKind.agreement, {"v": ["4", "5"]}, "choose one"),
    (ItemKind.priority, {"v": ["0"]}, "not one of the choices"),
    (ItemKind.choice, {"v": ["zz"]}, "not one of the choices"),
    (ItemKind.choice, {"v": ["a", "b"]}, "choose one"),
    (ItemKind.ranking, {"ranks": {"a": "1", "b": "1"}}, "one option only"),
    (ItemKind.ranking, {"ranks": {"a": "2"}}, "in order"),
    (ItemKind.ranking, {"ranks": {"a": "9"}}, "Places go from 1"),
    (ItemKind.text, {"v": ["x" * 2001]}, "at most 2000"),
    (ItemKind.agreement, {"v": []}, "choose an answer"),
])
def test_bad_answers_are_refused_with_a_message_and_nothing_stored(client, make, kind, data,
                                                                  message):
    event, _, items = workshop(make, kinds=(kind,))
    item = items[0]
    as_participant(client, make.participant(event))
    db.session.commit()
    form = {f"item-{item.id}": data.get("v", [])}
    for code, place in data.get("ranks", {}).items():
        form[f"item-{item.id}-rank-{code}"] = place
    response = client.post(f"/e/{event.join_code}/items/{item.id}/answer", data=form,
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert message.lower() in response.json["message"].lower()
    assert _responses(item) == []


def test_multi_respects_max_choices(client, make):
    event, _, items = workshop(make, kinds=(ItemKind.multi,))
    items[0].max_choices = 2
    db.session.commit()
    as_participant(client, make.participant(event))
    db.session.commit()
    response = vote(client, event, items[0], ["a", "b", "c"])
    assert response.status_code == 400 and "at most 2" in response.json["message"]


def test_comment_refused_where_not_allowed(client, make):
    event, _, items = workshop(make)
    items[0].allow_comment = False
    db.session.commit()
    as_participant(client, make.participant(event))
    db.session.commit()
    assert vote(client, event, items[0], "4", comment="hi").status_code == 400


@pytest.mark.parametrize("state", ["draft", "closed"])
def test_vote_refused_unless_the_round_is_open(client, make, state):
    event, round_, items = workshop(make, open_round=False)
    if state == "closed":
        round_.open()
        round_.close()
    person = make.participant(event)
    db.session.commit()
    as_participant(client, person)
    response = vote(client, event, items[0], "4")
    assert response.status_code == 409 and response.json["closed"] is True
    assert "closed" in response.json["message"]
    assert _responses(items[0]) == []


def test_vote_refused_past_the_deadline_even_before_anyone_closes(client, make):
    event, round_, items = workshop(make)
    round_.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    as_participant(client, make.participant(event))
    db.session.commit()
    assert vote(client, event, items[0], "4").status_code == 409
    assert _responses(items[0]) == []


def test_refusal_message_is_translated(client, make):
    event, _, items = workshop(make, open_round=False)
    as_participant(client, make.participant(event, locale="km"))
    db.session.commit()
    client.post("/language", data={"lang": "km", "next": "/"})
    response = vote(client, event, items[0], "4")
    assert response.status_code == 409
    assert any("\u1780" <= ch <= "\u17ff" for ch in response.json["message"])


def test_without_a_profile_the_vote_page_sends_to_the_profile(client, make):
    event, round_, items = workshop(make)
    response = client.get(f"/e/{event.join_code}/rounds/{round_.id}")
    assert response.status_code == 302 and f"/j/{event.join_code}" in response.headers["Location"]
    response = vote(client, event, items[0], "4")
    assert response.status_code == 409 and response.json["error"] == "profile"


def test_an_item_of_another_event_is_not_found(client, make):
    event, _, _ = workshop(make)
    _other, _, other_items = workshop(make)
    as_participant(client, make.participant(event))
    db.session.commit()
    assert vote(client, event, other_items[0], "4").status_code == 404


def test_form_without_javascript_saves_every_answered_item(client, make):
    event, round_, items = workshop(make)
    person = make.participant(event)
    db.session.commit()
    as_participant(client, person)
    page = client.get(f"/e/{event.join_code}/rounds/{round_.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert all(f'name="item-{i.id}"' in html for i in items)
    response = client.post(f"/e/{event.join_code}/rounds/{round_.id}", data={
        f"item-{items[0].id}": "5", f"item-{items[2].id}": "1",
        f"comment-{items[0].id}": "Please add a timeline",
    })
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Response)) == 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Please add a timeline" in page and "checked" in page


def test_form_keeps_what_was_typed_when_one_answer_is_wrong(client, make):
    event, round_, items = workshop(make)
    as_participant(client, make.participant(event))
    db.session.commit()
    response = client.post(f"/e/{event.join_code}/rounds/{round_.id}", data={
        f"item-{items[0].id}": "5", f"item-{items[1].id}": "9",
        f"comment-{items[1].id}": "my long comment",
    })
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "my long comment" in html and "Not saved" in html
    assert [r.item_id for r in db.session.scalars(select(Response))] == [items[0].id]


def test_form_after_close_saves_nothing_and_says_so(client, make):
    event, round_, items = workshop(make)
    as_participant(client, make.participant(event))
    round_.close()
    db.session.commit()
    response = client.post(f"/e/{event.join_code}/rounds/{round_.id}", data={
        f"item-{items[0].id}": "5", f"comment-{items[0].id}": "typed before the close"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "typed before the close" in html and "Not saved" in html
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    assert db.session.scalar(select(func.count()).select_from(ResponseChoice)) == 0


def test_draft_round_page_is_not_found(client, make):
    event, round_, _ = workshop(make, open_round=False)
    as_participant(client, make.participant(event))
    db.session.commit()
    assert client.get(f"/e/{event.join_code}/rounds/{round_.id}").status_code == 404


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_vote_limit_is_per_participant_not_per_address(client, make, app):
    from consult.voting import views

    event, _, items = workshop(make)
    first, second = make.participant(event), make.participant(event)
    db.session.commit()
    as_participant(client, first)
    limit = int(views.VOTE_LIMIT.split()[0])
    codes = [vote(client, event, items[0], "4").status_code for _ in range(limit + 1)]
    assert codes[:limit] == [200] * limit and codes[limit] == 429
    other = app.test_client()  # same address, another phone
    as_participant(other, second)
    assert vote(other, event, items[0], "4").status_code == 200
