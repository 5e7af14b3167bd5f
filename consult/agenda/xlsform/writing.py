"""Writing an agenda as an XLSForm: an event's export and the blank template."""

from __future__ import annotations

import hashlib
import io

from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from consult.accounts.models import User
from consult.accounts.operations import record
from consult.agenda.models import AGREEMENT_SCALE, PRIORITY_SCALE, ItemKind
from consult.agenda.xlsform.convention import AGREEMENT_LIST, LANGUAGE_NAMES, PRIORITY_LIST
from consult.events.models import Event

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
