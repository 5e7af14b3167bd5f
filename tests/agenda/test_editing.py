"""Once answers exist, the builder refuses what would corrupt them; an open round keeps its
items; a round opens only with items and its wording in the event's default language."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role
from consult.agenda import editing
from consult.agenda.models import Item, ItemKind, Round, RoundState
from consult.extensions import db
from consult.voting.models import ResponseChoice
from tests.conftest import login
from tests.helpers import workshop

OPTS = [("a", "Apples", "ប៉ោម"), ("b", "Bananas", "ចេក"), ("c", "Cherries", "ឈើរី")]


@pytest.fixture
def answered(make):
    """A live event: a multi item answered with option a; an unanswered agreement item."""
    event, round_, (multi, spare) = workshop(make, kinds=(ItemKind.multi, ItemKind.agreement))
    multi.max_choices = 2
    response = make.response(make.participant(event), multi, value=None)
    db.session.add(ResponseChoice(response_id=response.id, option_id=multi.options[0].id))
    user = make.user(Role.facilitator)
    db.session.commit()
    return {"event": event, "round": round_, "item": multi, "spare": spare, "user": user,
            "base": f"/staff/events/{event.id}/agenda"}


def _form(item, **changes):
    data = {"section": str(item.section_id), "round": str(item.round_id or 0),
            "kind": item.kind.value, "code": item.code, "prompt_en": item.prompt_en,
            "prompt_km": item.prompt_km, "detail_en": item.detail_en,
            "detail_km": item.detail_km, "allow_comment": "y",
            "max_choices": str(item.max_choices or ""), "top_k": str(item.top_k or "")}
    for n, option in enumerate(item.options):
        data |= {f"options-{n}-option_id": str(option.id), f"options-{n}-code": option.code,
                 f"options-{n}-label_en": option.label_en,
                 f"options-{n}-label_km": option.label_km}
    data.update(changes)
    return data


def _snapshot(item_id):
    db.session.expire_all()
    item = db.session.get(Item, item_id)
    return (item.kind, item.code, item.prompt_en, item.max_choices,
            [(o.code, o.label_en) for o in item.options])


def test_guards_know_what_was_answered(answered):
    item = answered["item"]
    assert editing.is_answered(item) and not editing.is_answered(answered["spare"])
    assert editing.answered_option_ids(item) == {item.options[0].id}
    assert editing.answered_item_ids([item.id, answered["spare"].id]) == {item.id}
    assert editing.round_has_answers(answered["round"])


@pytest.mark.parametrize(("changes", "message"), [
    ({"options-0-code": "", "options-0-label_en": "", "options-0-label_km": ""},
     "Option a has been chosen in answers: it cannot be deleted."),
    ({"options-0-code": "z"}, "Option a has been chosen in answers: its code cannot change."),
    ({"kind": "choice", "max_choices": ""}, "its kind cannot change"),
    ({"max_choices": "3"}, "the maximum number of choices cannot change"),
    ({"code": "RENAMED"}, "its code cannot change"),
])
def test_changes_that_would_corrupt_answers_are_refused(client, answered, changes, message):
    item = answered["item"]
    before = _snapshot(item.id)
    login(client, answered["user"])
    response = client.post(answered["base"] + f"/items/{item.id}",
                           data=_form(db.session.get(Item, item.id), **changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _snapshot(item.id) == before


def test_wording_of_an_answered_item_is_corrected_and_audited(client, answered):
    item = answered["item"]
    answered["round"].close()  # an open round's options stay as they are
    db.session.commit()
    login(client, answered["user"])
    data = _form(item, prompt_km="សំណួរកែថ្មី", **{"options-0-label_en": "Red apples"})
    # An unpicked option may still go (its row cleared); nobody chose it.
    data |= {"options-2-code": "", "options-2-label_en": "", "options-2-label_km": ""}
    assert client.post(answered["base"] + f"/items/{item.id}", data=data).status_code == 302
    db.session.expire_all()
    item = db.session.get(Item, item.id)
    assert item.prompt_km == "សំណួរកែថ្មី" and [o.code for o in item.options] == ["a", "b"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "agenda.item_edit"))
    assert entry.details["answered"] is True
    assert entry.details["prompt_km"][1] == "សំណួរកែថ្មី"
    assert entry.details["option a label_en"] == ["Option A", "Red apples"]


def test_an_answered_item_is_not_deleted(client, answered):
    item = answered["item"]
    answered["round"].close()
    db.session.commit()
    login(client, answered["user"])
    page = client.post(answered["base"] + f"/items/{item.id}/delete", follow_redirects=True)
    assert f"People have answered {item.code}: it cannot be deleted." in page.get_data(
        as_text=True)
    assert db.session.get(Item, item.id) is not None


def test_an_unanswered_item_of_a_closed_round_is_deleted(client, answered):
    spare_id = answered["spare"].id
    answered["round"].close()
    db.session.commit()
    login(client, answered["user"])
    client.post(answered["base"] + f"/items/{spare_id}/delete")
    db.session.expire_all()
    assert db.session.get(Item, spare_id) is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "agenda.item_delete"))


def test_a_round_with_answers_or_open_is_not_deleted(client, answered):
    login(client, answered["user"])
    round_id = answered["round"].id
    page = client.post(answered["base"] + f"/rounds/{round_id}/delete", follow_redirects=True)
    assert "This round is open: close it before deleting it." in page.get_data(as_text=True)
    db.session.get(Round, round_id).close()
    db.session.commit()
    page = client.post(answered["base"] + f"/rounds/{round_id}/delete", follow_redirects=True)
    assert "This round has answers: it cannot be deleted." in page.get_data(as_text=True)
    assert db.session.get(Round, round_id) is not None


def test_an_open_rounds_items_stay_but_their_wording_can_change(client, make, answered):
    spare = answered["spare"]
    other = make.round(answered["event"])
    db.session.commit()
    login(client, answered["user"])
    base = answered["base"]
    # Not added to, not removed from, not moved out of an open round.
    data = _form(spare, code="NEW-1", round=str(answered["round"].id))
    data.pop("max_choices")
    page = client.post(base + "/items/new", data=data)
    assert page.status_code == 400 and "is open: items cannot be added" in page.get_data(
        as_text=True)
    page = client.post(base + f"/items/{spare.id}", data=_form(spare, round=str(other.id)))
    assert page.status_code == 400
    page = client.post(base + f"/items/{spare.id}/delete", follow_redirects=True)
    assert "is open: items cannot be added" in page.get_data(as_text=True)
    assert db.session.get(Item, spare.id).round_id == answered["round"].id
    # Wording is fine.
    assert client.post(base + f"/items/{spare.id}",
                       data=_form(spare, prompt_en="Better words")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Item, spare.id).prompt_en == "Better words"


def _open(client, event, round_):
    return client.post(f"/staff/events/{event.id}/rounds/{round_.id}/open",
                       follow_redirects=True).get_data(as_text=True)


@pytest.mark.parametrize(("default", "field", "words"),
                         [("km", "prompt_km", "Khmer wording is missing for items"),
                          ("en", "prompt_en", "English wording is missing for items")])
def test_a_round_missing_its_default_language_does_not_open(client, make, default, field,
                                                            words):
    event, round_, items = workshop(make, open_round=False, default_locale=default)
    setattr(items[1], field, "")
    user = make.user(Role.facilitator)
    db.session.commit()
    login(client, user)
    html = client.get(f"/staff/events/{event.id}/agenda").get_data(as_text=True)
    assert "Cannot be opened yet" in html and items[1].code in html
    html = _open(client, event, round_)
    assert words in html and items[1].code in html and items[0].code not in html.split(words)[1][:60]
    db.session.expire_all()
    assert db.session.get(Round, round_.id).state == RoundState.draft
    # The other language missing does not stop it.
    other = "prompt_en" if field == "prompt_km" else "prompt_km"
    item = db.session.get(Item, items[1].id)
    setattr(item, field, "Words")
    setattr(item, other, "")
    db.session.commit()
    _open(client, event, round_)
    db.session.expire_all()
    assert db.session.get(Round, round_.id).state == RoundState.open


def test_a_missing_option_label_in_the_default_language_stops_opening(client, make):
    event, round_, items = workshop(make, kinds=(ItemKind.choice,), open_round=False)
    items[0].options[1].label_km = ""
    user = make.user(Role.facilitator)
    db.session.commit()
    login(client, user)
    assert "Khmer wording is missing for items " + items[0].code in _open(client, event, round_)


def test_an_empty_round_does_not_open(client, make):
    event = make.event()
    round_ = make.round(event)
    user = make.user(Role.facilitator)
    db.session.commit()
    login(client, user)
    assert "This round has no items" in _open(client, event, round_)
    db.session.expire_all()
    assert db.session.get(Round, round_.id).state == RoundState.draft
