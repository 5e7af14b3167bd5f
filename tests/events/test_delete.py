"""Deleting an event removes every row of it, once the join code is typed; audited with counts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult.accounts.models import AuditEntry, Role
from consult.agenda.models import Item, ItemKind, ItemOption, Round, Section
from consult.events.models import Event, EventStaff, Sector
from consult.extensions import db
from consult.participants.models import Participant
from consult.voting.models import PaperBallot, Response, ResponseChoice
from tests.conftest import login
from tests.helpers import workshop

TABLES = (Participant, Response, ResponseChoice, PaperBallot, Item, ItemOption, Round, Section,
          Sector, EventStaff)


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def doomed(client, make):
    """A closed workshop with answers of every storage kind, a paper ballot and a team."""
    event, round_, items = workshop(make, kinds=(ItemKind.agreement, ItemKind.ranking))
    person = make.participant(event)
    make.response(person, items[0], comment="Keep it")
    ranked = make.response(person, items[1], value=None)
    from consult.voting.models import ResponseChoice as Choice

    ranked.choices.append(Choice(option_id=items[1].options[0].id, rank=1))
    admin = make.user(Role.admin)
    make.team_member(event, make.user(Role.analyst, team=False))
    db.session.add(PaperBallot(event_id=event.id, ballot_number="B1", first_entry={},
                               entered_by_id=admin.id))
    round_.close()
    keep = make.event()
    make.participant(keep)
    db.session.commit()
    login(client, admin)
    return event, keep, admin


def test_wrong_code_deletes_nothing(client, doomed):
    event, _keep, _admin = doomed
    url = f"/staff/events/{event.id}/delete"
    page = client.get(url)
    assert page.status_code == 200 and "Answers: 2" in page.get_data(as_text=True)
    before = {model: _count(model) for model in TABLES}
    response = client.post(url, data={"join_code": "WRONG2"})
    assert response.status_code == 400
    assert "That is not this event&#39;s join code. Nothing was deleted." in response.get_data(as_text=True)
    assert {model: _count(model) for model in TABLES} == before
    assert db.session.get(Event, event.id) is not None
    assert client.post(url, data={"join_code": ""}).status_code == 400


def test_right_code_deletes_every_row_and_is_audited(client, doomed):
    event, keep, admin = doomed
    event_id, code, title = event.id, event.join_code, event.title_en
    keep_id, admin_id = keep.id, admin.id
    client.post(f"/staff/events/{event_id}/settings", data={
        "validate_pct": "60", "sector_floor_pct": "50", "contest_pct": "50",
        "spread_pct": "30", "min_sector_n": "3", "min_cell": "3"})  # an entry to outlive it
    response = client.post(f"/staff/events/{event_id}/delete",
                           data={"join_code": code.lower()})
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/")
    db.session.expunge_all()
    assert db.session.get(Event, event_id) is None
    for model in (Participant, PaperBallot, Item, Round, Section, Sector, EventStaff):
        assert db.session.scalar(select(func.count()).select_from(model)
                                 .where(model.event_id == event_id)) == 0, model
    assert _count(Response) == 0 and _count(ResponseChoice) == 0 and _count(ItemOption) == 0
    # The other event is untouched.
    assert db.session.get(Event, keep_id) is not None
    assert _count(Participant) == 1 and _count(Sector) == 6
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.delete"))
    assert entry.event_id is None and entry.user_id == admin_id
    assert entry.details["id"] == event_id and entry.details["join_code"] == code
    assert entry.details["title_en"] == title
    assert (entry.details["participants"], entry.details["responses"], entry.details["items"],
            entry.details["rounds"]) == (1, 2, 2, 1)
    # Earlier entries of the event stay, their event emptied.
    older = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.thresholds"))
    assert older is not None and older.event_id is None


def test_an_open_round_blocks_deletion(client, make):
    event, _round, _items = workshop(make)
    admin = make.user(Role.admin)
    db.session.commit()
    login(client, admin)
    response = client.post(f"/staff/events/{event.id}/delete",
                           data={"join_code": event.join_code})
    assert response.status_code == 409
    assert "Close it before deleting" in response.get_data(as_text=True)
    assert db.session.get(Event, event.id) is not None


@pytest.mark.parametrize("role", ["facilitator", "analyst"])
def test_only_admins_delete(client, make, role):
    event = make.event()
    user = make.user(Role(role))
    db.session.commit()
    login(client, user)
    url = f"/staff/events/{event.id}/delete"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"join_code": event.join_code}).status_code == 403
    assert db.session.get(Event, event.id) is not None


def test_the_events_prepared_workbooks_go_with_it(app, client, doomed):
    """Not at the next export's sweep: at once (the rows that owned the files are gone)."""
    import os

    from consult.results import jobs
    from consult.timeutil import utcnow

    event, keep, admin = doomed
    now = utcnow()
    os.makedirs(jobs.folder(), mode=0o700, exist_ok=True)
    for owner, token in ((event, "D" * 32), (keep, "K" * 32)):
        db.session.add(jobs.ExportJob(
            token=token, event_id=owner.id, user_id=admin.id, lang="en", identifying=False,
            filters={}, params_key=token, state=jobs.JobState.done, total_rows=1,
            download_name="x.xlsx", created_at=now, updated_at=now, finished_at=now))
        jobs.file_path(token).write_bytes(b"workbook")
    db.session.commit()
    response = client.post(f"/staff/events/{event.id}/delete",
                           data={"join_code": event.join_code})
    assert response.status_code == 302
    assert not jobs.file_path("D" * 32).exists() and jobs.file_path("K" * 32).exists()
