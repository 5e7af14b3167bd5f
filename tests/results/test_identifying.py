"""Exports without identifying columns: no organisation, no participant code beside a comment.

An analyst can re-identify a person from the organisation beside a participant code (a small
organisation has one delegate), and a comment joined to its author's code links what they
wrote to every answer they gave. ``--no-identifying`` (CLI) and ``?identifying=0`` (download)
leave both out of the Responses sheet and the CSV; such a workbook still verifies.
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from consult.accounts.models import AuditEntry
from consult.extensions import db
from consult.results.workbook import RESPONSE_COLUMNS

ORGS = {"g1": "Ministry of Posts", "a1": "Royal University", "c1": "NGO Forum"}
PARTICIPANT = [key for key, _ in RESPONSE_COLUMNS].index("participant")
ORGANISATION = [key for key, _ in RESPONSE_COLUMNS].index("organisation")
COMMENT = [key for key, _ in RESPONSE_COLUMNS].index("comment")


@pytest.fixture
def orgs(fx):
    for name, organisation in ORGS.items():
        fx.people[name].organisation = organisation
    db.session.commit()
    return fx


def _responses(path_or_bytes):
    wb = load_workbook(path_or_bytes, read_only=True)
    try:
        rows = [list(r) for r in wb["Responses"].iter_rows(min_row=2, values_only=True)]
        about = [list(r) for r in wb["About"].iter_rows(values_only=True)]
    finally:
        wb.close()
    return rows, about


def _csv(body: str):
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def test_the_default_export_names_organisations_and_authors(app, orgs, tmp_path):
    out = tmp_path / "full.xlsx"
    result = app.test_cli_runner().invoke(args=["consult", "export", orgs.event.join_code,
                                                "--lang", "en", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows, _ = _responses(out)
    assert {r[ORGANISATION] for r in rows} >= set(ORGS.values())
    assert all(r[PARTICIPANT] for r in rows)


def test_cli_workbook_without_identifying_columns_still_verifies(app, orgs, tmp_path):
    out = tmp_path / "anonymous.xlsx"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["consult", "export", orgs.event.join_code, "--lang", "en",
                                 "--no-identifying", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows, about = _responses(out)
    assert rows and all(r[ORGANISATION] in (None, "") for r in rows)
    commented = [r for r in rows if r[COMMENT]]
    assert len(commented) == 4  # the fixture's four comments, the hidden one included
    assert all(r[PARTICIPANT] in (None, "") for r in commented)
    assert all(r[PARTICIPANT] for r in rows if not r[COMMENT])  # the rest keep their codes
    text = str(about)
    assert '"identifying": false' in text and "Left out" in text
    verified = runner.invoke(args=["consult", "verify-export", str(out)])
    assert verified.exit_code == 0 and "MATCH" in verified.output, verified.output


def test_cli_csv_without_identifying_columns(app, orgs, tmp_path):
    out = tmp_path / "anonymous.csv"
    result = app.test_cli_runner().invoke(args=["consult", "export", orgs.event.join_code,
                                                "--format", "csv", "--no-identifying",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = _csv(out.read_text(encoding="utf-8"))
    assert rows and all(r["organisation"] == "" for r in rows)
    assert all(r["participant"] == "" for r in rows if r["comment"])
    assert all(r["participant"] for r in rows if not r["comment"])


def test_download_with_identifying_0(client, orgs, analyst):
    event = orgs.event
    full = _csv(client.get(f"/staff/events/{event.id}/export.csv").get_data(as_text=True))
    assert {r["organisation"] for r in full} >= {"Ministry of Posts"}
    page = client.get(f"/staff/events/{event.id}/export.csv?identifying=0")
    assert "no-identifying" in page.headers["Content-Disposition"]
    rows = _csv(page.get_data(as_text=True))
    assert len(rows) == len(full)
    assert all(r["organisation"] == "" for r in rows)
    assert all(r["participant"] == "" for r in rows if r["comment"])

    workbook = client.get(f"/staff/events/{event.id}/export.xlsx?identifying=0&lang=en")
    assert workbook.status_code == 200
    rows, _ = _responses(io.BytesIO(workbook.data))
    assert all(r[ORGANISATION] in (None, "") for r in rows)
    assert all(r[PARTICIPANT] in (None, "") for r in rows if r[COMMENT])
    details = [e.details for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("export.%")).order_by(AuditEntry.id))]
    assert [d.get("identifying") for d in details] == [True, False, False]


def test_the_results_pages_offer_the_download_without_identifying_columns(client, orgs, analyst):
    html = client.get(f"/staff/events/{orgs.event.id}/results").get_data(as_text=True)
    assert f"/staff/events/{orgs.event.id}/export.xlsx?" in html
    assert "identifying=0" in html
