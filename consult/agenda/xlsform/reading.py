"""What a file says: the groups, rounds and questions of its sheets, checked whole.

Every problem is collected (``ImportRefused`` lists them all); a question is judged by the
agenda's own rules (``editing.item_problems``), with each problem put on the column it concerns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.agenda import editing
from consult.agenda.models import OPTION_KINDS, Item, ItemKind
from consult.agenda.xlsform.convention import LANGUAGE_NAMES, SCALE_LISTS
from consult.agenda.xlsform.sheets import (
    FileProblem,
    ImportRefused,
    Sheet,
    find_worksheet,
    language_of,
    open_workbook,
    read_sheet,
    require_columns,
)
from consult.events.models import Event
from consult.extensions import db

#: The types Consult reads, as a problem lists them.
SUPPORTED_TYPES = "text, select_one, select_multiple, rank, begin_group, end_group"
#: Section keys are at most this long (``Section.key``).
MAX_KEY_LENGTH = 20
#: ``constraint`` of a select_multiple question that Consult reads as its maximum.
COUNT_SELECTED = re.compile(r"count-selected\(\s*\.\s*\)\s*<=\s*([0-9]+)")

_YES = {"yes", "y", "true", "true()", "1"}
_NO = {"no", "n", "false", "false()", "0"}


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


def _settings_language(wb, event: Event, problems: list[FileProblem]) -> str:
    """The language of plain ``label`` and ``hint`` columns: settings' default_language, else
    the event's default language."""
    ws = find_worksheet(wb, "settings")
    if ws is None:
        return event.default_locale
    sheet = read_sheet(ws, "settings", event.default_locale, problems)
    raw = sheet.get(sheet.rows[0][1], "default_language") if sheet.rows else ""
    if not raw:
        return event.default_locale
    lang = language_of(raw)
    if lang is None:
        message = _l("Consult reads only %(en)s and %(km)s.", en=LANGUAGE_NAMES["en"],
                     km=LANGUAGE_NAMES["km"])
        problems.append(sheet.problem(sheet.rows[0][0], "default_language", message))
        return event.default_locale
    return lang



def parse_form(data: bytes, event: Event) -> ParsedForm:
    """Read and check a whole XLSForm for ``event``; raise ImportRefused with every problem."""
    problems: list[FileProblem] = []
    wb = open_workbook(data, problems)
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
        ws = find_worksheet(wb, name)
        sheets[name] = read_sheet(ws, name, lang, problems) if ws is not None else None
    survey = sheets["survey"]
    if survey is None:
        problems.append(FileProblem("survey", None, "", "", _l("The file has no sheet named "
                                                               "%(sheet)s: is it an XLSForm? "
                                                               "Download the template to see the "
                                                               "format.",
                                                               sheet="survey")))
        raise ImportRefused(problems)
    if not require_columns(survey, ("type", "name"), problems):
        raise ImportRefused(problems)
    choices_sheet = sheets["choices"]
    if choices_sheet is not None and not require_columns(choices_sheet, ("list_name", "name"),
                                                   problems):
        choices_sheet = None
    rounds_sheet = sheets["consult_rounds"]
    if rounds_sheet is not None and not require_columns(rounds_sheet, ("name",), problems):
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
