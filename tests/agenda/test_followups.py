"""Put to the room again (Delphi re-vote): POST /staff/events/<id>/agenda/follow-ups."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from consult.accounts.models import AuditEntry, Role
from consult.agenda.models import Item, ItemKind, Round, RoundState
from consult.extensions import db
from tests.conftest import login
from tests.results import workshop_fixture


def _post(client, event, *item_ids, follow=False):
    return client.post(f"/staff/events/{event.id}/agenda/follow-ups",
                       data={"items": [str(i) for i in item_ids]}, follow_redirects=follow)


def _rounds() -> int:
    return db.session.scalar(select(func.count()).select_from(Round))


def _items() -> int:
    return db.session.scalar(select(func.count()).select_from(Item))


@pytest.fixture
def fx(app, make):
    return workshop_fixture.build(make)


@pytest.fixture
def facilitator(client, make):
    user = make.user(Role.facilitator)
    db.session.commit()
    login(client, user)
    return user


def test_put_again_makes_a_draft_round_of_linked_copies(client, fx, facilitator):
    a1, c1 = fx.items["A1"], fx.items["C1"]
    before = _rounds()
    response = _post(client, fx.event, c1.id, a1.id)
    assert response.status_code == 302
    path = urlsplit(response.headers["Location"])
    assert path.path in (f"/staff/events/{fx.event.id}/console",
                         f"/staff/events/{fx.event.id}/agenda")
    assert _rounds() == before + 1
    round_ = db.session.scalars(select(Round).order_by(Round.id.desc())).first()
    assert path.fragment == f"round-{round_.id}"
    assert round_.state == RoundState.draft and round_.event_id == fx.event.id
    assert round_.title_en == "Re-vote: Round 1"
    assert "ជុំទី ១" in round_.title_km
    copies = sorted(round_.items, key=lambda i: i.round_position)
    # Agenda order, whatever order they were picked in.
    assert [i.code for i in copies] == ["A1.2", "C1.2"]
    for copy, original in zip(copies, (a1, c1), strict=True):
        assert copy.follows_item_id == original.id
        assert copy.kind == original.kind and copy.section_id == original.section_id
        assert (copy.prompt_en, copy.prompt_km) == (original.prompt_en, original.prompt_km)
        assert copy.allow_comment == original.allow_comment
    assert [(o.code, o.label_en, o.label_km) for o in copies[1].options] == [
        (o.code, o.label_en, o.label_km) for o in c1.options]
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "agenda.followups")).one()
    assert entry.event_id == fx.event.id and entry.user_id == facilitator.id
    assert entry.details["round_id"] == round_.id
    assert entry.details["items"] == ["A1.2", "C1.2"]
    assert entry.details["follows"] == ["A1", "C1"]
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "New draft round: Re-vote: Round 1" in page


def test_a_follow_up_of_a_follow_up_and_a_taken_code(client, fx, facilitator, make):
    a2 = fx.items["A2"]  # already follows A1
    _post(client, fx.event, a2.id)
    chained = db.session.scalar(select(Item).where(Item.code == "A2.2"))
    assert chained.follows_item_id == a2.id
    assert _post(client, fx.event, chained.id).status_code == 302
    assert db.session.scalar(select(Item).where(Item.code == "A2.3")).follows_item_id == chained.id
    make.item(fx.event, code="P1.2")
    db.session.commit()
    _post(client, fx.event, fx.items["P1"].id)
    follower = db.session.scalar(select(Item).where(Item.code == "P1.3"))
    assert follower.follows_item_id == fx.items["P1"].id
    assert follower.kind == ItemKind.priority


@pytest.mark.parametrize(("pick", "message"), [
    ((), "Pick at least one item to put to the room again."),
    (("T1",), "T1: an open-text item has no figures to compare"),
    (("A1", "T1"), "T1: an open-text item has no figures to compare"),
    (("other",), "Only items of this event can be put to its room again."),
    (("A1", "999999"), "Only items of this event can be put to its room again."),
    (("A1", "not-a-number"), "Only items of this event can be put to its room again."),
])
def test_refusals_say_why_and_write_nothing(client, fx, facilitator, make, pick, message):
    other = make.item(make.event(), code="X1")
    db.session.commit()
    ids = {"other": other.id, **{code: item.id for code, item in fx.items.items()}}
    rounds, items = _rounds(), _items()
    response = _post(client, fx.event, *(ids.get(p, p) for p in pick))
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/staff/events/{fx.event.id}/results"
    page = client.get(f"/staff/events/{fx.event.id}/results").get_data(as_text=True)
    assert message in page
    assert (_rounds(), _items()) == (rounds, items)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "agenda.followups")) == 0


def test_admin_may_put_again(client, fx, make):
    admin = make.user(Role.admin)
    db.session.commit()
    login(client, admin)
    assert _post(client, fx.event, fx.items["A1"].id).status_code == 302
    assert db.session.scalar(select(Item).where(Item.code == "A1.2")) is not None


@pytest.mark.parametrize("who", ["analyst", "stranger"])
def test_analyst_and_other_events_staff_are_refused(client, fx, make, who):
    user = (make.user(Role.analyst) if who == "analyst"
            else make.user(Role.facilitator, team=False))
    if who == "stranger":
        make.team_member(make.event(), user)
    db.session.commit()
    login(client, user)
    rounds = _rounds()
    assert _post(client, fx.event, fx.items["A1"].id).status_code == 403
    assert _rounds() == rounds


def test_results_page_offers_contested_items_ticked_to_facilitators_only(client, fx, make):
    facilitator = make.user(Role.facilitator)
    analyst = make.user(Role.analyst)
    db.session.commit()
    login(client, facilitator)
    page = client.get(f"/staff/events/{fx.event.id}/results").get_data(as_text=True)
    form = page[page.index('id="put-again"'):]
    form = form[:form.index("</form>")]
    assert f'action="/staff/events/{fx.event.id}/agenda/follow-ups"' in form
    a1, p1 = fx.items["A1"], fx.items["P1"]
    assert f'value="{a1.id}" checked' in form  # A1 is contested
    assert f'value="{p1.id}">' in form  # priority items may be picked, not ticked
    assert f'value="{fx.items["T1"].id}"' not in form
    client.post("/staff/logout")
    login(client, analyst)
    page = client.get(f"/staff/events/{fx.event.id}/results").get_data(as_text=True)
    assert 'id="put-again"' not in page


def test_a_put_again_round_opens_and_shows_convergence(client, fx, facilitator, make):
    """The whole path: put again, open from the console, answers, results with the IQR."""
    a1 = fx.items["A1"]
    _post(client, fx.event, a1.id)
    follow = db.session.scalar(select(Item).where(Item.code == "A1.2"))
    response = client.post(f"/staff/events/{fx.event.id}/rounds/{follow.round_id}/open",
                           data={"minutes": ""})
    assert response.status_code == 302
    for name, person in fx.people.items():
        make.response(person, follow, 4 if name != "p2" else 5)
    db.session.commit()
    page = client.get(f"/staff/events/{fx.event.id}/results").get_data(as_text=True)
    revotes = page[page.index('id="re-votes"'):]
    row = revotes[revotes.index(f'data-item-id="{follow.id}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-iqr-before="2.0"' in row and 'data-iqr-after="0.0"' in row
    assert 'data-converged="yes"' in row
