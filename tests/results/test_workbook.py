"""The workbook, opened with openpyxl and checked sheet by sheet against hand-computed values."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role
from consult.extensions import db
from consult.results.queries import Filters
from consult.results.workbook import write_workbook
from consult.voting.models import Response
from tests.conftest import login
from tests.results import workshop_fixture

SHEETS = ["About", "Summary", "Rankings", "By sector", "By gender", "Distribution", "Comments",
          "Participation", "Responses", "Codebook"]


def _workbook(app, fx, lang="en", **filters):
    out = io.BytesIO()
    with app.test_request_context():
        digest = write_workbook(fx.event, Filters(event_id=fx.event.id, **filters), lang, out)
    out.seek(0)
    return load_workbook(out), digest


def _rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _by_code(ws, column=1):
    return {row[column]: row for row in _rows(ws)[1:]}


def test_sheets_in_order_with_frozen_headers_filters_and_khmer_font(app, fx):
    wb, _ = _workbook(app, fx)
    assert wb.sheetnames == SHEETS
    for ws in wb.worksheets[1:]:
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("2")
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        assert ws["A1"].font.b and ws["A2"].font.name == "Khmer UI"
        assert ws.column_dimensions["A"].width > 5
    assert wb["Summary"].row_dimensions[1].height >= 24


def test_summary_sheet(app, fx):
    wb, _ = _workbook(app, fx)
    ws = wb["Summary"]
    header = _rows(ws)[0]
    assert header[:9] == ["Section", "Code", "Item", "Kind", "n", "Mean", "Agree %", "Neutral %",
                          "Disagree %"]
    rows = _by_code(ws)
    a1 = rows["A1"]
    assert a1[4] == 12 and a1[5] == pytest.approx(3.55)
    assert a1[6] == pytest.approx(7 / 11) and a1[7] == pytest.approx(1 / 11)
    assert a1[9] == pytest.approx((0.75 + 1 / 3 + 2 / 3) / 3)
    assert a1[11] == "Contested" and "Academia and research (33%)" in a1[12]
    assert ws.cell(row=2, column=7).number_format == "0%"
    assert rows["A2"][11] == "Validated" and rows["A2"][14] == pytest.approx(1 - 7 / 11)
    assert rows["P1"][13] == pytest.approx(2.33)
    assert len(ws._charts) == 1


def test_by_sector_suppresses_small_cells(app, fx):
    wb, _ = _workbook(app, fx)
    ws = wb["By sector"]
    header = _rows(ws)[0]
    assert header[3] == "Status"
    assert header[4] == "Government (ministries and agencies): Agree %"
    a1 = _by_code(ws, 0)["A1"]
    # Gov 75% (4), Academia 33% (3), Private "fewer than 3 answers" (2), CSO 67% (3); the last two sectors
    # have no answer at all, as the item page says.
    assert a1[3] == "Contested"
    assert a1[4:16] == [0.75, 4, pytest.approx(1 / 3), 3, "fewer than 3 answers", 2, pytest.approx(2 / 3), 3,
                        "no answers", 0, "no answers", 0]


def test_by_gender(app, fx):
    wb, _ = _workbook(app, fx)
    header, *rows = _rows(wb["By gender"])
    assert header[3:9] == ["Woman: Agree %", "n", "Man: Agree %", "n",
                           "Another gender: Agree %", "n"]
    a1 = next(r for r in rows if r[0] == "A1")
    assert a1[3:9] == [0.6, 6, 0.8, 5, "fewer than 3 answers", 1]


def test_distribution_counts_every_kind(app, fx):
    wb, _ = _workbook(app, fx)
    rows = _rows(wb["Distribution"])[1:]
    dist = {(r[0], r[3]): (r[5], r[6]) for r in rows}
    assert dist[("A1", "5")][0] == 3 and dist[("A1", "0")][0] == 1 and dist[("A1", "3")][0] == 1
    assert dist[("P1", "3")][0] == 3
    assert dist[("C1", "a")][0] == 3 and dist[("M1", "b")][0] == 3
    assert dist[("K1", "b")] == (2 + 1, 5)  # picked by 3, Borda 5 points


def test_comments_are_text_never_formulas_and_hidden_ones_left_out(app, fx):
    wb, _ = _workbook(app, fx)
    ws = wb["Comments"]
    comments = [r[6] for r in _rows(ws)[1:]]
    assert '=HYPERLINK("http://evil.example","click")' in comments and "@SUM(1)" in comments
    assert "ល្អណាស់ សូមបន្ត" in comments and "spam" not in comments
    formulas = [c.coordinate for row in wb.worksheets for r in row.iter_rows() for c in r
                if c.data_type == "f"]
    assert formulas == []
    raw = _rows(wb["Responses"])
    assert any(r[10] == "=1+1" for r in raw)  # a typed answer, kept as text


def test_participation(app, fx):
    wb, _ = _workbook(app, fx)
    rows = _rows(wb["Participation"])[1:]
    round1 = [r for r in rows if r[0] == "Round 1"]
    assert sum(r[3] for r in round1) == 12 and sum(r[4] for r in round1) == 12
    gov_women = next(r for r in round1 if r[1].startswith("Government") and r[2] == "Woman")
    assert gov_women[3:] == [2, 2]
    assert sum(r[4] for r in rows if r[0] == "Round 2") == 10


def test_responses_and_codebook(app, fx):
    wb, digest = _workbook(app, fx)
    header, *rows = _rows(wb["Responses"])
    total = db.session.query(Response).count()
    assert len(rows) == total
    assert header[:3] == ["Response id", "Participant", "Sector id"]
    assert all(re.fullmatch(r"P-\w{6}", r[1]) for r in rows)
    assert [r[0] for r in rows] == sorted(r.id for r in db.session.query(Response))
    paper = [r for r in rows if r[14] == "paper"]
    assert {r[8] for r in paper} == {"A1", "A2", "P1"}
    ranking = next(r for r in rows if r[8] == "K1" and r[10] == "b>a")
    assert ranking[11] == "Option B > Option A"
    hidden = [r for r in rows if r[12] == "spam"]
    assert hidden[0][13] == "yes"
    codebook = _rows(wb["Codebook"])
    assert codebook[1][:2] == ["A1", "agreement"]
    # Scale codes are numbers in both sheets, so a lookup from Responses finds its label.
    assert [r[5] for r in codebook if r[0] == "A1"] == [5, 4, 3, 2, 1, 0]
    assert any(r[0] == "C1" and r[5] == "a" and r[6] == "ជម្រើស ក" and r[7] == "Option A"
               for r in codebook)
    about = {r[0]: r[1] for r in _rows(wb["About"])}
    assert about["SHA-256 of the raw responses"] == digest and about["Responses"] == total


def test_headers_in_khmer_and_in_both(app, fx):
    km, _ = _workbook(app, fx, "km")
    both, _ = _workbook(app, fx, "both")
    assert km.sheetnames[1] != "Summary" and re.search(r"[\u1780-\u17ff]", km.sheetnames[1])
    header = _rows(both.worksheets[1])[0]
    assert " / " in header[0] and re.search(r"[\u1780-\u17ff]", header[0])
    km_a1 = _by_code(km.worksheets[1])["A1"]
    assert km_a1[2] == "អនុម័តយុទ្ធសាស្ត្រ"


def test_filtered_workbook_says_so(app, fx):
    wb, _ = _workbook(app, fx, source="paper")
    about = {r[0]: r[1] for r in _rows(wb["About"])}
    assert about["Filters"] == '{"source": "paper"}' and about["Responses"] == 3


def test_same_figures_on_page_projector_and_workbook(app, client, fx, make):
    analyst = make.user(Role.analyst)
    db.session.commit()
    login(client, analyst)
    client.post("/language", data={"lang": "en", "next": "/"})
    page = client.get(f"/staff/events/{fx.event.id}/results").get_data(as_text=True)
    row = page[page.index(f'data-item-id="{fx.items["A1"].id}"'):]
    page_pct = re.search(r'class="num pct-agree">(\d+)%', row).group(1)
    round1 = db.session.merge(fx.round1)
    round1.reveal()
    db.session.commit()
    screen = client.get(f"/e/{fx.event.join_code}/screen/live").get_data(as_text=True)
    screen_pct = re.search(r'bar-agree">.*?class="bar-value">(\d+)%', screen, re.S).group(1)
    response = client.get(f"/staff/events/{fx.event.id}/export.xlsx?lang=en")
    wb = load_workbook(io.BytesIO(response.data))
    book_pct = round(100 * _by_code(wb["Summary"])["A1"][6])
    assert page_pct == screen_pct == str(book_pct) == "64"


def test_export_downloads_are_audited_and_staff_only(app, client, fx, make):
    assert client.get(f"/staff/events/{fx.event.id}/export.xlsx").status_code == 302
    analyst = make.user(Role.analyst)
    db.session.commit()
    login(client, analyst)
    xlsx = client.get(f"/staff/events/{fx.event.id}/export.xlsx?sector={fx.event.sectors[0].id}")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    csv = client.get(f"/staff/events/{fx.event.id}/export.csv")
    assert csv.status_code == 200
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("export.%"))).all()
    assert [(e.action, e.user_id) for e in entries] == [("export.xlsx", analyst.id),
                                                         ("export.csv", analyst.id)]
    assert entries[0].details["filters"] == {"sector_id": fx.event.sectors[0].id}
    assert len(entries[0].details["checksum"]) == 64


def test_csv_has_a_bom_and_neutralised_text(app, client, fx, make):
    analyst = make.user(Role.analyst)
    db.session.commit()
    login(client, analyst)
    text = client.get(f"/staff/events/{fx.event.id}/export.csv").data.decode("utf-8")
    assert text.startswith("\ufeffparticipant,sector,gender")
    assert "'=HYPERLINK" in text and "'@SUM(1)" in text and "'=1+1" in text
    assert ",=HYPERLINK" not in text and ",@SUM" not in text
    assert "ល្អណាស់ សូមបន្ត" in text


def test_cli_csv_export(app, fx, tmp_path):
    path = tmp_path / "raw.csv"
    result = app.test_cli_runner().invoke(args=["consult", "export", str(fx.event.id),
                                                "--format", "csv", "--out", str(path)])
    assert result.exit_code == 0, result.output
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == db.session.query(Response).count() + 1


def test_cli_export_unknown_event(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["consult", "export", "NOPE99", "--out",
                                                str(tmp_path / "x.xlsx")])
    assert result.exit_code != 0 and "No event" in result.output


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) not installed")
def test_workbook_opens_in_libreoffice(app, fx, tmp_path):
    path = tmp_path / "results.xlsx"
    with app.test_request_context(), path.open("wb") as fh:
        write_workbook(fx.event, Filters(event_id=fx.event.id), "both", fh)
    done = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
         "--convert-to", "csv", "--outdir", str(tmp_path), str(path)],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "results.csv").exists()


def test_responses_write_numbers_as_numbers_and_codes_as_text(app, fx):
    wb, _ = _workbook(app, fx)
    ws = wb["Responses"]
    rows = _rows(ws)[1:]
    a1 = [r for r in rows if r[8] == "A1"]
    assert sorted(r[10] for r in a1) == [0, 1, 2, 2, 3, 4, 4, 4, 4, 5, 5, 5]
    assert all(type(r[10]) is int for r in a1 + [r for r in rows if r[8] == "P1"])
    assert all(type(r[0]) is int and type(r[6]) is int and type(r[7]) is int for r in rows)
    assert next(r[10] for r in rows if r[8] == "C1") == "a"
    assert {r[10] for r in rows if r[8] == "T1"} == {"More GPUs for universities", "=1+1"}
    value_cells = [row[10] for row in ws.iter_rows(min_row=2) if row[8].value == "A1"]
    assert {c.data_type for c in value_cells} == {"n"}  # Excel flags no "number stored as text"


def test_write_workbook_reports_progress_on_the_responses(app, fx, monkeypatch):
    from consult.results import workbook

    monkeypatch.setattr(workbook, "PROGRESS_EVERY", 10)
    calls = []
    with app.test_request_context():
        write_workbook(fx.event, Filters(event_id=fx.event.id), "en", io.BytesIO(),
                       progress=calls.append)
    total = db.session.query(Response).count()
    assert calls == [10] * (total // 10) + ([total % 10] if total % 10 else []) and len(calls) > 2


def test_cli_workbook_export_shows_a_progress_bar(app, fx, tmp_path):
    path = tmp_path / "results.xlsx"
    result = app.test_cli_runner().invoke(args=["consult", "export", fx.event.join_code,
                                                "--out", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Responses")  # click's bar (only its label off a terminal)
    assert load_workbook(path).sheetnames == SHEETS


def test_about_states_the_rounding_and_the_modified_borda_rule(app, fx):
    from consult.results.workbook import ABOUT_ROW

    wb, digest = _workbook(app, fx)
    rows = _rows(wb["About"])
    text = "\n".join(str(r[1]) for r in rows)
    assert "m − p + 1" in text and "k − p + 1" not in text
    assert "rounded half up" in text and "62.5% → 63%" in text
    assert "no opinion given" in text
    # The rows verify-export reads stay where it reads them.
    assert rows[ABOUT_ROW["join_code"] - 1] == ["Join code", fx.event.join_code]
    assert rows[ABOUT_ROW["filters"] - 1][0] == "Filters"
    assert rows[ABOUT_ROW["checksum"] - 1] == ["SHA-256 of the raw responses", digest]


def test_suppressed_cells_say_why_as_the_item_page_does(app, fx, make):
    section = fx.items["A1"].section
    item = make.item(fx.event, section, fx.round2, code="A3")
    for name in ("g1", "g2", "g3", "g4"):
        make.response(fx.people[name], item, 0)  # everyone: no opinion
    db.session.commit()
    wb, _ = _workbook(app, fx)
    a3 = _by_code(wb["Summary"])["A3"]
    assert a3[4] == 4 and a3[6:9] == ["no opinion given"] * 3
    by_sector = wb["By sector"]
    a3 = _by_code(by_sector, 0)["A3"]
    assert a3[4:8] == ["no opinion given", 4, "no answers", 0]
    cell = next(row for row in by_sector.iter_rows(min_row=2) if row[0].value == "A3")[4]
    assert cell.fill.fgColor.rgb.endswith("E7E6E6") and cell.font.i


def test_participation_is_narrowed_by_the_sector_and_gender_filters(app, fx):
    gov = fx.event.sectors[0]
    wb, _ = _workbook(app, fx, sector_id=gov.id)
    rows = _rows(wb["Participation"])[1:]
    assert {r[1] for r in rows} == {"Government (ministries and agencies)"}
    round1 = [r for r in rows if r[0] == "Round 1"]
    assert sum(r[3] for r in round1) == 4 and sum(r[4] for r in round1) == 4
    wb, _ = _workbook(app, fx, gender="woman")
    rows = _rows(wb["Participation"])[1:]
    assert {r[2] for r in rows} == {"Woman"}
    round1 = [r for r in rows if r[0] == "Round 1"]
    # Women: g1, g3, a1, a2, p2, c1.
    assert sum(r[3] for r in round1) == 6 and sum(r[4] for r in round1) == 6


def test_rankings_sheet(app, fx, make):
    section = fx.items["A1"].section
    p2 = make.item(fx.event, section, fx.round2, kind="priority", code="P2")
    for name, value in {"c1": 3, "c2": 3, "c3": 2}.items():
        make.response(fx.people[name], p2, value)  # score 8/3, all from civil society
    # g2 ranks one option only: m = 1, so "c" gets 1 point (not 2, as k − p + 1 would give).
    workshop_fixture._options(make, fx.people, fx.items["K1"], {"g2": ["c"]}, ranked=True)
    db.session.commit()
    wb, _ = _workbook(app, fx)
    header, *rows = _rows(wb["Rankings"])
    assert header == ["Ranked list", "Sector", "Place", "Code", "Item", "Option",
                      "Priority score", "Points", "n"]
    priority = [r for r in rows if r[0] == "Priority items by score"]
    overall = [(r[2], r[3], r[6], r[8]) for r in priority if r[1] == "All sectors"]
    assert overall == [(1, "P2", 2.67, 3), (2, "P1", 2.33, 6)]
    gov = [(r[2], r[3], r[6], r[8]) for r in priority if r[1].startswith("Government")]
    assert gov == [(1, "P1", 2.67, 3), (None, "P2", "no answers", 0)]
    academia = [(r[2], r[3], r[6]) for r in priority if r[1] == "Academia and research"]
    assert academia == [(None, "P1", "fewer than 3 answers"), (None, "P2", "no answers")]
    cso = [(r[2], r[3], r[6]) for r in priority if r[1] == "Civil society and NGOs"]
    assert cso == [(1, "P2", 2.67), (None, "P1", "fewer than 3 answers")]
    ranking = [r for r in rows if r[0] == "Ranking options by points" and r[3] == "K1"]
    overall = [(r[2], r[5], r[7], r[8]) for r in ranking if r[1] == "All sectors"]
    # b 1+2+2 = 5, a 2+1 = 3, c 1 (a1, place 2 of 2) + 1 (g2, place 1 of 1) = 2.
    assert overall == [(1, "Option B", 5, 4), (2, "Option A", 3, 4), (3, "Option C", 2, 4)]
    gov = [(r[2], r[5], r[7]) for r in ranking if r[1].startswith("Government")]
    assert gov == [(None, None, "fewer than 3 answers")]  # g1 and g2 only


def test_by_sector_is_a_heat_map_with_status_and_grey_suppressed_cells(app, fx):
    wb, _ = _workbook(app, fx)
    ws = wb["By sector"]
    formats = list(ws.conditional_formatting)
    assert len(formats) == 1
    ranges = str(formats[0].sqref).split()
    assert ranges == [f"{col}2:{col}8" for col in "EGIKMO"]  # the % agree column of 6 sectors
    (rule,) = formats[0].rules
    assert rule.type == "colorScale"
    assert [float(v.val) for v in rule.colorScale.cfvo] == [0, 0.5, 1]
    a1 = next(row for row in ws.iter_rows(min_row=2) if row[0].value == "A1")
    assert a1[3].value == "Contested" and a1[3].fill.fgColor.rgb.endswith("FFEB9C")
    private = a1[8]
    assert private.value == "fewer than 3 answers" and private.fill.fgColor.rgb.endswith("E7E6E6")
    assert a1[4].number_format == "0%" and a1[4].fill.fill_type is None
