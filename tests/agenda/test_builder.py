"""The agenda builder in the browser: every kind through the form, moves, preview, who may edit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role
from consult.agenda.models import Item, ItemKind, Round, Section
from consult.extensions import db
from tests.conftest import login


@pytest.fixture
def setup(make):
    event = make.event(default_locale="km")
    section = make.section(event)
    round_ = make.round(event)
    user = make.user(Role.facilitator)
    db.session.commit()
    return {"event": event, "section": section, "round": round_, "user": user,
            "base": f"/staff/events/{event.id}/agenda"}


def _item_data(setup, kind, code, options=(), **extra):
    data = {"section": str(setup["section"].id), "round": str(setup["round"].id), "kind": kind,
            "code": code, "prompt_en": f"Prompt {code}", "prompt_km": f"សំណួរ {code}",
            "detail_en": "", "detail_km": "", "allow_comment": "y"}
    for n, (c, en, km) in enumerate(options):
        data[f"options-{n}-code"] = c
        data[f"options-{n}-label_en"] = en
        data[f"options-{n}-label_km"] = km
        data[f"options-{n}-option_id"] = ""
    data.update({k: str(v) for k, v in extra.items()})
    return data


OPTS = [("a", "Apples", "ប៉ោម"), ("b", "Bananas", "ចេក"), ("c", "Cherries", "ឈើរី")]


def _audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


@pytest.mark.parametrize(("kind", "options", "extra"), [
    ("agreement", (), {}),
    ("priority", (), {}),
    ("choice", OPTS, {}),
    ("multi", OPTS, {"max_choices": 2}),
    ("ranking", OPTS, {"top_k": 2}),
    ("text", (), {}),
])
def test_every_kind_is_created_through_the_form(client, setup, kind, options, extra):
    login(client, setup["user"])
    page = client.get(setup["base"] + f"/items/new?round={setup['round'].id}")
    assert page.status_code == 200 and "options-2-code" in page.get_data(as_text=True)
    response = client.post(setup["base"] + "/items/new",
                           data=_item_data(setup, kind, f"K-{kind}", options, **extra))
    assert response.status_code == 302, response.get_data(as_text=True)
    item = db.session.scalar(select(Item).where(Item.code == f"K-{kind}"))
    assert item.kind == ItemKind(kind) and item.round_id == setup["round"].id
    assert item.prompt_km == f"សំណួរ {item.code}" and item.allow_comment
    assert [(o.code, o.label_en, o.label_km) for o in item.options] == list(options)
    assert item.max_choices == extra.get("max_choices") and item.top_k == extra.get("top_k")
    assert _audit("agenda.item_add")[0].details["code"] == item.code
    html = client.get(setup["base"]).get_data(as_text=True)
    assert f"K-{kind}" in html and "Prompt K-" in html and "សំណួរ K-" in html


@pytest.mark.parametrize(("data", "message"), [
    ({"code": ""}, "A code is required."),
    ({"code": "has space"}, "with no spaces"),
    ({"code": "TAKEN"}, "Another item of this event has the code TAKEN."),
    ({"kind": "choice", "options": OPTS[:1]}, "at least two options"),
    ({"kind": "choice", "options": [OPTS[0], ("a", "Again", "ម្តងទៀត")]},
     "Two options have the code a."),
    ({"kind": "multi", "options": OPTS, "max_choices": 4}, "between 1 and the number of options"),
    ({"kind": "agreement", "top_k": 2}, "Only a ranking item has a number of places"),
    ({"kind": "choice", "options": OPTS, "top_k": 2}, "Only a ranking item has a number of places"),
    ({"prompt_en": "", "prompt_km": ""}, "An item needs a prompt in Khmer or English."),
    ({"kind": "agreement", "options": OPTS}, "Only choice, multiple-choice and ranking items"),
])
def test_bad_items_are_refused_with_the_reason_and_nothing_written(client, make, setup, data,
                                                                    message):
    make.item(setup["event"], setup["section"], code="TAKEN")
    db.session.commit()
    login(client, setup["user"])
    data = dict(data)
    options = data.pop("options", ())
    kind = data.pop("kind", "agreement")
    form = _item_data(setup, kind, data.pop("code", "NEW"), options, **data)
    before = db.session.scalar(select(db.func.count()).select_from(Item))
    response = client.post(setup["base"] + "/items/new", data=form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count()).select_from(Item)) == before


def test_more_option_rows_keep_what_was_typed(client, setup):
    login(client, setup["user"])
    page = client.get(setup["base"] + "/items/new?rows=6").get_data(as_text=True)
    assert "options-5-code" in page and "options-6-code" not in page
    data = _item_data(setup, "choice", "X1", OPTS) | {"more_rows": "1"}
    page = client.post(setup["base"] + "/items/new", data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "options-5-code" in html and "Cherries" in html
    assert db.session.scalar(select(Item).where(Item.code == "X1")) is None


def test_edit_an_unanswered_item_freely_and_audit_before_after(client, make, setup):
    item = make.item(setup["event"], setup["section"], setup["round"], kind="choice",
                     options=OPTS)
    db.session.commit()
    login(client, setup["user"])
    first = item.options[0]
    data = _item_data(setup, "ranking", "NEWCODE", top_k=2)
    # Keep option a (relabelled), drop b and c, add d.
    data |= {"options-0-option_id": str(first.id), "options-0-code": "a",
             "options-0-label_en": "Green apples", "options-0-label_km": "ប៉ោមបៃតង",
             "options-1-option_id": "", "options-1-code": "d", "options-1-label_en": "Dates",
             "options-1-label_km": "លម្ុត"}
    response = client.post(setup["base"] + f"/items/{item.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    item = db.session.get(Item, item.id)
    assert item.kind == ItemKind.ranking and item.code == "NEWCODE" and item.top_k == 2
    assert [(o.code, o.label_en) for o in item.options] == [("a", "Green apples"), ("d", "Dates")]
    [entry] = _audit("agenda.item_edit")
    assert entry.details["kind"] == ["choice", "ranking"]
    assert entry.details["code"] == [item.code.replace("NEWCODE", entry.details["code"][0]),
                                     "NEWCODE"]
    assert entry.details["option a label_en"] == ["Apples", "Green apples"]


def test_move_an_item_to_another_round_and_reorder(client, make, setup):
    event, section = setup["event"], setup["section"]
    first, second = (make.item(event, section, setup["round"]) for _ in range(2))
    other = make.round(event)
    db.session.commit()
    login(client, setup["user"])
    base = setup["base"]
    assert client.post(base + f"/items/{second.id}/move",
                       data={"direction": "up", "scope": "round"}).status_code == 302
    db.session.expire_all()
    assert [i.id for i in db.session.get(Round, setup["round"].id).items] == [second.id, first.id]
    assert client.post(base + f"/items/{second.id}/move",
                       data={"direction": "down", "scope": "section"}).status_code == 302
    db.session.expire_all()
    assert [i.id for i in db.session.get(Section, section.id).items] == [first.id, second.id]
    # Moving to another round goes through the item form's round select.
    data = _item_data(setup, "agreement", first.code) | {"round": str(other.id),
                                                         "prompt_en": first.prompt_en}
    assert client.post(base + f"/items/{first.id}", data=data).status_code == 302
    db.session.expire_all()
    moved = db.session.get(Item, first.id)
    assert moved.round_id == other.id and moved.round_position == 1
    # Rounds and sections swap too (on PostgreSQL through temporary negative positions).
    assert client.post(base + f"/rounds/{other.id}/move", data={"direction": "up"}).status_code == 302
    db.session.expire_all()
    assert [r.id for r in db.session.scalars(select(Round).where(Round.event_id == event.id)
                                             .order_by(Round.position))] == [other.id,
                                                                             setup["round"].id]
    second_section = make.section(event)
    db.session.commit()
    client.post(base + f"/sections/{second_section.id}/move", data={"direction": "up"})
    db.session.expire_all()
    assert db.session.get(Section, second_section.id).position < db.session.get(
        Section, section.id).position
    assert {e.details["direction"] for e in _audit("agenda.round_move")} == {"up"}
    # At the end already: nothing moves, nothing fails.
    assert client.post(base + f"/rounds/{other.id}/move", data={"direction": "up"}).status_code == 302


def test_sections_and_rounds_are_added_edited_and_deleted(client, setup):
    login(client, setup["user"])
    base = setup["base"]
    assert client.post(base + "/sections", data={"section-key": "P9", "section-title_en": "Ninth",
                                                 "section-title_km": "ទីប្រាំបួន"}).status_code == 302
    section = db.session.scalar(select(Section).where(Section.key == "P9"))
    assert client.post(base + f"/sections/{section.id}", data={
        "key": "P9", "title_en": "Ninth pillar", "title_km": "សសរទីប្រាំបួន"}).status_code == 302
    assert _audit("agenda.section_edit")[0].details["title_en"] == ["Ninth", "Ninth pillar"]
    assert client.post(base + "/rounds", data={"round-title_en": "Extra",
                                               "round-title_km": ""}).status_code == 302
    round_ = db.session.scalar(select(Round).where(Round.title_en == "Extra"))
    # The Khmer title is missing: counted and marked on the page.
    html = client.get(base).get_data(as_text=True)
    assert "1 translation missing" in html and "Missing Khmer" in html
    page = client.post(base + f"/rounds/{round_.id}", data={"title_en": "", "title_km": ""})
    assert page.status_code == 400 and "A round needs a title" in page.get_data(as_text=True)
    round_id, section_id = round_.id, section.id
    client.post(base + f"/rounds/{round_id}/delete")
    client.post(base + f"/sections/{section_id}/delete")
    db.session.expire_all()
    assert db.session.get(Round, round_id) is None and db.session.get(Section, section_id) is None
    assert _audit("agenda.round_delete") and _audit("agenda.section_delete")


def test_a_section_with_items_is_not_deleted(client, make, setup):
    make.item(setup["event"], setup["section"])
    db.session.commit()
    login(client, setup["user"])
    page = client.post(setup["base"] + f"/sections/{setup['section'].id}/delete",
                       follow_redirects=True)
    assert "This section still has items" in page.get_data(as_text=True)
    assert db.session.get(Section, setup["section"].id) is not None


@pytest.mark.parametrize("lang", ["km", "en"])
def test_preview_shows_the_round_as_a_phone_does(client, make, setup, lang):
    make.item(setup["event"], setup["section"], setup["round"], kind="choice", options=OPTS,
              prompt_en="Which fruit?", prompt_km="ផ្លែឈើណា?")
    db.session.commit()
    login(client, setup["user"])
    page = client.get(setup["base"] + f"/rounds/{setup['round'].id}/preview?lang={lang}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert ("ផ្លែឈើណា?" in html and "ចេក" in html) if lang == "km" else (
        "Which fruit?" in html and "Bananas" in html)
    assert 'class="item item-choice"' in html and " disabled>" in html
    assert "<form" not in html.split('class="phone-frame"')[1]  # nothing to submit


def test_analyst_reads_but_cannot_edit(client, make, setup):
    analyst = make.user(Role.analyst)
    item = make.item(setup["event"], setup["section"], setup["round"])
    db.session.commit()
    login(client, analyst)
    html = client.get(setup["base"]).get_data(as_text=True)
    assert item.code in html and "only the event" in html and "/delete" not in html
    assert client.post(setup["base"] + f"/items/{item.id}/delete").status_code == 403
    assert client.get(setup["base"] + f"/items/{item.id}").status_code == 403
    assert client.post(setup["base"] + "/rounds", data={"round-title_en": "X"}).status_code == 403


def test_staff_of_another_event_are_refused(client, make, setup):
    stranger = make.user(Role.facilitator, team=False)
    make.team_member(make.event(), stranger)
    db.session.commit()
    login(client, stranger)
    assert client.get(setup["base"]).status_code == 403
    assert client.post(setup["base"] + "/sections", data={"section-title_en": "X"}).status_code == 403
    db.session.expire_all()
    assert len(db.session.get(type(setup["event"]), setup["event"].id).sections) == 1
