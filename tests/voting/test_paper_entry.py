"""Typing paper ballots through HTTP: every kind, the convention's digits, every refusal."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role
from consult.agenda.models import ItemKind
from consult.events.models import EventStatus
from consult.extensions import db
from consult.participants.models import Gender, Participant
from consult.voting.models import BallotStatus, PaperBallot, Response
from tests.conftest import login
from tests.helpers import as_participant, vote
from tests.voting.paper_helpers import (
    ballot,
    ballots,
    client_of,
    closed_round,
    count,
    enter_url,
)


@pytest.fixture
def world(make):
    event, round_, items = closed_round(make)
    clerk = make.user(Role.clerk, username="clerk1")
    db.session.commit()
    return event, round_, items, clerk


def _responses(event):
    db.session.rollback()
    return {r.item.code: r for r in db.session.scalars(
        select(Response).join(Participant).where(Participant.event_id == event.id))}


def test_a_clerk_types_a_ballot_of_every_kind_and_it_counts_as_paper(client, world):
    event, round_, items, clerk = world
    login(client, clerk)
    page = client.get(enter_url(event, round_))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Tab order follows the printed ballot: the number first (with the cursor), the header,
    # then every item with its comment.
    names = re.findall(r'<input[^>]*name="((?:ballot_number|sector|gender|organisation|'
                       r'item_\d+|comment_\d+))"', html)
    expected = ["ballot_number", "sector", "gender", "organisation"]
    for item in items:
        expected += [f"item_{item.id}", f"comment_{item.id}"]
    assert names == expected
    assert re.search(r'<input[^>]*autofocus[^>]*name="ballot_number"', html)
    assert "tabindex" not in html
    agreement, priority, choice, multi, ranking, text = items
    data = ballot("0017", items, ["4", "3", "2", "31", "2 1 - 3", "More teachers"],
                  sector="2", gender="1", comments={agreement: "Needs a budget"})
    saved = client.post(enter_url(event, round_), data=data)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(enter_url(event, round_))
    [typed] = ballots(event)
    assert (typed.ballot_number, typed.status) == ("17", BallotStatus.confirmed)
    person = db.session.get(Participant, typed.participant_id)
    assert person.source == "paper" and person.gender == Gender.woman
    assert person.sector_id == event.sectors[1].id and person.organisation == "MoEYS"
    answers = _responses(event)
    assert {r.source for r in answers.values()} == {"paper"}
    assert answers[agreement.code].value == 4 and answers[agreement.code].comment == "Needs a budget"
    assert answers[priority.code].value == 3
    codes = {o.id: o.code for i in items for o in i.options}
    assert [codes[c.option_id] for c in answers[choice.code].choices] == ["b"]
    assert sorted(codes[c.option_id] for c in answers[multi.code].choices) == ["a", "c"]
    # Places typed in option order "2 1 - 3": B first, A second, D third.
    assert [(codes[c.option_id], c.rank) for c in answers[ranking.code].choices] == [
        ("b", 1), ("a", 2), ("d", 3)]
    assert answers[text.code].text_value == "More teachers"
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.event_id == event.id, AuditEntry.user_id == clerk.id)).all()
    assert actions == ["paper.enter", "paper.confirm"]
    # The running count.
    html = client.get(enter_url(event, round_)).get_data(as_text=True)
    assert re.search(r"Typed by you:\s*<strong>1</strong>", html)
    assert re.search(r"Ballots counted:\s*<strong>1</strong>", html)


def test_blank_items_give_no_answer_and_khmer_digits_are_read(client, world):
    event, round_, items, clerk = world
    login(client, clerk)
    data = ballot("២៣", items, ["៥", "", "", "", "", ""], sector="៣", gender="៤")
    assert client.post(enter_url(event, round_), data=data).status_code == 302
    [typed] = ballots(event)
    assert typed.ballot_number == "23"
    answers = _responses(event)
    assert list(answers) == [items[0].code] and answers[items[0].code].value == 5
    assert db.session.get(Participant, typed.participant_id).gender == Gender.undisclosed


@pytest.mark.parametrize(("field", "typed", "message"), [
    (0, "7", "This answer is not one of the choices."),
    (0, "45", "This answer is not one of the choices."),
    (1, "0", "This answer is not one of the choices."),
    (2, "5", "Type the number of an option, from 1 to 4."),
    (2, "12", "Please choose one answer."),
    (3, "1x", "Type the number of an option, from 1 to 4."),
    (4, "1 1", "Each place can be given to one option only."),
    (4, "2 3", "Please fill the places in order, starting with 1."),
    (4, "1 2 3 4 5", "Type one place for each option"),
    (4, "9", "Places go from 1 to 4."),
])
def test_bad_digits_are_reported_beside_their_field_and_nothing_is_saved(
        client, world, field, typed, message):
    event, round_, items, clerk = world
    login(client, clerk)
    answers = ["4", "3", "1", "1", "1", "x"]
    answers[field] = typed
    response = client.post(enter_url(event, round_), data=ballot(5, items, answers))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    item = items[field]
    error = re.search(rf'id="item_{item.id}-error"[^>]*>([^<]*)<', html)
    assert error and message in error.group(1)
    # The typed values stay, and the cursor goes to the field with the problem.
    assert re.search(rf'<input[^>]*aria-invalid="true"[^>]*autofocus[^>]*name="item_{item.id}"'
                     rf'[^>]*value="{re.escape(typed)}"', html)
    assert count(PaperBallot) == 0 and count(Response) == 0


@pytest.mark.parametrize(("fields", "where", "message"), [
    ({"sector": "9"}, "sector", "No sector has this number: type one from 1 to 6."),
    ({"sector": ""}, "sector", "Please type the sector&#39;s number, from 1 to 6."),
    ({"gender": "5"}, "gender", "Please type the gender&#39;s number, from 1 to 4."),
    ({"ballot_number": ""}, "ballot_number", "Please type the ballot number."),
    ({"ballot_number": "12/3"}, "ballot_number", "A ballot number has at most 40 letters"),
])
def test_bad_header_fields_are_refused(client, world, fields, where, message):
    event, round_, items, clerk = world
    login(client, clerk)
    data = {**ballot(5, items, ["4", "", "", "", "", ""]), **fields}
    response = client.post(enter_url(event, round_), data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(rf'id="{where}-error"[^>]*>[^<]*{re.escape(message)}', html), html[:3000]
    assert count(PaperBallot) == 0 and count(Participant) == 0


def test_a_ballot_without_any_answer_or_a_lone_comment_is_refused(client, world):
    event, round_, items, clerk = world
    login(client, clerk)
    blank = client.post(enter_url(event, round_), data=ballot(5, items, [""] * 6))
    assert blank.status_code == 400 and "This ballot has no answer" in blank.get_data(as_text=True)
    lone = client.post(enter_url(event, round_), data=ballot(
        5, items, ["", "2", "", "", "", ""], comments={items[0]: "Only a comment"}))
    html = lone.get_data(as_text=True)
    assert lone.status_code == 400
    assert re.search(rf'id="comment_{items[0].id}-error"[^>]*>Please choose an answer first', html)
    assert count(PaperBallot) == 0


def test_an_item_without_comments_has_no_comment_field(client, make):
    event, round_, items = closed_round(make, kinds=(ItemKind.agreement, ItemKind.agreement))
    items[1].allow_comment = False
    clerk = make.user(Role.clerk)
    db.session.commit()
    login(client, clerk)
    html = client.get(enter_url(event, round_)).get_data(as_text=True)
    assert f'name="comment_{items[0].id}"' in html and f'name="comment_{items[1].id}"' not in html


def test_a_draft_round_takes_no_paper_ballot(client, make):
    event, _, items = closed_round(make)
    draft = make.round(event)
    item = make.item(event, event.sections[0], draft)
    clerk = make.user(Role.clerk)
    db.session.commit()
    login(client, clerk)
    page = client.get(enter_url(event, draft))
    assert page.status_code == 200 and "has not been opened yet" in page.get_data(as_text=True)
    assert 'name="ballot_number"' not in page.get_data(as_text=True)
    refused = client.post(enter_url(event, draft), data=ballot(1, [item], ["4"]))
    assert refused.status_code == 409 and "has not been opened yet" in refused.get_data(as_text=True)
    # The whole agenda waits for every round to have been opened.
    whole = client.post(enter_url(event), data=ballot(1, [*items, item], ["4"] + [""] * 6))
    assert whole.status_code == 409 and "Some rounds have not been opened yet" in whole.get_data(
        as_text=True)
    assert count(PaperBallot) == 0 and count(Response) == 0


def test_an_archived_event_is_read_only(client, world):
    event, round_, items, clerk = world
    event.set_status(EventStatus.archived)
    db.session.commit()
    login(client, clerk)
    refused = client.post(enter_url(event, round_), data=ballot(1, items, ["4"] + [""] * 5))
    assert refused.status_code == 409 and "archived" in refused.get_data(as_text=True)
    assert count(PaperBallot) == 0
    listing = client.get(f"/staff/events/{event.id}/paper").get_data(as_text=True)
    assert "archived" in listing and f"/paper/rounds/{round_.id}\"" not in listing


def test_participants_own_votes_stay_refused_after_close(client, world, make):
    event, round_, items, clerk = world
    person = make.participant(event)
    db.session.commit()
    as_participant(client, person)
    assert vote(client, event, items[0], "4").status_code == 409
    login(client, clerk)
    assert client.post(enter_url(event, round_),
                       data=ballot(1, items, ["4"] + [""] * 5)).status_code == 302
    assert count(Response) == 1


def test_a_counted_ballot_number_is_refused_for_the_same_round(app, client, world, make):
    event, round_, items, clerk = world
    other = make.user(Role.clerk)
    db.session.commit()
    login(client, clerk)
    assert client.post(enter_url(event, round_), data=ballot(8, items, ["4"] + [""] * 5)
                       ).status_code == 302
    again = client_of(app, other).post(enter_url(event, round_), data=ballot(8, items, ["2"] + [""] * 5))
    assert again.status_code == 409
    assert "has been counted already" in again.get_data(as_text=True)
    assert [r.value for r in _responses(event).values()] == [4]


def test_one_ballot_number_is_one_person_across_rounds(client, world, make):
    event, round_, items, clerk = world
    _, second_round, second_items = closed_round(make, kinds=(ItemKind.agreement,), event=event)
    login(client, clerk)
    assert client.post(enter_url(event, round_), data=ballot(
        3, items, ["4"] + [""] * 5, sector="2", gender="2")).status_code == 302
    assert client.post(enter_url(event, second_round), data=ballot(
        3, second_items, ["5"], sector="2", gender="2")).status_code == 302
    people = {b.participant_id for b in ballots(event)}
    assert len(people) == 1 and count(Participant) == 1 and count(Response) == 2
    # Another profile for the same number is a typing error until someone checks the paper.
    _, third_round, third_items = closed_round(make, kinds=(ItemKind.agreement,), event=event)
    wrong = client.post(enter_url(event, third_round), data=ballot(
        3, third_items, ["5"], sector="3", gender="2"))
    assert wrong.status_code == 400
    assert "counted before with another sector or gender" in wrong.get_data(as_text=True)
    # A number typed on a round's ballot cannot be typed on a whole-agenda ballot as well.
    whole = client.post(enter_url(event), data=ballot(
        3, [*items, *second_items, *third_items], ["4"] + [""] * 7, sector="2", gender="2"))
    assert whole.status_code == 400 and "whole agenda" in whole.get_data(as_text=True)
    assert count(Response) == 2


def test_the_whole_agenda_ballot_numbers_items_round_by_round(client, make):
    event, first, items = closed_round(make, kinds=(ItemKind.agreement, ItemKind.priority))
    _, second, more = closed_round(make, kinds=(ItemKind.choice,), event=event)
    clerk = make.user(Role.clerk)
    db.session.commit()
    login(client, clerk)
    html = client.get(enter_url(event)).get_data(as_text=True)
    order = [int(n) for n in re.findall(r'name="item_(\d+)"', html)]
    assert order == [items[0].id, items[1].id, more[0].id]
    assert client.post(enter_url(event), data=ballot(
        40, [*items, *more], ["1", "2", "3"])).status_code == 302
    answers = _responses(event)
    assert {r.round_id for r in answers.values()} == {first.id, second.id}
    assert [b.round_id for b in ballots(event)] == [None]


def test_double_entry_is_switched_by_facilitators_and_audited(app, client, world, make):
    event, round_, items, clerk = world
    facilitator = make.user(Role.facilitator)
    db.session.commit()
    url = f"/staff/events/{event.id}/paper/double-entry"
    login(client, clerk)
    assert client.post(url, data={"double_entry": "y"}).status_code == 403
    boss = client_of(app, facilitator)
    assert boss.post(url, data={"double_entry": "y"}).status_code == 302
    db.session.rollback()
    assert event.double_entry is True
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "paper.double_entry"))
    assert entry.user_id == facilitator.id and entry.details == {"on": True}
    # A ballot waiting for its second typing holds the setting.
    client.post(enter_url(event, round_), data=ballot(1, items, ["4"] + [""] * 5))
    refused = boss.post(url, data={}, follow_redirects=True)
    assert "finish them before changing double entry" in refused.get_data(as_text=True)
    db.session.rollback()
    assert event.double_entry is True


def test_a_clerk_sees_only_the_paper_pages(client, world):
    event, _round, _items, clerk = world
    login(client, clerk)
    home = client.get("/staff/").get_data(as_text=True)
    assert f"/staff/events/{event.id}/paper" in home
    assert f"/staff/events/{event.id}/console" not in home
    assert "/screen" not in home
    page = client.get(f"/staff/events/{event.id}/paper").get_data(as_text=True)
    nav = re.search(r'<nav class="subnav event-nav".*?</nav>', page, re.S).group(0)
    assert "Paper ballots" in nav and "/console" not in nav and "/results" not in nav
    for path in ("console", "results", "agenda", "audit", "export.csv"):
        assert client.get(f"/staff/events/{event.id}/{path}").status_code == 403


def test_facilitators_find_the_paper_pages_in_the_event_menu(app, world, make):
    event, *_ = world
    facilitator, analyst = make.user(Role.facilitator), make.user(Role.analyst)
    db.session.commit()
    client = client_of(app, facilitator)
    html = client.get(f"/staff/events/{event.id}/console").get_data(as_text=True)
    assert f'href="/staff/events/{event.id}/paper"' in html
    client = client_of(app, analyst)
    html = client.get(f"/staff/events/{event.id}/console").get_data(as_text=True)
    assert f'href="/staff/events/{event.id}/paper"' not in html
    assert client.get(f"/staff/events/{event.id}/paper").status_code == 403


def test_the_entry_form_is_in_khmer(khmer_client, world):
    event, round_, _items, clerk = world
    login(khmer_client, clerk)
    html = khmer_client.get(enter_url(event, round_)).get_data(as_text=True)
    assert 'lang="km"' in html and "ចំណុចទី 1" in html


def test_the_audit_page_names_paper_entries_and_filters_them(client, world, make):
    event, round_, items, clerk = world
    login(client, clerk)
    data = ballot("21", items, ["4", "3", "2", "31", "2 1 - 3", "Roads"], sector="1",
                  gender="2")
    assert client.post(enter_url(event, round_), data=data).status_code == 302
    client.post("/staff/logout")
    admin = make.user(Role.admin)
    db.session.commit()
    login(client, admin)
    page = client.get(f"/staff/events/{event.id}/audit?family=paper").get_data(as_text=True)
    assert "Paper ballot typed" in page and "Paper ballot counted" in page
    assert "Round opened" not in page  # the filter keeps paper entries only
