"""Uploading ballots typed elsewhere: the sheet "ballots", the entry form's rules, all or nothing."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role
from consult.extensions import db
from consult.voting.models import BallotStatus, PaperBallot, Response
from tests.voting.paper_helpers import ballot, ballots, client_of, closed_round, count, enter_url


def _workbook(rows, header=None, sheet="ballots") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _header(items) -> list[str]:
    header = ["ballot_number", "sector", "gender", "organisation"]
    for item in items:
        header += [item.code, f"{item.code} comment"]
    return header


def _upload(client, event, round_, data: bytes, name="typed.xlsx"):
    return client.post(enter_url(event, round_) + "/upload",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_an_upload_saves_every_ballot_like_the_entry_form(app, make):
    event, round_, items = closed_round(make)
    clerk = make.user(Role.clerk)
    db.session.commit()
    rows = [
        # Numbers as a spreadsheet stores them: 17 (a number), 4.0, "13" for a multi.
        [17, 2, 1, "MoEYS", 4, "Needs a budget", 3, None, 2, None, 13, None, "2 1 - 3", None,
         "More teachers", None],
        ["A-2", "៣", 4, None, 0, None, None, None, None, None, "2 4", None, None, None, None, None],
    ]
    clerk_client = client_of(app, clerk)
    page = clerk_client.get(enter_url(event, round_) + "/upload")
    assert page.status_code == 200 and "ballot_number" in page.get_data(as_text=True)
    done = _upload(clerk_client, event, round_, _workbook(rows, _header(items)))
    assert done.status_code == 302, done.get_data(as_text=True)[:3000]
    saved = ballots(event)
    assert [(b.ballot_number, b.status) for b in saved] == [
        ("17", BallotStatus.confirmed), ("A-2", BallotStatus.confirmed)]
    assert count(Response) == 6 + 2
    assert {r.source for r in db.session.scalars(select(Response))} == {"paper"}
    upload = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "paper.upload"))
    assert upload.user_id == clerk.id and upload.details["count"] == 2
    # The same number typed in the form afterwards: counted already.
    again = clerk_client.post(enter_url(event, round_),
                              data=ballot(17, items, ["4", "", "", "", "", ""], sector="2"))
    assert again.status_code == 409


def test_every_problem_is_listed_by_row_and_column_and_nothing_is_saved(app, make):
    event, round_, items = closed_round(make)
    clerk = make.user(Role.clerk)
    db.session.commit()
    good = [1, 1, 1, "", 4, None, 3, None, 2, None, 13, None, None, None, None, None]
    rows = [
        good,
        [2, 9, 1, "", 4, None, 3, None, 2, None, 13, None, None, None, None, None],
        [3, 1, 1, "", 7, None, 3, None, 2, None, 13, None, "1 1", None, None, None],
        [1, 1, 1, "", 4, None, 3, None, 2, None, 13, None, None, None, None, None],
    ]
    response = _upload(client_of(app, clerk), event, round_, _workbook(rows, _header(items)))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    cells = [re.sub(r"<[^>]+>", "", c).strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]
    problems = [tuple(cells[i:i + 4]) for i in range(0, len(cells), 4)]
    code, ranking = items[0].code, items[4].code
    assert ("ballots", "3", "B (sector)",
            "No sector has this number: type one from 1 to 6.") in problems
    assert ("ballots", "4", f"E ({code})", "This answer is not one of the choices.") in problems
    assert ("ballots", "4", f"M ({ranking})",
            "Each place can be given to one option only.") in problems
    assert ("ballots", "5", "A (ballot_number)", "Ballot number 1 is on row 2 too.") in problems
    assert len(problems) == 4
    assert count(PaperBallot) == 0 and count(Response) == 0


def test_the_sheet_needs_its_columns_and_knows_no_others(app, make):
    event, round_, items = closed_round(make)
    clerk = make.user(Role.clerk)
    db.session.commit()
    client = client_of(app, clerk)
    header = [h for h in _header(items) if h != items[2].code] + ["notes"]
    html = _upload(client, event, round_, _workbook([], header)).get_data(as_text=True)
    assert f"has no column {items[2].code}" in html and "This column is not on this ballot" in html
    wrong = _upload(client, event, round_, _workbook([], _header(items), sheet="Sheet1"))
    assert wrong.status_code == 400 and "has no sheet ballots" in wrong.get_data(as_text=True)
    junk = _upload(client, event, round_, b"not a workbook")
    assert junk.status_code == 400 and "This is not an Excel workbook" in junk.get_data(as_text=True)
    assert count(PaperBallot) == 0


def test_with_double_entry_an_upload_is_one_clerks_typing(app, make):
    event, round_, items = closed_round(make, double_entry=True)
    uploader, typist = make.user(Role.clerk), make.user(Role.clerk)
    db.session.commit()
    row = [5, 1, 2, "", 4, None, None, None, None, None, None, None, None, None, None, None]
    uploading = client_of(app, uploader)
    assert _upload(uploading, event, round_, _workbook([row], _header(items))).status_code == 302
    assert [b.status for b in ballots(event)] == [BallotStatus.entered] and count(Response) == 0
    # The uploader cannot confirm their own typing, by form or by a second file.
    refused = _upload(uploading, event, round_, _workbook([row], _header(items)))
    assert refused.status_code == 400
    assert "You have typed ballot 5 already" in refused.get_data(as_text=True)
    second = client_of(app, typist).post(enter_url(event, round_), data=ballot(
        5, items, ["4", "", "", "", "", ""], sector="1", gender="2", organisation=""))
    assert second.status_code == 302
    assert [b.status for b in ballots(event)] == [BallotStatus.confirmed] and count(Response) == 1


def test_an_upload_is_refused_for_a_draft_round_and_for_a_clerk_of_another_event(app, make):
    event, _, _items = closed_round(make)
    draft = make.round(event)
    make.item(event, event.sections[0], draft)
    clerk = make.user(Role.clerk)
    outsider = make.user(Role.clerk, team=False)
    db.session.commit()
    refused = _upload(client_of(app, clerk), event, draft, _workbook([], ["ballot_number"]))
    assert refused.status_code == 409
    assert _upload(client_of(app, outsider), event, draft, b"x").status_code == 403
    assert count(PaperBallot) == 0


def test_the_printed_blank_spreadsheet_filled_in_uploads(app, make):
    """The printing page's blank sheet (participants/printing.py) is what the upload reads."""
    from openpyxl import load_workbook

    from consult.participants.printing import ballot_rounds, ballot_workbook

    event, round_, items = closed_round(make)
    clerk = make.user(Role.clerk)
    db.session.commit()
    wb = load_workbook(io.BytesIO(ballot_workbook(event, ballot_rounds(event, round_))))
    sheet = wb["ballots"]
    header = [c.value for c in sheet[1]]
    values = {"ballot_number": "101", "sector": 4, "gender": 2, "organisation": "CADT",
              items[0].code: 5, items[1].code: 1, items[2].code: 4, items[3].code: "1 2",
              items[4].code: "- 1 2 -", items[5].code: "ភាសាខ្មែរ",
              f"{items[0].code} comment": "Good"}
    sheet.append([values.get(name) for name in header])
    out = io.BytesIO()
    wb.save(out)
    done = _upload(client_of(app, clerk), event, round_, out.getvalue())
    assert done.status_code == 302, done.get_data(as_text=True)[:3000]
    assert [b.ballot_number for b in ballots(event)] == ["101"] and count(Response) == 6
