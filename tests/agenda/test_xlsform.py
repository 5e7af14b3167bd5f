"""XLSForm import and export of an agenda: every kind, the round trip, every problem at once."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from consult.accounts.models import AuditEntry, Role
from consult.agenda import editing, xlsform
from consult.agenda.models import Item, ItemKind, Round, Section
from consult.events.models import Event, EventStatus
from consult.extensions import db
from tests.agenda.xlsform.make_fixtures import BAD_PROBLEMS
from tests.conftest import login

HERE = Path(__file__).resolve().parent / "xlsform"
EVERY_KIND = HERE / "every_kind.xlsx"
BAD = HERE / "bad.xlsx"
DEMO_EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "demo-agenda.xlsx"


def dump(event_id: int) -> dict:
    """The agenda's structure, ids left out: what a round trip must keep."""
    db.session.expire_all()
    event = db.session.get(Event, event_id)
    return {
        "sections": [{
            "key": s.key, "title": (s.title_en, s.title_km),
            "description": (s.description_en, s.description_km),
            "items": [{
                "code": i.code, "kind": i.kind.value, "prompt": (i.prompt_en, i.prompt_km),
                "detail": (i.detail_en, i.detail_km), "comment": i.allow_comment,
                "max": i.max_choices, "top_k": i.top_k,
                "round": i.round.position if i.round else None,
                "follows": i.follows_item.code if i.follows_item else None,
                "options": [(o.code, o.label_en, o.label_km) for o in i.options],
            } for i in s.items]} for s in event.sections],
        "rounds": [{"title": (r.title_en, r.title_km), "state": r.state.value,
                    "items": [i.code for i in r.items]} for r in event.rounds],
    }


def upload(client, event_id: int, data: bytes, name: str = "agenda.xlsx"):
    return client.post(f"/staff/events/{event_id}/agenda/import",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def places(problems) -> set[tuple]:
    return {(p.sheet, p.row, p.column) for p in problems}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def workbook(**sheets) -> bytes:
    """An .xlsx with the given sheets (title → rows)."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


HEADER = ["type", "name", "label::English (en)", "label::Khmer (km)"]


def survey(*rows, header=HEADER) -> list[list]:
    return [header, ["begin_group", "g", "Group", "ក្រុម"], *rows, ["end_group"]]


@pytest.fixture
def facilitator(make):
    return make.user(Role.facilitator)


@pytest.fixture
def draft(make, facilitator):
    event = make.event(status=EventStatus.draft)
    db.session.commit()
    return event


@pytest.fixture
def english(app):
    with force_locale("en"):
        yield


def parse_problems(event, data: bytes) -> list[xlsform.FileProblem]:
    with pytest.raises(xlsform.ImportRefused) as caught:
        xlsform.parse_form(data, event)
    return caught.value.problems


# --- A good file ---------------------------------------------------------------------------

def test_every_kind_imports_through_the_page(client, draft, facilitator):
    login(client, facilitator)
    response = upload(client, draft.id, EVERY_KIND.read_bytes(), "every_kind.xlsx")
    assert response.status_code == 302
    agenda = dump(draft.id)
    assert [s["key"] for s in agenda["sections"]] == ["findings", "recs"]
    assert agenda["sections"][0]["title"] == ("Findings", "លទ្ធផលរកឃើញ")
    assert agenda["sections"][0]["description"][1] == "អ្វីដែលការវាយតម្លៃបានរកឃើញ។"
    items = {i["code"]: i for s in agenda["sections"] for i in s["items"]}
    assert {c: i["kind"] for c, i in items.items()} == {
        "F1": "agreement", "F2": "text", "R1": "priority", "R2": "choice", "R3": "multi",
        "R4": "ranking"}
    assert items["R3"]["max"] == 2 and items["R4"]["top_k"] == 2
    assert items["R3"]["detail"] == ("Choose at most two.", "សូមជ្រើសរើសមិនលើសពីពីរ។")
    assert items["R2"]["options"][0] == ("gov", "Government", "រាជរដ្ឋាភិបាល")
    assert items["R1"]["options"] == [] and items["F1"]["options"] == []
    assert [i["comment"] for i in items.values()] == [True, False, True, True, True, False]
    assert [(r["title"][1], r["items"], r["state"]) for r in agenda["rounds"]] == [
        ("ជុំទី១៖ លទ្ធផលរកឃើញ", ["F1", "F2"], "draft"),
        ("ជុំទី២៖ អនុសាសន៍", ["R1", "R2", "R3", "R4"], "draft")]
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("agenda.%")))
    (entry,) = entries.all()
    assert entry.action == "agenda.import" and entry.user_id == facilitator.id
    assert entry.details["file"] == "every_kind.xlsx"
    assert entry.details["items"] == 6 and entry.details["rounds"] == 2
    assert len(entry.details["sha256"]) == 64


def test_import_appends_to_an_agenda_without_answers(client, make, facilitator):
    event = make.event(status=EventStatus.live)
    make.item(event, make.section(event), make.round(event), code="OLD")
    db.session.commit()
    login(client, facilitator)
    assert upload(client, event.id, EVERY_KIND.read_bytes()).status_code == 302
    agenda = dump(event.id)
    assert len(agenda["sections"]) == 3 and len(agenda["rounds"]) == 3
    assert agenda["sections"][0]["items"][0]["code"] == "OLD"


# --- The round trip ------------------------------------------------------------------------

def _every_kind_by_editing(event, actor):
    """An agenda made through the editing API: every kind, and what an import must keep."""
    one = editing.add_section(event, actor, key="A", title_en="First", title_km="ទីមួយ",
                              description_en="About it", description_km="អំពីវា")
    two = editing.add_section(event, actor, key="B", title_en="", title_km="ទីពីរ")
    editing.add_section(event, actor, key="EMPTY", title_en="Empty", title_km="")
    r1 = editing.add_round(event, actor, title_en="Round one", title_km="ជុំទី១")
    r2 = editing.add_round(event, actor, title_en="Round two", title_km="")
    opts = [editing.OptionSpec("x", "Ex", "អ៊ិច"), editing.OptionSpec("y", "Why", ""),
            editing.OptionSpec("z", "", "ហ្សេត")]
    first = editing.add_item(event, actor, section=one, round=r1, kind="agreement", code="A-1",
                             prompt_en="Agree?", prompt_km="យល់ស្រប?", detail_en="Detail",
                             detail_km="ព័ត៌មានលម្អិត")
    editing.add_item(event, actor, section=one, round=r1, kind="priority", code="A.2",
                     prompt_en="Priority?", prompt_km="អាទិភាព?", allow_comment=False)
    editing.add_item(event, actor, section=one, round=None, kind="text", code="A_3",
                     prompt_en="Say", prompt_km="")
    editing.add_item(event, actor, section=two, round=r2, kind="choice", code="B1",
                     prompt_en="", prompt_km="ជ្រើស", options=opts)
    editing.add_item(event, actor, section=two, round=r2, kind="multi", code="B2",
                     prompt_en="Many", prompt_km="ច្រើន", max_choices=2, options=opts)
    editing.add_item(event, actor, section=two, round=r2, kind="multi", code="B3",
                     prompt_en="Any", prompt_km="ណាមួយ", options=opts)
    editing.add_item(event, actor, section=two, round=r2, kind="ranking", code="B4",
                     prompt_en="Rank", prompt_km="លំដាប់", top_k=2, options=opts,
                     allow_comment=False)
    editing.add_item(event, actor, section=two, round=r2, kind="ranking", code="B5",
                     prompt_en="Rank all", prompt_km="លំដាប់ទាំងអស់", options=opts)
    editing.add_item(event, actor, section=two, round=r2, kind="agreement", code="B6",
                     prompt_en="Again?", prompt_km="ម្តងទៀត?", follows=first)


def test_export_then_import_gives_the_same_agenda(client, make, facilitator):
    source = make.event(default_locale="en")
    _every_kind_by_editing(source, facilitator)
    target = make.event(status=EventStatus.draft)
    db.session.commit()
    login(client, facilitator)
    exported = client.get(f"/staff/events/{source.id}/agenda/export.xlsx")
    assert exported.status_code == 200
    assert exported.mimetype == xlsform.XLSX_MIMETYPE
    assert f"agenda-{source.join_code}.xlsx" in exported.headers["Content-Disposition"]
    assert upload(client, target.id, exported.data).status_code == 302
    assert dump(target.id) == dump(source.id)
    (export,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "agenda.export"))
    assert export.event_id == source.id and len(export.details["checksum"]) == 64
    # The export is a form Kobo renders: the scales are written out in both languages.
    wb = load_workbook(io.BytesIO(exported.data))
    scale = [r for r in wb["choices"].iter_rows(values_only=True) if r[0] == "consult_agreement"]
    assert [r[1] for r in scale] == ["5", "4", "3", "2", "1", "0"]
    assert scale[0][2] == "Strongly agree" and scale[0][3]
    assert wb["settings"]["C2"].value == "English (en)"


def test_template_has_every_kind_and_imports_cleanly(client, draft, facilitator):
    login(client, facilitator)
    template = client.get(f"/staff/events/{draft.id}/agenda/template.xlsx")
    assert template.status_code == 200
    assert upload(client, draft.id, template.data).status_code == 302
    kinds = {i["kind"] for s in dump(draft.id)["sections"] for i in s["items"]}
    assert kinds == {k.value for k in ItemKind}


def test_the_demo_example_imports_cleanly_and_matches_the_demo(app, client, make, facilitator):
    from consult.demo import seed_demo

    demo = seed_demo(app.instance_path).event
    target = make.event(status=EventStatus.draft)
    db.session.commit()
    login(client, facilitator)
    assert upload(client, target.id, DEMO_EXAMPLE.read_bytes()).status_code == 302
    assert dump(target.id) == dump(demo.id)


# --- A bad file ----------------------------------------------------------------------------

def test_a_bad_file_lists_every_problem_and_writes_nothing(client, draft, facilitator):
    login(client, facilitator)
    response = upload(client, draft.id, BAD.read_bytes(), "bad.xlsx")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was imported: the file has 8 problems" in html
    assert "The type integer is not supported" in html
    assert "The list nowhere is not in the sheet choices." in html
    assert html.count("<tr>") == 1 + len(BAD_PROBLEMS)
    assert (count(Section), count(Item), count(Round)) == (0, 0, 0)
    assert not db.session.scalars(select(AuditEntry).where(
        AuditEntry.action.like("agenda.%"))).all()


def test_bad_file_problems_are_where_they_are(draft, english):
    problems = parse_problems(draft, BAD.read_bytes())
    assert places(problems) == set(BAD_PROBLEMS)
    assert len(problems) == len(BAD_PROBLEMS)
    dup = next(p for p in problems if p.row == 6)
    assert dup.header == "name" and "Q1" in str(dup.message)
    assert str(dup).startswith("survey, row 6, column B (name): ")


def test_the_problems_page_is_in_khmer(khmer_client, draft, facilitator):
    login(khmer_client, facilitator)
    response = upload(khmer_client, draft.id, BAD.read_bytes())
    assert response.status_code == 400
    assert '<html lang="km"' in response.get_data(as_text=True)


@pytest.mark.parametrize(("data", "needle"), [
    (b"", "The file is empty."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel file (.xls)"),
    (b"type,name,label\ntext,a,A\n", "This is not an Excel workbook (.xlsx)"),
    (b"PK\x03\x04 not really a zip", "could not be read as an Excel workbook"),
])
def test_a_file_that_is_no_workbook_is_refused_clearly(client, draft, facilitator, data,
                                                        needle):
    login(client, facilitator)
    response = upload(client, draft.id, data, "agenda.xlsx")
    assert response.status_code == 400
    assert needle in response.get_data(as_text=True)
    assert count(Section) == 0


def test_no_file_is_refused(client, draft, facilitator):
    login(client, facilitator)
    response = client.post(f"/staff/events/{draft.id}/agenda/import", data={})
    assert response.status_code == 400
    assert "Please choose a file to import." in response.get_data(as_text=True)


CASES = {
    "no survey sheet": (dict(choices=[["list_name", "name", "label"]]),
                        {("survey", None, "")}),
    "no name column": (dict(survey=[["type", "label"], ["text", "x"]]), {("survey", 1, "")}),
    "no label column": (dict(survey=[["type", "name"], ["begin_group", "g"]]),
                        {("survey", 1, "")}),
    "choices without list_name": (
        dict(survey=survey(["select_one l", "Q", "Q", "ស"]), choices=[["name", "label"]]),
        {("choices", 1, ""), ("survey", 3, "A")}),
    "two english label columns": (
        dict(survey=survey(["text", "Q", "Q", "ស"],
                           header=[*HEADER, "label::english(en)"])), {("survey", 1, "E")}),
    "nested group": (dict(survey=survey(["begin_group", "h", "H", ""], ["end_group"])),
                     {("survey", 3, "A")}),
    "unclosed group": (dict(survey=[HEADER, ["begin_group", "g", "G", ""]]),
                       {("survey", 2, "A")}),
    "group without name or label": (dict(survey=[HEADER, ["begin_group", "", "", ""],
                                                 ["end_group"]]),
                                    {("survey", 2, "B"), ("survey", 2, "C")}),
    "or_other": (dict(survey=survey(["select_one l or_other", "Q", "Q", ""]),
                      choices=[["list_name", "name", "label"], ["l", "a", "A"], ["l", "b", "B"]]),
                 {("survey", 3, "A")}),
    "select_multiple on the agreement list": (
        dict(survey=survey(["select_multiple consult_agreement", "Q", "Q", ""])),
        {("survey", 3, "A")}),
    "duplicate choice": (dict(survey=survey(["select_one l", "Q", "Q", ""]),
                              choices=[["list_name", "name", "label"], ["l", "a", "A"],
                                       ["l", "a", "B"], ["l", "c", "C"]]),
                         {("choices", 3, "B")}),
    "bad codes": (dict(survey=survey(["select_one l", "has space", "Q", ""]),
                       choices=[["list_name", "name", "label"], ["l", "a b", "A"],
                                ["l", "b", "B"], ["", "c", "C"]]),
                  {("survey", 3, "B"), ("choices", 2, "B"), ("choices", 4, "A")}),
    "one option only": (dict(survey=survey(["rank l", "Q", "Q", ""]),
                             choices=[["list_name", "name", "label"], ["l", "a", "A"]]),
                        {("survey", 3, "A")}),
    "top-k on a choice": (dict(survey=survey(["select_one l", "Q", "Q", "", 2],
                                             header=[*HEADER, "consult_top_k"]),
                               choices=[["list_name", "name", "label"], ["l", "a", "A"],
                                        ["l", "b", "B"]]),
                          {("survey", 3, "E")}),
    "constraint that is not count-selected": (
        dict(survey=survey(["text", "Q", "Q", "", "string-length(.) < 5"],
                           header=[*HEADER, "constraint"])), {("survey", 3, "E")}),
    "constraint and maximum disagree": (
        dict(survey=survey(["select_multiple l", "Q", "Q", "", "count-selected(.) <= 1", 2],
                           header=[*HEADER, "constraint", "consult_max_choices"]),
             choices=[["list_name", "name", "label"], ["l", "a", "A"], ["l", "b", "B"]]),
        {("survey", 3, "E")}),
    "not a number": (dict(survey=survey(["select_multiple l", "Q", "Q", "", "two"],
                                        header=[*HEADER, "consult_max_choices"]),
                          choices=[["list_name", "name", "label"], ["l", "a", "A"],
                                   ["l", "b", "B"]]),
                     {("survey", 3, "E")}),
    "consult_kind mismatch": (dict(survey=survey(["text", "Q", "Q", "", "ranking"],
                                                 header=[*HEADER, "consult_kind"])),
                              {("survey", 3, "E")}),
    "comment neither yes nor no": (dict(survey=survey(["text", "Q", "Q", "", "maybe"],
                                                      header=[*HEADER, "consult_comment"])),
                                   {("survey", 3, "E")}),
    "follows a question below": (dict(survey=survey(["text", "Q", "Q", "", "R"],
                                                    ["text", "R", "R", "", ""],
                                                    header=[*HEADER, "consult_follows"])),
                                 {("survey", 3, "E")}),
    "a row with no type": (dict(survey=survey(["", "Q", "Q", ""])), {("survey", 3, "A")}),
    "end_group alone": (dict(survey=[HEADER, ["end_group"]]), {("survey", 2, "A")}),
    "round without title and twice": (
        dict(survey=survey(["text", "Q", "Q", ""]),
             consult_rounds=[["name", "label::English (en)"], ["r", ""], ["s", "S"], ["s", "S"]]),
        {("consult_rounds", 2, "B"), ("consult_rounds", 4, "A")}),
    "unknown default language": (dict(settings=[["default_language"], ["French (fr)"]],
                                      survey=survey(["text", "Q", "Q", ""])),
                                 {("settings", 2, "A")}),
    "nothing in the survey": (dict(survey=[HEADER]), {("survey", None, "")}),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_problem_is_reported_at_its_place(draft, english, case):
    sheets, expected = CASES[case]
    problems = parse_problems(draft, workbook(**sheets))
    assert places(problems) == expected, [str(p) for p in problems]
    assert all(str(p.message) for p in problems)


def test_a_code_the_event_has_already_is_taken(make, draft, english):
    make.item(draft, code="Q")
    problems = parse_problems(draft, workbook(survey=survey(["text", "Q", "Q", ""])))
    assert places(problems) == {("survey", 3, "B")}


def test_a_huge_sheet_is_refused(draft, english):
    rows = [["text", f"Q{n}", "Q", ""] for n in range(xlsform.MAX_ROWS + 10)]
    problems = parse_problems(draft, workbook(survey=survey(*rows)))
    assert any("more than 5000 rows" in str(p.message) for p in problems)


def test_variants_people_write_are_read(draft):
    """Plain ``label`` in the settings' language, header case and spaces, Kobo's own columns,
    values as numbers and booleans, formulas read as their values."""
    wb = Workbook()
    ws = wb.active
    ws.title = " Survey "
    ws.append(["TYPE", "Name", "label", "Label :: English (en)", "hint", "required",
               "relevant", "consult_comment", "consult_max_choices"])
    ws.append(["begin group", "g", "ក្រុម", "Group"])
    ws.append(["select_multiple  colours", 12, "ពណ៌", "Colours", "=1+1", True, "", False, 2.0])
    ws.append(["end group"])
    choices = wb.create_sheet("CHOICES")
    choices.append(["list name", "name", "label::Khmer (km)"])
    choices.append(["colours", 1, "ក្រហម"])
    choices.append(["colours", 2, "ខៀវ"])
    wb.create_sheet("settings").append(["default_language"])
    wb["settings"].append(["Khmer (km)"])
    out = io.BytesIO()
    wb.save(out)
    form = xlsform.parse_form(out.getvalue(), draft)
    (question,) = form.questions
    assert (question.code, question.prompt_km, question.prompt_en) == ("12", "ពណ៌", "Colours")
    assert question.detail_km == ""  # a formula with no computed value: never its text
    assert (question.kind, question.max_choices, question.allow_comment) == (
        ItemKind.multi, 2, False)
    assert [o.code for o in question.options] == ["1", "2"]
    assert form.groups[0].title_km == "ក្រុម" and form.groups[0].title_en == "Group"


# --- Who may, and when ---------------------------------------------------------------------

def test_an_event_with_answers_refuses_an_import(client, make, facilitator):
    from tests.helpers import workshop

    event, _, items = workshop(make)
    make.response(make.participant(event), items[0])
    db.session.commit()
    login(client, facilitator)
    page = client.get(f"/staff/events/{event.id}/agenda/import").get_data(as_text=True)
    assert "People have already answered in this event" in page
    assert 'type="file"' not in page
    before = count(Item)
    assert upload(client, event.id, EVERY_KIND.read_bytes()).status_code == 409
    assert count(Item) == before


def test_an_archived_event_refuses_an_import(client, make, facilitator):
    event = make.event(status=EventStatus.archived)
    db.session.commit()
    login(client, facilitator)
    response = upload(client, event.id, EVERY_KIND.read_bytes())
    assert response.status_code == 409
    assert "archived" in response.get_data(as_text=True)
    assert count(Section) == 0


def test_analysts_export_but_do_not_import(client, make, draft):
    analyst = make.user(Role.analyst)
    stranger = make.user(Role.facilitator, team=False)
    db.session.commit()
    login(client, analyst)
    assert client.get(f"/staff/events/{draft.id}/agenda/export.xlsx").status_code == 200
    assert client.get(f"/staff/events/{draft.id}/agenda/template.xlsx").status_code == 200
    assert upload(client, draft.id, EVERY_KIND.read_bytes()).status_code == 403
    client.post("/staff/logout")
    login(client, stranger)
    assert upload(client, draft.id, EVERY_KIND.read_bytes()).status_code == 403
    assert client.get(f"/staff/events/{draft.id}/agenda/export.xlsx").status_code == 403
    assert count(Section) == 0


# --- The command line ----------------------------------------------------------------------

def test_cli_imports_and_exports(app, make, draft, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["consult", "import-agenda", str(EVERY_KIND),
                                 "--event", draft.join_code])
    assert result.exit_code == 0, result.output
    assert "Imported 2 section(s), 2 round(s) and 6 item(s)" in result.output
    out = tmp_path / "agenda.xlsx"
    result = runner.invoke(args=["consult", "export-agenda", draft.join_code, "--out", str(out)])
    assert result.exit_code == 0, result.output
    other = make.event(status=EventStatus.draft)
    db.session.commit()
    result = runner.invoke(args=["consult", "import-agenda", str(out), "--event", str(other.id)])
    assert result.exit_code == 0, result.output
    assert dump(other.id) == dump(draft.id)
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)
                                 .where(AuditEntry.action.like("agenda.%"))).all()
    assert actions == ["agenda.import", "agenda.export", "agenda.import"]


def test_cli_prints_every_problem_and_fails(app, draft):
    result = app.test_cli_runner().invoke(args=["consult", "import-agenda", str(BAD),
                                                "--event", draft.join_code])
    assert result.exit_code == 1
    for sheet, row, column in BAD_PROBLEMS:
        assert f"{sheet}, row {row}, column {column}" in result.output
    assert "The type integer is not supported" in result.output
    assert count(Section) == 0
