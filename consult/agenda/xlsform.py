"""An event's agenda as an XLSForm, the form format of KoboToolbox and ODK: import and export.

The convention (sheets, columns, reserved list names, extra ``consult_*`` columns) is described
in docs/xlsform.md. A group is a section; a round is named by the ``consult_round`` column of
each question and titled in the ``consult_rounds`` sheet (Kobo ignores both).

The file is read with openpyxl, not pyxform: pyxform turns a form into XForm XML and stops at
the first error without the sheet, row and column a person needs to fix it, and it refuses the
extra columns and sheets Consult reads. openpyxl gives every cell with its position, so every
problem of a file is reported at once, where it is. Values are read, never formulas.

Items are made only through consult/agenda/editing.py, after the whole file was checked with
its ``item_problems``: a file with one problem writes nothing.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import exists, func, select

from consult.accounts.models import User
from consult.accounts.operations import record
from consult.agenda import editing
from consult.agenda.models import (
    AGREEMENT_SCALE,
    OPTION_KINDS,
    PRIORITY_SCALE,
    Item,
    ItemKind,
    Section,
)
from consult.errors import ConsultError
from consult.events.models import Event, EventStatus
from consult.extensions import db

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Rows read per sheet at most: an agenda has tens of items; more is a wrong file.
MAX_ROWS = 5000
#: Columns read per sheet at most.
MAX_COLUMNS = 100
#: Bytes of an uploaded or given file at most (the web server may refuse less: MAX_CONTENT_LENGTH).
MAX_FILE_BYTES = 5 * 1024 * 1024
#: Reserved list names: ``select_one consult_agreement`` is an agreement item (5-point scale
#: and "no opinion"), ``select_one consult_priority`` a priority item (high, medium, low).
AGREEMENT_LIST = "consult_agreement"
PRIORITY_LIST = "consult_priority"
SCALE_LISTS = {AGREEMENT_LIST: ItemKind.agreement, PRIORITY_LIST: ItemKind.priority}
#: The types Consult reads, as a problem lists them.
SUPPORTED_TYPES = "text, select_one, select_multiple, rank, begin_group, end_group"
#: The sheets, in the order problems are listed.
SHEETS = ("settings", "survey", "choices", "consult_rounds")
#: Section keys are at most this long (``Section.key``).
MAX_KEY_LENGTH = 20
#: Language names in headers, as Kobo writes them.
LANGUAGE_NAMES = {"en": "English (en)", "km": "Khmer (km)"}
#: ``constraint`` of a select_multiple question that Consult reads as its maximum.
COUNT_SELECTED = re.compile(r"count-selected\(\s*\.\s*\)\s*<=\s*([0-9]+)")

_YES = {"yes", "y", "true", "true()", "1"}
_NO = {"no", "n", "false", "false()", "0"}


# --- Problems -------------------------------------------------------------------------------

@dataclass(frozen=True)
class FileProblem:
    """One thing wrong with a file, where it is: sheet, row (1-based) and column."""

    sheet: str
    row: int | None
    column: str  #: the column's letter, or "" for a problem of a whole row or sheet
    header: str  #: the column's header as written in the file, or ""
    message: object  #: a lazy translated string

    @property
    def where(self) -> str:
        """The column as a person finds it: ``C (label::Khmer (km))``."""
        if self.column and self.header:
            return f"{self.column} ({self.header})"
        return self.column or self.header

    def __str__(self) -> str:
        place = ", ".join(p for p in (self.sheet, f"row {self.row}" if self.row else "",
                                      f"column {self.where}" if self.where else "") if p)
        return f"{place}: {self.message}" if place else str(self.message)


class ImportRefused(ConsultError):
    """A file not imported, with every problem found in it."""

    def __init__(self, problems: list[FileProblem]):
        order = {name: n for n, name in enumerate(SHEETS)}
        self.problems = sorted(problems, key=lambda p: (order.get(p.sheet, -1), p.row or 0))
        super().__init__(_l("The file was not imported: it has %(count)s problem(s).",
                            count=len(self.problems)))


@dataclass
class ImportResult:
    """What an import added."""

    sections: int
    rounds: int
    items: int
    sha256: str


# --- Reading cells --------------------------------------------------------------------------

def _text(value) -> str:
    """A cell's value as text: numbers without a trailing ``.0``, booleans as yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _norm(header: str) -> str:
    return re.sub(r"\s+", "", header).lower()


def _language(name: str) -> str | None:
    """``en``/``km`` for a language part of a header (``English (en)``, ``khmer(km)``)."""
    name = _norm(name)
    if name.endswith("(km)") or name.startswith("khmer") or name == "km":
        return "km"
    if name.endswith("(en)") or name.startswith("english") or name == "en":
        return "en"
    return None


def _field(header: str, default_lang: str) -> str | None:
    """The field a column holds (``label_km``, ``type``…), or None for a column Consult ignores."""
    h = _norm(header)
    if h in ("label", "hint"):
        return f"{h}_{default_lang}"
    for base in ("label", "hint"):
        if h.startswith(base + "::"):
            lang = _language(h[len(base) + 2:])
            return f"{base}_{lang}" if lang else None
    if h in ("listname", "list_name"):
        return "list_name"
    if h in ("type", "name", "constraint", "form_title", "default_language") or \
            h.startswith("consult_"):
        return h
    return None


@dataclass
class Sheet:
    """A sheet's header and non-empty rows, and where each field's column is."""

    title: str
    #: field → (index, letter, header as written)
    columns: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    rows: list[tuple[int, tuple]] = field(default_factory=list)  #: (row number, values)

    def has(self, name: str) -> bool:
        return name in self.columns

    def get(self, values: tuple, name: str) -> str:
        if name not in self.columns:
            return ""
        i = self.columns[name][0]
        return _text(values[i]) if i < len(values) else ""

    def problem(self, row: int | None, name: str | None, message) -> FileProblem:
        _, letter, header = self.columns.get(name, (0, "", name or "")) if name else (0, "", "")
        return FileProblem(self.title, row, letter, header, message)


def _read_sheet(ws, title: str, default_lang: str, problems: list[FileProblem]) -> Sheet:
    sheet = Sheet(title)
    rows: Iterator[tuple] = ws.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    header = next(rows, None) or ()
    for i, cell in enumerate(header):
        name = _text(cell)
        fld = _field(name, default_lang) if name else None
        if fld is None:
            continue
        letter = get_column_letter(i + 1)
        if fld in sheet.columns:
            problems.append(FileProblem(title, 1, letter, name, _l(
                "Two columns hold the same thing (%(first)s and %(second)s): keep one.",
                first=sheet.columns[fld][2], second=name)))
            continue
        sheet.columns[fld] = (i, letter, name)
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS:
            problems.append(FileProblem(title, None, "", "", _l(
                "This sheet has more than %(count)s rows: Consult reads agendas, not data.",
                count=MAX_ROWS)))
            break
        if any(_text(v) for v in values):
            sheet.rows.append((number, values))
    return sheet


def _open_workbook(data: bytes, problems: list[FileProblem]):
    """The workbook in ``data``, or None with the reason added to ``problems``."""
    def refuse(message):
        problems.append(FileProblem("", None, "", "", message))

    if not data:
        return refuse(_l("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        return refuse(_l("The file is larger than %(size)s: an agenda is much smaller. Check that "
                         "this is the right file.",
                         size=f"{MAX_FILE_BYTES // 2**20} MB"))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return refuse(_l("This is an old Excel file (%(xls)s). Open it in Excel or LibreOffice and"
                         " save it as an Excel workbook (%(xlsx)s), then import that file.",
                         xls=".xls", xlsx=".xlsx"))
    if not data.startswith(b"PK"):
        return refuse(_l("This is not an Excel workbook (%(xlsx)s). Export the form from "
                         "KoboToolbox as XLSForm, or save it from Excel as %(xlsx)s.",
                         xlsx=".xlsx"))
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged zip fails in many ways (zipfile, KeyError, XML): one answer
        return refuse(_l("The file could not be read as an Excel workbook (%(xlsx)s): it may be "
                         "damaged. Save it again from Excel and import that file.",
                         xlsx=".xlsx"))


# --- What the file says ---------------------------------------------------------------------

@dataclass
class _Group:
    row: int
    key: str
    title_en: str
    title_km: str
    description_en: str
    description_km: str


@dataclass
class _Question:
    row: int
    group: int
    kind: ItemKind
    code: str
    prompt_en: str
    prompt_km: str
    detail_en: str
    detail_km: str
    allow_comment: bool
    max_choices: int | None
    top_k: int | None
    round_name: str
    follows: str
    options: list[editing.OptionSpec]


@dataclass
class _Round:
    name: str
    title_en: str
    title_km: str


@dataclass
class ParsedForm:
    """A checked file: what to add, in order."""

    groups: list[_Group]
    rounds: list[_Round]
    questions: list[_Question]


def _int(raw: str, column: str, problem) -> int | None:
    """A whole number of 1 or more from a cell (None when empty; reported when not one)."""
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        problem(column, _l("Write a whole number of 1 or more."))
        return None
    return int(raw)


def _choices(sheet: Sheet | None, problems: list[FileProblem]
             ) -> tuple[dict[str, list[editing.OptionSpec]], set[str]]:
    """The choice lists by name, and the names of lists with a problem already reported."""
    lists: dict[str, list[editing.OptionSpec]] = {}
    bad: set[str] = set()
    if sheet is None:
        return lists, bad
    label_col = "label_en" if sheet.has("label_en") else "label_km"
    for row, values in sheet.rows:
        list_name, code = sheet.get(values, "list_name"), sheet.get(values, "name")
        if not list_name:
            problems.append(sheet.problem(row, "list_name", _l("A choice needs the name of its "
                                                               "list.")))
            continue
        if list_name in SCALE_LISTS:
            continue  # Consult's own scale: the rows are there for Kobo only
        seen = lists.setdefault(list_name, [])
        label_en, label_km = sheet.get(values, "label_en"), sheet.get(values, "label_km")
        message = None
        column = "name"
        if not code:
            message = _l("A choice needs a name: its code in exports.")
        elif len(code) > editing.MAX_CODE_LENGTH or not editing.CODE_PATTERN.fullmatch(code):
            message = _l("A name has at most %(n)s letters, digits, dashes, dots or underscores, "
                         "with no spaces.",
                         n=editing.MAX_CODE_LENGTH)
        elif any(o.code == code for o in seen):
            message = _l("The list %(list)s has two choices named %(name)s.", list=list_name,
                         name=code)
        elif not label_en and not label_km:
            message, column = _l("This choice needs a label in Khmer or English."), label_col
        if message is not None:
            problems.append(sheet.problem(row, column, message))
            bad.add(list_name)
        else:
            seen.append(editing.OptionSpec(code, label_en, label_km))
    return lists, bad


def _rounds(sheet: Sheet | None, problems: list[FileProblem]) -> list[_Round]:
    rounds: list[_Round] = []
    if sheet is None:
        return rounds
    for row, values in sheet.rows:
        name = sheet.get(values, "name")
        title_en, title_km = sheet.get(values, "label_en"), sheet.get(values, "label_km")
        if not name:
            problems.append(sheet.problem(row, "name", _l("A round needs a name: the questions "
                                                          "name it in %(column)s.",
                                                          column="consult_round")))
        elif any(r.name == name for r in rounds):
            problems.append(sheet.problem(row, "name", _l("Two rounds are named %(name)s.",
                                                          name=name)))
        elif not title_en and not title_km:
            problems.append(sheet.problem(row, "label_en" if sheet.has("label_en") else "label_km",
                                          _l("A round needs a title in Khmer or English.")))
        else:
            rounds.append(_Round(name, title_en, title_km))
    return rounds


def _required(sheet: Sheet, names: tuple[str, ...], problems: list[FileProblem]) -> bool:
    """Report the required columns ``sheet`` lacks; True when it has them all."""
    ok = True
    for name in names:
        if not sheet.has(name):
            problems.append(FileProblem(sheet.title, 1, "", name, _l(
                "The sheet %(sheet)s has no column %(column)s.", sheet=sheet.title,
                column=name)))
            ok = False
    if not (sheet.has("label_en") or sheet.has("label_km")):
        message = _l("The sheet %(sheet)s needs a label column: %(en)s, %(km)s or both.",
                     sheet=sheet.title, en="label::English (en)", km="label::Khmer (km)")
        problems.append(FileProblem(sheet.title, 1, "", "label::English (en)", message))
        ok = False
    return ok


def _settings_language(wb, event: Event, problems: list[FileProblem]) -> str:
    """The language of plain ``label`` and ``hint`` columns: settings' default_language, else
    the event's default language."""
    ws = _worksheet(wb, "settings")
    if ws is None:
        return event.default_locale
    sheet = _read_sheet(ws, "settings", event.default_locale, problems)
    raw = sheet.get(sheet.rows[0][1], "default_language") if sheet.rows else ""
    if not raw:
        return event.default_locale
    lang = _language(raw)
    if lang is None:
        message = _l("Consult reads only %(en)s and %(km)s.", en=LANGUAGE_NAMES["en"],
                     km=LANGUAGE_NAMES["km"])
        problems.append(sheet.problem(sheet.rows[0][0], "default_language", message))
        return event.default_locale
    return lang


def _worksheet(wb, name: str):
    for ws in wb.worksheets:
        if _norm(ws.title) == name:
            return ws
    return None


def parse_form(data: bytes, event: Event) -> ParsedForm:
    """Read and check a whole XLSForm for ``event``; raise ImportRefused with every problem."""
    problems: list[FileProblem] = []
    wb = _open_workbook(data, problems)
    if wb is None:
        raise ImportRefused(problems)
    try:
        return _parse(wb, event, problems)
    finally:
        wb.close()


def _parse(wb, event: Event, problems: list[FileProblem]) -> ParsedForm:
    lang = _settings_language(wb, event, problems)
    sheets: dict[str, Sheet | None] = {}
    for name in ("survey", "choices", "consult_rounds"):
        ws = _worksheet(wb, name)
        sheets[name] = _read_sheet(ws, name, lang, problems) if ws is not None else None
    survey = sheets["survey"]
    if survey is None:
        problems.append(FileProblem("survey", None, "", "", _l("The file has no sheet named "
                                                               "%(sheet)s: is it an XLSForm? "
                                                               "Download the template to see the "
                                                               "format.",
                                                               sheet="survey")))
        raise ImportRefused(problems)
    if not _required(survey, ("type", "name"), problems):
        raise ImportRefused(problems)
    choices_sheet = sheets["choices"]
    if choices_sheet is not None and not _required(choices_sheet, ("list_name", "name"),
                                                   problems):
        choices_sheet = None
    rounds_sheet = sheets["consult_rounds"]
    if rounds_sheet is not None and not _required(rounds_sheet, ("name",), problems):
        rounds_sheet = None
    lists, bad_lists = _choices(choices_sheet, problems)
    rounds = _rounds(rounds_sheet, problems)
    round_names = {r.name for r in rounds}

    taken = set(db.session.scalars(select(Item.code).where(Item.event_id == event.id)))
    label_col = "label_en" if survey.has("label_en") else "label_km"
    groups: list[_Group] = []
    questions: list[_Question] = []
    open_group: int | None = None
    nested = 0
    group_keys: set[str] = set()
    for row, values in survey.rows:
        def problem(column, message, row=row):
            problems.append(survey.problem(row, column, message))

        words = survey.get(values, "type").split()
        kind_word = words[0].lower() if words else ""
        name = survey.get(values, "name")
        labels = {k: survey.get(values, k) for k in ("label_en", "label_km", "hint_en", "hint_km")}
        if not words:
            problem("type", _l("This row has no type: write one (%(examples)s) or delete the row.",
                               examples="text, select_one LIST, …"))
            continue
        if kind_word in ("begin_group", "begin"):
            if kind_word == "begin" and words[1:2] != ["group"]:
                problem("type", _l("The type %(type)s is not supported.", type=" ".join(words)))
                continue
            if open_group is not None:
                problem("type", _l("Groups cannot be nested: close the group above with %(end)s "
                                   "first.",
                                   end="end_group"))
                nested += 1  # its end_group closes it, not the group above
                continue
            if not name:
                problem("name", _l("A group needs a name: it becomes the section's key."))
            elif len(name) > MAX_KEY_LENGTH:
                problem("name", _l("A group's name has at most %(n)s characters.",
                                   n=MAX_KEY_LENGTH))
            elif name in group_keys:
                problem("name", _l("Two groups are named %(name)s.", name=name))
            if not labels["label_en"] and not labels["label_km"]:
                problem(label_col, _l("A group needs a label in Khmer or English: it becomes "
                                      "the section's title."))
            group_keys.add(name)
            groups.append(_Group(row, name, labels["label_en"], labels["label_km"],
                                 labels["hint_en"], labels["hint_km"]))
            open_group = len(groups) - 1
            continue
        if kind_word in ("end_group", "end"):
            if kind_word == "end" and words[1:2] != ["group"]:
                problem("type", _l("The type %(type)s is not supported.", type=" ".join(words)))
            elif nested:
                nested -= 1
            elif open_group is None:
                problem("type", _l("This %(end)s closes no group.",
                                   end="end_group"))
            else:
                open_group = None
            continue
        question = _question(survey, values, words, lists, bad_lists, round_names, problem)
        if question is None:
            continue
        if open_group is None:
            problem("type", _l("A question must be inside a group (%(begin)s … %(end)s): each "
                               "group is a section of the agenda.",
                               begin="begin_group", end="end_group"))
            continue
        question.row, question.group = row, open_group
        list_name = words[1] if len(words) > 1 else ""
        found = editing.item_problems(
            event=event, kind=question.kind.value, code=question.code,
            prompt_en=question.prompt_en, prompt_km=question.prompt_km,
            max_choices=question.max_choices, top_k=question.top_k, options=question.options,
            taken_codes=taken)
        columns = {"code": "name", "prompt": label_col, "options": "type", "kind": "type",
                   "max_choices": ("consult_max_choices" if survey.get(values,
                                   "consult_max_choices") else "constraint"),
                   "top_k": "consult_top_k"}
        for p in found:
            if p.field == "options" and (list_name in bad_lists or list_name not in lists):
                continue  # reported where the list is (or is not)
            problem(columns.get(p.field, "type"), p.message)
        if question.follows and question.follows not in taken:
            problem("consult_follows", _l("%(code)s is not a question above this one nor an "
                                          "item of the event.", code=question.follows))
        taken.add(question.code)
        questions.append(question)
    if open_group is not None:
        problems.append(survey.problem(groups[open_group].row, "type", _l("This group is never "
                                                                          "closed: add a row "
                                                                          "%(end)s after its last "
                                                                          "question.",
                                                                          end="end_group")))
    if not groups and not any(p.sheet == "survey" for p in problems):
        problems.append(FileProblem("survey", None, "", "", _l("The sheet %(sheet)s has no groups "
                                                               "and no questions.",
                                                               sheet="survey")))
    if problems:
        raise ImportRefused(problems)
    return ParsedForm(groups, rounds, questions)


def _question(survey: Sheet, values: tuple, words: list[str],
              lists: dict[str, list[editing.OptionSpec]], bad_lists: set[str],
              round_names: set[str], problem) -> _Question | None:
    """The question on a survey row (None when its type cannot be read; problems reported)."""
    type_word = words[0].lower()
    kinds = {"select_one": ItemKind.choice, "select_multiple": ItemKind.multi,
             "rank": ItemKind.ranking, "text": ItemKind.text}
    if type_word not in kinds:
        problem("type", _l("The type %(type)s is not supported: use one of %(types)s.",
                           type=" ".join(words), types=SUPPORTED_TYPES))
        return None
    kind = kinds[type_word]
    list_name = ""
    if kind == ItemKind.text:
        if len(words) > 1:
            problem("type", _l("The type %(type)s is not supported.", type=" ".join(words)))
            return None
    elif len(words) != 2:
        problem("type", _l("Write the name of the list after the type, separated by a space: "
                           "%(example)s. Nothing else may follow it.",
                           example=f"{type_word} LIST"))
        return None
    else:
        list_name = words[1]
    if list_name in SCALE_LISTS:
        if kind != ItemKind.choice:
            problem("type", _l("The list %(list)s goes with %(type)s only.",
                               list=list_name, type="select_one"))
            return None
        kind = SCALE_LISTS[list_name]
    declared = survey.get(values, "consult_kind").lower()
    if declared:
        if declared not in ItemKind.__members__:
            problem("consult_kind", _l("%(column)s is one of %(kinds)s.", column="consult_kind",
                                       kinds=", ".join(ItemKind.__members__)))
            return None
        if declared in ("agreement", "priority") and type_word == "select_one":
            kind = ItemKind(declared)
        elif declared != kind.value:
            problem("consult_kind", _l("The kind %(kind)s does not match the type %(type)s.",
                                       kind=declared, type=" ".join(words)))
            return None
    options: list[editing.OptionSpec] = []
    if kind in OPTION_KINDS:
        if list_name in lists:
            options = lists[list_name]
        elif list_name not in bad_lists:
            problem("type", _l("The list %(list)s is not in the sheet %(sheet)s.",
                               list=list_name, sheet="choices"))
    comment_raw = survey.get(values, "consult_comment").lower()
    allow_comment = True
    if comment_raw in _NO:
        allow_comment = False
    elif comment_raw and comment_raw not in _YES:
        problem("consult_comment", _l("Write %(yes)s or %(no)s.",
                                      yes="yes", no="no"))
    max_choices = _int(survey.get(values, "consult_max_choices"), "consult_max_choices", problem)
    top_k = _int(survey.get(values, "consult_top_k"), "consult_top_k", problem)
    constraint = survey.get(values, "constraint")
    if constraint:
        match = COUNT_SELECTED.fullmatch(constraint.strip())
        if match is None or kind != ItemKind.multi:
            problem("constraint", _l("Consult reads only the constraint %(constraint)s of a "
                                     "%(type)s question: clear this cell.",
                                     constraint="count-selected(.) <= N", type="select_multiple"))
        elif max_choices is not None and max_choices != int(match[1]):
            problem("constraint", _l("The columns %(first)s and %(second)s give different "
                                     "maximums: keep one.",
                                     first="constraint", second="consult_max_choices"))
        else:
            max_choices = int(match[1])
    round_name = survey.get(values, "consult_round")
    if round_name and round_name not in round_names:
        problem("consult_round", _l("The round %(name)s is not in the sheet %(sheet)s.",
                                    name=round_name, sheet="consult_rounds"))
    return _Question(0, -1, kind, survey.get(values, "name"),
                     survey.get(values, "label_en"), survey.get(values, "label_km"),
                     survey.get(values, "hint_en"), survey.get(values, "hint_km"),
                     allow_comment, max_choices, top_k, round_name,
                     survey.get(values, "consult_follows"), options)


# --- Import ---------------------------------------------------------------------------------

def import_refusal(event: Event):
    """Why an agenda cannot be imported into ``event`` now (a translated message), or None."""
    from consult.voting.models import Response

    if event.status == EventStatus.archived:
        return _l("This event is archived: its agenda cannot change.")
    answered = db.session.scalar(select(exists().where(
        Response.item_id.in_(select(Item.id).where(Item.event_id == event.id)))))
    if answered:
        return _l("People have already answered in this event, so its agenda cannot be "
                  "imported into. Import into a new event instead.")
    return None


def import_agenda(event: Event, actor: User | None, data: bytes, filename: str = ""
                  ) -> ImportResult:
    """Add the sections, rounds and items of an XLSForm at the end of ``event``'s agenda.

    The whole file is checked first: with any problem, nothing is written (ImportRefused).
    """
    refusal = import_refusal(event)
    if refusal is not None:
        raise ConsultError(refusal, 409)
    form = parse_form(data, event)
    try:
        sections = [editing.add_section(event, actor, key=g.key, title_en=g.title_en,
                                        title_km=g.title_km, description_en=g.description_en,
                                        description_km=g.description_km, audit=False)
                    for g in form.groups]
        rounds = {r.name: editing.add_round(event, actor, title_en=r.title_en,
                                            title_km=r.title_km, audit=False)
                  for r in form.rounds}
        items = {i.code: i for i in db.session.scalars(select(Item)
                                                       .where(Item.event_id == event.id))}
        for q in form.questions:
            items[q.code] = editing.add_item(
                event, actor, section=sections[q.group], round=rounds.get(q.round_name),
                kind=q.kind.value, code=q.code, prompt_en=q.prompt_en, prompt_km=q.prompt_km,
                detail_en=q.detail_en, detail_km=q.detail_km, allow_comment=q.allow_comment,
                max_choices=q.max_choices, top_k=q.top_k, options=q.options,
                follows=items.get(q.follows) if q.follows else None, audit=False)
    except editing.AgendaError as error:  # checked above; kept so nothing half-made survives
        raise ImportRefused([FileProblem("", None, "", "", p.message)
                             for p in error.problems]) from error
    digest = hashlib.sha256(data).hexdigest()
    result = ImportResult(len(sections), len(rounds), len(form.questions), digest)
    record("agenda.import", user=actor, event_id=event.id, target=event, file=filename[:200],
           sha256=digest, sections=result.sections, rounds=result.rounds, items=result.items)
    return result


# --- Export ---------------------------------------------------------------------------------

SURVEY_COLUMNS = ("type", "name", "label::English (en)", "label::Khmer (km)",
                  "hint::English (en)", "hint::Khmer (km)", "constraint", "consult_round",
                  "consult_comment", "consult_max_choices", "consult_top_k", "consult_follows")
CHOICE_COLUMNS = ("list_name", "name", "label::English (en)", "label::Khmer (km)")
ROUND_COLUMNS = ("name", "label::English (en)", "label::Khmer (km)")


def _scale_rows(list_name: str, scale: dict) -> list[tuple]:
    rows = []
    for value, label in scale.items():
        with force_locale("en"):
            label_en = str(label)
        with force_locale("km"):
            label_km = str(label)
        rows.append((list_name, str(value), label_en, label_km))
    return rows


def _sheet(wb: Workbook, title: str, header: tuple, rows: list[tuple], first: bool = False):
    ws = wb.active if first else wb.create_sheet(title)
    ws.title = title
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(["" if v is None else v for v in row])
    for i, _ in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = 14 if i in (1, 2) else 40
    ws.freeze_panes = "A2"


def write_form(*, title: str, form_id: str, default_locale: str, sections: list[dict],
               rounds: list[dict]) -> bytes:
    """Write an agenda given as plain data as an XLSForm workbook (the layout of an export).

    ``sections``: [{key, title_en, title_km, description_en, description_km, items: [{code,
    kind, prompt_en, prompt_km, detail_en, detail_km, allow_comment, max_choices, top_k,
    round, follows, options: [(code, label_en, label_km)]}]}]; ``rounds``: [{name, title_en,
    title_km}] in order.
    """
    survey: list[tuple] = []
    choices: list[tuple] = []
    used_scales: dict[str, dict] = {}
    for section in sections:
        survey.append(("begin_group", section["key"], section["title_en"], section["title_km"],
                       section["description_en"], section["description_km"]))
        for item in section["items"]:
            kind = ItemKind(item["kind"])
            if kind == ItemKind.agreement:
                type_, used_scales[AGREEMENT_LIST] = f"select_one {AGREEMENT_LIST}", AGREEMENT_SCALE
            elif kind == ItemKind.priority:
                type_, used_scales[PRIORITY_LIST] = f"select_one {PRIORITY_LIST}", PRIORITY_SCALE
            elif kind == ItemKind.text:
                type_ = "text"
            else:
                word = {ItemKind.choice: "select_one", ItemKind.multi: "select_multiple",
                        ItemKind.ranking: "rank"}[kind]
                type_ = f"{word} {item['code']}"
                choices += [(item["code"], *option) for option in item["options"]]
            max_choices = item.get("max_choices")
            survey.append((type_, item["code"], item["prompt_en"], item["prompt_km"],
                           item["detail_en"], item["detail_km"],
                           f"count-selected(.) <= {max_choices}" if max_choices else "",
                           item.get("round") or "", "yes" if item["allow_comment"] else "no",
                           max_choices, item.get("top_k"), item.get("follows") or ""))
        survey.append(("end_group",))
    for list_name, scale in used_scales.items():
        choices += _scale_rows(list_name, scale)
    wb = Workbook()
    _sheet(wb, "survey", SURVEY_COLUMNS, survey, first=True)
    _sheet(wb, "choices", CHOICE_COLUMNS, choices)
    _sheet(wb, "consult_rounds", ROUND_COLUMNS,
           [(r["name"], r["title_en"], r["title_km"]) for r in rounds])
    _sheet(wb, "settings", ("form_title", "form_id", "default_language"),
           [(title, form_id, LANGUAGE_NAMES.get(default_locale, LANGUAGE_NAMES["en"]))])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def agenda_data(event: Event) -> tuple[list[dict], list[dict]]:
    """``event``'s sections (with items) and rounds as plain data, in agenda order."""
    round_names = {r.id: f"round_{n}" for n, r in enumerate(event.rounds, start=1)}
    rounds = [{"name": round_names[r.id], "title_en": r.title_en, "title_km": r.title_km}
              for r in event.rounds]
    sections = []
    for n, section in enumerate(event.sections, start=1):
        sections.append({
            "key": section.key or f"section_{n}", "title_en": section.title_en,
            "title_km": section.title_km, "description_en": section.description_en,
            "description_km": section.description_km,
            "items": [{
                "code": i.code, "kind": i.kind.value, "prompt_en": i.prompt_en,
                "prompt_km": i.prompt_km, "detail_en": i.detail_en, "detail_km": i.detail_km,
                "allow_comment": i.allow_comment, "max_choices": i.max_choices,
                "top_k": i.top_k, "round": round_names.get(i.round_id),
                "follows": (i.follows_item.code if i.follows_item is not None
                            and i.follows_item.event_id == event.id else ""),
                "options": [(o.code, o.label_en, o.label_km) for o in i.options],
            } for i in section.items]})
    return sections, rounds


def export_agenda(event: Event, actor: User | None, **details) -> bytes:
    """Write ``event``'s agenda as an XLSForm workbook and record the export."""
    sections, rounds = agenda_data(event)
    data = write_form(title=event.title_en or event.title_km,
                      form_id=f"consult_{event.join_code.lower()}",
                      default_locale=event.default_locale, sections=sections, rounds=rounds)
    digest = hashlib.sha256(data).hexdigest()
    record("agenda.export", user=actor, event_id=event.id, target=event, checksum=digest,
           sections=len(sections), rounds=len(rounds),
           items=sum(len(s["items"]) for s in sections), **details)
    return data


def export_filename(event: Event) -> str:
    return f"agenda-{event.join_code}.xlsx"


def agenda_counts(event: Event) -> tuple[int, int]:
    """How many sections and items ``event`` has (shown on the import page)."""
    sections = db.session.scalar(select(func.count()).select_from(Section)
                                 .where(Section.event_id == event.id)) or 0
    items = db.session.scalar(select(func.count()).select_from(Item)
                              .where(Item.event_id == event.id)) or 0
    return sections, items


#: The downloadable template: one example of every kind, two sections, two rounds.
TEMPLATE_SECTIONS = [
    {"key": "findings", "title_en": "Findings", "title_km": "លទ្ធផលរកឃើញ",
     "description_en": "What the assessment found.",
     "description_km": "អ្វីដែលការវាយតម្លៃបានរកឃើញ។",
     "items": [
         {"code": "F1", "kind": "agreement",
          "prompt_en": "The findings describe the situation accurately.",
          "prompt_km": "លទ្ធផលរកឃើញពិពណ៌នាស្ថានភាពបានត្រឹមត្រូវ។",
          "detail_en": "Agreement: a 5-point scale and “no opinion”.",
          "detail_km": "ការយល់ស្រប៖ មាត្រដ្ឋាន ៥ កម្រិត និង «គ្មានមតិ»។",
          "allow_comment": True, "round": "round_1", "options": []},
         {"code": "F2", "kind": "text",
          "prompt_en": "What is missing from the findings?",
          "prompt_km": "តើលទ្ធផលរកឃើញខ្វះអ្វីខ្លះ?",
          "detail_en": "", "detail_km": "", "allow_comment": False, "round": "round_1",
          "options": []},
     ]},
    {"key": "recs", "title_en": "Recommendations", "title_km": "អនុសាសន៍",
     "description_en": "", "description_km": "",
     "items": [
         {"code": "R1", "kind": "priority",
          "prompt_en": "How high a priority is training for civil servants?",
          "prompt_km": "តើការបណ្តុះបណ្តាលមន្ត្រីរាជការមានអាទិភាពកម្រិតណា?",
          "detail_en": "", "detail_km": "", "allow_comment": True, "round": "round_2",
          "options": []},
         {"code": "R2", "kind": "choice",
          "prompt_en": "Who should lead the work?",
          "prompt_km": "តើស្ថាប័នណាគួរដឹកនាំការងារនេះ?",
          "detail_en": "", "detail_km": "", "allow_comment": True, "round": "round_2",
          "options": [("gov", "Government", "រាជរដ្ឋាភិបាល"),
                      ("acad", "Academia", "គ្រឹះស្ថានសិក្សា"),
                      ("private", "Private sector", "វិស័យឯកជន")]},
         {"code": "R3", "kind": "multi", "max_choices": 2,
          "prompt_en": "Which two areas matter most?",
          "prompt_km": "តើវិស័យពីរណាសំខាន់ជាងគេ?",
          "detail_en": "Choose at most two.", "detail_km": "សូមជ្រើសរើសមិនលើសពីពីរ។",
          "allow_comment": True, "round": "round_2",
          "options": [("health", "Health", "សុខាភិបាល"),
                      ("education", "Education", "អប់រំ"),
                      ("agriculture", "Agriculture", "កសិកម្ម")]},
         {"code": "R4", "kind": "ranking", "top_k": 2,
          "prompt_en": "Rank the first two steps.",
          "prompt_km": "សូមរៀបលំដាប់ជំហានពីរដំបូង។",
          "detail_en": "", "detail_km": "", "allow_comment": False, "round": "round_2",
          "options": [("law", "A law", "ច្បាប់"),
                      ("data", "Open data", "ទិន្នន័យបើកចំហ"),
                      ("skills", "Skills", "ជំនាញ")]},
     ]},
]
TEMPLATE_ROUNDS = [
    {"name": "round_1", "title_en": "Round 1: findings", "title_km": "ជុំទី១៖ លទ្ធផលរកឃើញ"},
    {"name": "round_2", "title_en": "Round 2: recommendations",
     "title_km": "ជុំទី២៖ អនុសាសន៍"},
]


def template_workbook() -> bytes:
    """The blank template: an example of every kind, in both languages."""
    return write_form(title="Consult agenda", form_id="consult_agenda", default_locale="km",
                      sections=TEMPLATE_SECTIONS, rounds=TEMPLATE_ROUNDS)
