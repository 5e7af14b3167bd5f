"""The audit trail: an event's page (its team reads it), the global page (admins), the CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from babel.dates import get_timezone
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role
from consult.accounts.operations import record
from consult.accounts.queries import PER_PAGE
from consult.events.operations import delete_event
from consult.extensions import db
from tests.conftest import login
from tests.helpers import workshop


@pytest.fixture
def trail(client, make):
    """An event whose facilitator opened a round and exported the workbook, over HTTP."""
    event, round_, _items = workshop(make, open_round=False)
    users = {"facilitator": make.user(Role.facilitator, username="dara"),
             "analyst": make.user(Role.analyst, username="sokha"),
             "admin": make.user(Role.admin, username="admin")}
    stranger = make.user(Role.facilitator, username="stranger", team=False)
    make.team_member(make.event(), stranger)
    users["stranger"] = stranger
    db.session.commit()
    login(client, users["facilitator"])
    opened = client.post(f"/staff/events/{event.id}/rounds/{round_.id}/open",
                         follow_redirects=True)  # (the flash is read, not left for the next)
    assert opened.status_code == 200
    assert client.get(f"/staff/events/{event.id}/export.xlsx").status_code == 200
    client.post("/staff/logout")
    export = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export.xlsx"))
    return {"event": event, "round": round_, "users": users, "checksum": export.details["checksum"]}


def _page(client, path: str, **args) -> str:
    response = client.get(path, query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_event_page_shows_the_opened_round_and_the_export_with_its_checksum(client, trail):
    event = trail["event"]
    login(client, trail["users"]["analyst"])  # an analyst of the event reads it too
    page = _page(client, f"/staff/events/{event.id}/audit")
    assert "Round opened" in page and "round.open" in page
    assert "Workbook exported" in page and trail["checksum"] in page
    assert "Khmer and English" in page  # the export's language, in words (not "both")
    assert "Checksum (SHA-256)" in page
    assert "dara" in page
    assert page.index("Workbook exported") < page.index("Round opened")  # newest first
    assert "Signed in" not in page  # sign-ins belong to no event


def test_the_event_page_filters(client, trail):
    event, users = trail["event"], trail["users"]
    record("comment.hide", user=users["admin"], event_id=event.id, target_type="responses",
           target_id=1)
    db.session.commit()
    login(client, users["facilitator"])
    path = f"/staff/events/{event.id}/audit"

    rounds = _page(client, path, family="rounds")
    assert "Round opened" in rounds and "Workbook exported" not in rounds
    exports = _page(client, path, family="exports")
    assert "Workbook exported" in exports and "Round opened" not in exports
    by_admin = _page(client, path, user=users["admin"].id)
    assert "Comment hidden" in by_admin and "Round opened" not in by_admin
    assert "No entry matches these filters." in _page(client, path, family="deletions")

    today = datetime.now(get_timezone(event.timezone)).date()
    assert "Round opened" in _page(client, path, since=today.isoformat(), until=today.isoformat())
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    assert "No entry matches" in _page(client, path, since=tomorrow.isoformat())
    assert "No entry matches" in _page(client, path, until=yesterday.isoformat())

    # Nonsense counts as "all"; a date that is not one says so.
    assert "Round opened" in _page(client, path, family="nonsense", user="x", page="-3")
    response = client.get(path, query_string={"since": "31/31/2026"})
    assert response.status_code == 400
    assert "Please give a date as year-month-day" in response.get_data(as_text=True)


def test_the_event_page_is_paginated(client, trail):
    event = trail["event"]
    for n in range(PER_PAGE + 5):
        record("agenda.item_edit", user=trail["users"]["admin"], event_id=event.id,
               target_type="items", target_id=n)
    db.session.commit()
    login(client, trail["users"]["admin"])
    path = f"/staff/events/{event.id}/audit"
    first = _page(client, path, family="agenda")
    assert first.count("Item edited") == PER_PAGE and "page 1 of 2" in first
    second = _page(client, path, family="agenda", page=2)
    assert second.count("Item edited") == 5 and "family=agenda" in second  # links keep filters


def test_the_event_csv_has_a_bom_and_neutralised_cells(client, make, trail):
    event = trail["event"]
    sneaky = make.user(Role.facilitator, username="=HYPERLINK(1)")
    record("=SUM(A1)", user=sneaky, event_id=event.id, note="-2+3")
    db.session.commit()
    login(client, trail["users"]["analyst"])
    rows = _csv(client.get(f"/staff/events/{event.id}/audit.csv"))
    assert rows[0] == ["time", "user", "action", "action_label", "target", "details"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert rows[1][1] == "'=HYPERLINK(1)" and rows[1][2] == "'=SUM(A1)"
    assert rows[1][0].endswith("+07:00")  # the event's time zone (Asia/Phnom_Penh)
    export = next(row for row in rows if row[2] == "export.xlsx")
    assert export[3] == "Workbook exported" and trail["checksum"] in export[5]
    assert export[4] == f"Event #{event.id}"
    # Filtered like the page.
    only_rounds = _csv(client.get(f"/staff/events/{event.id}/audit.csv?family=rounds"))
    assert [row[2] for row in only_rounds[1:]] == ["round.open"]


@pytest.mark.parametrize("path", ["/staff/events/{id}/audit", "/staff/events/{id}/audit.csv"])
def test_staff_of_another_event_are_refused(client, trail, path):
    login(client, trail["users"]["stranger"])
    assert client.get(path.format(id=trail["event"].id)).status_code == 403


def test_the_global_trail_is_for_admins(client, make, trail):
    event, users = trail["event"], trail["users"]
    for _attempt in range(2):
        client.post("/staff/login", data={"username": "dara", "password": "wrong password"})
    gone = make.event()
    db.session.commit()
    gone_code = gone.join_code
    delete_event(gone, users["admin"], gone_code)
    db.session.commit()

    login(client, users["facilitator"])
    assert client.get("/staff/audit").status_code == 403
    assert client.get("/staff/audit.csv").status_code == 403
    client.post("/staff/logout")

    login(client, users["admin"])
    page = _page(client, "/staff/audit")
    assert "Failed sign-in" in page and "Attempts" in page
    assert "Signed in" in page and "Round opened" in page
    assert "Event deleted" in page and gone_code in page
    staff_wide = _page(client, "/staff/audit", event=-1)
    assert "Event deleted" in staff_wide and "Round opened" not in staff_wide
    one_event = _page(client, "/staff/audit", event=event.id)
    assert "Round opened" in one_event and "Failed sign-in" not in one_event

    rows = _csv(client.get("/staff/audit.csv"))
    assert rows[0] == ["time", "event", "user", "action", "action_label", "target", "details"]
    failed = next(row for row in rows if row[3] == "user.login_failed")
    assert '"count": 2' in failed[6] and failed[2] == ""
    deleted = next(row for row in rows if row[3] == "event.delete")
    assert deleted[1] == gone_code
    assert next(row for row in rows if row[3] == "round.open")[1] == event.join_code
