"""What a clerk may type on a paper ballot, and how a refusal reads (issue 11).

Digits that are no ASCII number ("²", "①") and numbers of thousands of digits are refused
like any other wrong value, on the form, in an upload and in a resolution; "04" and "4" are
the same typing; a voided participant's number takes no more ballots; an item's code that
reads like another column of the upload sheet is named; a save that another one beat by a
moment is a 409 with a message on every paper page, never a 500.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.accounts.models import Role
from consult.extensions import db
from consult.participants.models import Participant
from consult.voting import paper
from consult.voting.models import BallotStatus, PaperBallot, Response
from tests.voting.paper_helpers import ballot, ballots, client_of, closed_round, count, enter_url
from tests.voting.test_paper_upload import _header, _upload, _workbook

ANSWERS = ["4", "3", "2", "31", "2 1 - 3", "x"]
HUGE = "1" * 5000


@pytest.fixture
def world(app, make):
    event, round_, items = closed_round(make, double_entry=True)
    one, two = make.user(Role.clerk, username="one"), make.user(Role.clerk, username="two")
    boss = make.user(Role.facilitator, username="boss")
    db.session.commit()
    return event, round_, items, one, two, boss


# --- Digits that are no number ---------------------------------------------------------------

@pytest.mark.parametrize("value", ["²", "①", "1²", HUGE])
@pytest.mark.parametrize("field", ["ballot_number", "sector", "gender", "agreement", "multi",
                                   "ranking"])
def test_a_digit_that_is_no_number_is_refused_beside_its_field(app, world, field, value):
    event, round_, items, one, *_ = world
    data = ballot("5", items, ANSWERS)
    by_kind = {"agreement": items[0], "multi": items[3], "ranking": items[4]}
    if field in by_kind:
        data[f"item_{by_kind[field].id}"] = value if field != "ranking" else f"{value} 1"
    else:
        data[field] = value
    response = client_of(app, one).post(enter_url(event, round_), data=data)
    assert response.status_code == 400
    assert ballots(event) == []


@pytest.mark.parametrize("value", ["²", HUGE])
@pytest.mark.parametrize("column", ["sector", "gender", "ballot_number"])
def test_an_upload_with_a_digit_that_is_no_number_lists_it(app, world, column, value):
    event, round_, items, one, *_ = world
    row = {"ballot_number": 17, "sector": 1, "gender": 1, "organisation": "MoEYS"}
    row[column] = value
    rows = [[*row.values(), 4, None, 3, None, 2, None, 13, None, "2 1 - 3", None, "x", None]]
    response = _upload(client_of(app, one), event, round_, _workbook(rows, _header(items)))
    assert response.status_code == 400
    assert "problem" in response.get_data(as_text=True)
    assert ballots(event) == []


@pytest.mark.parametrize("value", ["²", HUGE])
def test_a_corrected_value_that_is_no_number_is_refused_in_the_resolution(app, world, value):
    event, round_, items, one, two, boss = world
    paper.enter_ballot(event, round_, one, ballot("7", items, ANSWERS))
    paper.enter_ballot(event, round_, two, ballot("7", items, ANSWERS, sector="2"))
    db.session.commit()
    mismatch = ballots(event)[0]
    assert mismatch.status == BallotStatus.mismatch
    url = f"/staff/events/{event.id}/paper/ballots/{mismatch.id}/resolve"
    response = client_of(app, boss).post(url, data={"pick_sector": "other",
                                                    "other_sector": value})
    assert response.status_code == 400
    assert ballots(event)[0].status == BallotStatus.mismatch


# --- One value, one way of writing it --------------------------------------------------------

def test_leading_zeros_are_no_difference_between_two_typings(app, world):
    event, round_, items, one, two, _ = world
    paper.enter_ballot(event, round_, one, ballot("7", items, ["04", "03", "2", "31",
                                                               "02 01 - 03", "x"],
                                                  sector="01", gender="01"))
    paper.enter_ballot(event, round_, two, ballot("7", items, ANSWERS))
    db.session.commit()
    saved = ballots(event)[0]
    assert saved.status == BallotStatus.confirmed
    assert saved.first_entry == saved.second_entry
    assert saved.first_entry[f"item_{items[0].id}"] == "4"
    assert saved.first_entry[f"item_{items[4].id}"] == "2 1 - 3"


# --- A voided participant's number ----------------------------------------------------------

def test_a_voided_participants_number_takes_no_more_ballots(app, make):
    event, first, first_items = closed_round(make)
    _, second, second_items = closed_round(make, event=event)
    clerk, boss = make.user(Role.clerk), make.user(Role.facilitator)
    db.session.commit()
    paper.enter_ballot(event, first, clerk, ballot("7", first_items, ANSWERS))
    db.session.commit()
    person = db.session.scalar(select(Participant))
    assert person.paper_number == "7"
    person.void(boss, "a test ballot")
    db.session.commit()
    response = client_of(app, clerk).post(enter_url(event, second),
                                          data=ballot("7", second_items, ANSWERS))
    assert response.status_code == 400
    assert "attendee list" in response.get_data(as_text=True)
    assert count(Response) == 6
    assert count(PaperBallot, PaperBallot.round_id == second.id) == 0


# --- Item codes that read like another column ------------------------------------------------

@pytest.mark.parametrize("codes", [
    ["gender", "Q2", "Q3", "Q4", "Q5", "Q6"],
    ["Q1", "Q1Comment", "Q3", "Q4", "Q5", "Q6"],
    ["Q1", "q1", "Q3", "Q4", "Q5", "Q6"],
], ids=["header name", "comment column", "letter case"])
def test_an_item_code_that_reads_like_another_column_is_named(app, make, codes):
    event, round_, items = closed_round(make, codes=codes)
    clerk = make.user(Role.clerk)
    db.session.commit()
    header = ["ballot_number", "sector", "gender", "organisation"]
    for item in items:
        header += [item.code, f"{item.code} comment"] if item.allow_comment else [item.code]
    rows = [[17, 1, 1, "MoEYS", 4, None, 3, None, 2, None, 13, None, "2 1 - 3", None, "x",
             None][:len(header)]]
    response = _upload(client_of(app, clerk), event, round_, _workbook(rows, header))
    assert response.status_code == 400
    assert "reads the same as another column" in response.get_data(as_text=True)
    assert ballots(event) == []


# --- A save beaten by a moment ---------------------------------------------------------------

def _a_moment_too_late(monkeypatch):
    """As if the ballot or participant another request saved meanwhile were not there yet
    when this one looked (what two requests at once see on PostgreSQL)."""
    monkeypatch.setattr(paper, "find_ballot", lambda *args, **kwargs: None)
    monkeypatch.setattr(paper, "participant_of", lambda *args, **kwargs: None)


def test_an_upload_beaten_by_a_moment_is_a_conflict_not_an_error(app, world, monkeypatch):
    event, round_, items, one, two, _ = world
    paper.enter_ballot(event, round_, one, ballot("17", items, ANSWERS))
    db.session.commit()
    _a_moment_too_late(monkeypatch)
    rows = [[17, 1, 1, "MoEYS", 4, None, 3, None, 2, None, 13, None, "2 1 - 3", None, "x", None]]
    response = _upload(client_of(app, two), event, round_, _workbook(rows, _header(items)))
    assert response.status_code == 409
    assert "at the same moment" in response.get_data(as_text=True)
    assert len(ballots(event)) == 1


def test_a_typing_beaten_by_a_moment_is_a_conflict_not_an_error(app, world, monkeypatch):
    event, round_, items, one, two, _ = world
    paper.enter_ballot(event, round_, one, ballot("17", items, ANSWERS))
    db.session.commit()
    _a_moment_too_late(monkeypatch)
    response = client_of(app, two).post(enter_url(event, round_),
                                        data=ballot("17", items, ANSWERS))
    assert response.status_code == 409
    assert "at the same moment" in response.get_data(as_text=True)


def test_a_resolution_beaten_by_a_moment_is_a_conflict_not_an_error(app, make, monkeypatch):
    event, first, first_items = closed_round(make, double_entry=True)
    _, second, second_items = closed_round(make, event=event)
    one, two = make.user(Role.clerk, username="one"), make.user(Role.clerk, username="two")
    boss = make.user(Role.facilitator)
    db.session.commit()
    for clerk in (one, two):  # ballot 7 of the first round counts: its participant exists
        paper.enter_ballot(event, first, clerk, ballot("7", first_items, ANSWERS))
    paper.enter_ballot(event, second, one, ballot("7", second_items, ANSWERS))
    paper.enter_ballot(event, second, two, ballot("7", second_items, ["5", *ANSWERS[1:]]))
    db.session.commit()
    mismatch = db.session.scalar(select(PaperBallot).where(PaperBallot.round_id == second.id))
    _a_moment_too_late(monkeypatch)
    url = f"/staff/events/{event.id}/paper/ballots/{mismatch.id}/resolve"
    response = client_of(app, boss).post(url, data={f"pick_item_{second_items[0].id}": "first"})
    assert response.status_code == 409
    assert "at the same moment" in response.get_data(as_text=True)
    assert count(Participant) == 1
