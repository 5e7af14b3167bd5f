"""What staff print for the room: badge sheets, the join poster, paper ballots, and the blank
spreadsheet for ballots typed elsewhere.

The paper ballot convention is the one the entry of ballots reads back (consult/voting/paper.py:
the items in printed order, the genders' order, the spreadsheet's columns come from there):
sectors numbered 1..n in the event's order, genders 1..4, items numbered in typing order
(round by round), and every answer a digit printed in its box (agreement 5..1 and 0, priority
3/2/1, an option's number 1..k; a ranking's places written beside the options).
Everything printed is bilingual whatever the page's language: ``both()`` renders a message in
Khmer and in English.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from consult.accounts.operations import record
from consult.agenda.models import AGREEMENT_SCALE, PRIORITY_SCALE, Item, ItemKind, Round
from consult.extensions import db
from consult.i18n import ascii_digits
from consult.inputs import submitted_number
from consult.participants.attendees import badge_problem, clean_badge
from consult.participants.models import GENDER_LABELS, Participant
from consult.spreadsheet import clean, text_cell, text_row
from consult.voting import paper

#: Badges on one A4 sheet: two columns of four (print.css lays them out).
BADGES_PER_PAGE = 8
#: Copies of a ballot printed at most in one go (a big workshop, with spares).
MAX_COPIES = 1000
#: The highest first ballot number accepted.
MAX_BALLOT_NUMBER = 999_999
#: Ids a badge selection may name at most.
MAX_IDS = 2000
POSTER_SIZES = ("a4", "a3")


# --- Both languages on one sheet -----------------------------------------------------------

def both(message, **values) -> dict[str, str]:
    """``message`` (a ``_l`` string) in Khmer and in English: {"km": …, "en": …}."""
    texts = {}
    for lang in ("km", "en"):
        with force_locale(lang):
            text = str(message)
            texts[lang] = text % values if values else text
    return texts


def pair(obj, field_name: str) -> dict[str, str]:
    """A bilingual database field as {"km": …, "en": …}; an empty side stays empty."""
    return {"km": getattr(obj, f"{field_name}_km", "") or "",
            "en": getattr(obj, f"{field_name}_en", "") or ""}


def joined(first: dict[str, str], second: dict[str, str]) -> dict[str, str]:
    """Two bilingual texts as one ("Paper ballot · Round 1"); an empty side takes the other's."""
    return {lang: " · ".join(t for t in (first[lang] or first[other],
                                          second[lang] or second[other]) if t)
            for lang, other in (("km", "en"), ("en", "km"))}


# --- The paper ballot convention -----------------------------------------------------------

@dataclass
class Box:
    """One printed box: the digit a clerk types when it is ticked, and what it means."""

    digit: str
    label: dict[str, str]


@dataclass
class BallotItem:
    """An item as printed: its number in typing order and its boxes (none for text)."""

    number: int
    item: Item
    boxes: list[Box]
    #: Ranking: each box takes a written place, not a tick.
    write_place: bool = False

    @property
    def code(self) -> str:
        return self.item.code


@dataclass
class BallotRound:
    round: Round
    items: list[BallotItem] = field(default_factory=list)


def sector_boxes(event) -> list[Box]:
    """The event's sectors as boxes numbered 1..n in their order."""
    return [Box(str(n), pair(sector, "label")) for n, sector in enumerate(event.sectors, 1)]


def gender_boxes() -> list[Box]:
    """The genders as boxes numbered in the order entry reads them (1 woman … 4 not said)."""
    return [Box(str(n), both(GENDER_LABELS[g])) for n, g in enumerate(paper.GENDER_ORDER, 1)]


def answer_boxes(item: Item) -> list[Box]:
    """The boxes of an item's answers, each with the digit stored or typed for it."""
    if item.kind == ItemKind.agreement:
        return [Box(str(value), both(label)) for value, label in AGREEMENT_SCALE.items()]
    if item.kind == ItemKind.priority:
        return [Box(str(value), both(label)) for value, label in PRIORITY_SCALE.items()]
    if item.uses_options:
        return [Box(str(n), pair(option, "label")) for n, option in enumerate(item.options, 1)]
    return []


def ballot_rounds(event, round_: Round | None = None) -> list[BallotRound]:
    """The rounds a ballot carries (one, or every round with items, in order) with their items
    numbered 1..n in the order a clerk types them."""
    laid_out: list[BallotRound] = []
    for number, item in enumerate(paper.ballot_items(event, round_), start=1):
        if not laid_out or laid_out[-1].round.id != item.round_id:
            laid_out.append(BallotRound(item.round))
        laid_out[-1].items.append(BallotItem(number, item, answer_boxes(item),
                                             write_place=item.kind == ItemKind.ranking))
    return laid_out


# --- Badges --------------------------------------------------------------------------------

#: A badge number's parts: runs of ASCII digits (a number) and of anything else (text). Not
#: ``\d``: "²" and "①" are digits to Python (``isdigit``) that ``int()`` refuses.
_BADGE_PARTS = re.compile(r"(?P<number>[0-9]+)|[^0-9]+")


def badge_key(number: str | None) -> tuple:
    """Sort badge numbers as people read them: 2 before 10, A-9 before A-10.

    Any stored text sorts (a badge number saved before ``attendees.badge_problem`` refused
    other signs): only ASCII digits, Khmer ones turned into them, read as numbers.
    """
    parts = _BADGE_PARTS.finditer(ascii_digits(number or "").strip().lower())
    return tuple((0, int(part[0]), "") if part["number"] else (1, 0, part[0])
                 for part in parts)


def badge_attendees(event, *, start: str | None = None, end: str | None = None,
                    ids: list[int] | None = None) -> list[Participant]:
    """The event's pre-registered attendees with a badge number, in badge order, narrowed to
    the badge numbers from ``start`` to ``end`` and to the participants ``ids``; voided ones
    get no badge."""
    query = select(Participant).where(Participant.event_id == event.id,
                                      Participant.badge_number.is_not(None),
                                      Participant.voided_at.is_(None))
    if ids is not None:
        query = query.where(Participant.id.in_(ids))
    people = sorted(db.session.scalars(query), key=lambda p: badge_key(p.badge_number))
    low = badge_key(start) if start else None
    high = badge_key(end) if end else None
    return [p for p in people
            if (low is None or badge_key(p.badge_number) >= low)
            and (high is None or badge_key(p.badge_number) <= high)]


def in_pages(rows: list, per_page: int) -> list[list]:
    return [rows[n:n + per_page] for n in range(0, len(rows), per_page)]


def record_badges_printed(event, attendees: list[Participant], actor, **selection) -> None:
    """Audit a badge sheet: it carries each attendee's sign-in link (never the tokens here)."""
    record("participant.print_badges", user=actor, event_id=event.id, target=event,
           count=len(attendees), **{k: v for k, v in selection.items() if v})


# --- The forms of the Print page ----------------------------------------------------------
# The poster and the ballots are GET forms: a printout's address can be bookmarked. Badges are
# a POST (with the CSRF token): every badge carries a sign-in link, so each sheet printed is
# audited, and only the Print page may ask for one.

def _ids(form, field_) -> None:
    if field_.data and parse_ids(field_.data) is None:
        raise ValidationError(_l("Give participant numbers separated by commas."))


def parse_ids(raw: str | None) -> list[int] | None:
    """``"3, 5 8"`` → [3, 5, 8]; None for anything else (or too many)."""
    tokens = [t for t in re.split(r"[\s,]+", raw or "") if t]
    numbers = [submitted_number(t, digits=10) for t in tokens]
    if not tokens or len(tokens) > MAX_IDS or any(n is None for n in numbers):
        return None
    return numbers


def _badge_number(form, field_) -> None:
    """The rule of the attendee form and the import: letters, digits, dash, dot, slash."""
    problem = badge_problem(clean_badge(field_.data))
    if problem is not None:
        raise ValidationError(problem)


class BadgeForm(FlaskForm):
    """Which badges to print: a range of badge numbers, some participants, or all."""

    start = StringField(_l("From badge number"), name="from",
                        validators=[Optional(), Length(max=40), _badge_number])
    end = StringField(_l("To badge number"), name="to",
                      validators=[Optional(), Length(max=40), _badge_number])
    ids = StringField(_l("Only these participants (numbers, separated by commas)"),
                      validators=[Optional(), Length(max=20_000), _ids])

    def selection(self) -> dict:
        """The chosen range (badge numbers as stored) and participant ids, for
        ``badge_attendees``."""
        return {"start": clean_badge(self.start.data), "end": clean_badge(self.end.data),
                "ids": parse_ids(self.ids.data) if self.ids.data else None}


class PosterForm(FlaskForm):
    class Meta:
        csrf = False

    size = SelectField(_l("Paper size"), default="a4",
                       choices=[SelectChoice(size, size.upper()) for size in POSTER_SIZES])


def _number_between(low: int, high: int):
    def check(form, field_) -> None:
        value = submitted_number(field_.data or "", digits=7)
        if value is None or not low <= value <= high:
            raise ValidationError(_l("Give a whole number from %(low)s to %(high)s.",
                                     low=low, high=high))
    return check


class BallotForm(FlaskForm):
    """Which ballots to print: a round (none: the whole agenda), how many, from which number."""

    class Meta:
        csrf = False

    round = StringField(_l("Round"), validators=[Optional()])
    first = StringField(_l("First ballot number"), default="1",
                        validators=[_number_between(1, MAX_BALLOT_NUMBER)])
    count = StringField(_l("Number of copies"), default="1",
                        validators=[_number_between(1, MAX_COPIES)])

    def validate_round(self, field_) -> None:
        if field_.data and submitted_number(field_.data, digits=10) is None:
            raise ValidationError(_l("Choose a round of this event."))

    def round_id(self) -> int | None:
        """The chosen round's id; None for the whole agenda."""
        return submitted_number(self.round.data or "", digits=10) or None

    def numbers(self) -> range:
        first = int(self.first.data)
        return range(first, first + int(self.count.data))


# --- What the poster and the ballot say, in both languages ------------------------------

POSTER_HEADING = _l("Take part from your phone")
POSTER_CODE_LABEL = _l("Join code:")
POSTER_LINES = (
    _l("Scan the QR code with your phone's camera."),
    _l("Or open %(address)s and type the code %(code)s."),
    _l("Choose your sector, then wait: the questions appear when a round opens."),
)
BALLOT_TEXTS = {
    "ballot": _l("Paper ballot"),
    "number": _l("Ballot number:"),
    "sector": _l("Sector"),
    "gender": _l("Gender"),
    "organisation": _l("Organisation"),
    "comment": _l("Comment"),
    "answer": _l("Your answer"),
    "whole": _l("Whole agenda"),
    "tick": _l("Tick one box for each item; leave it blank if you do not answer."),
    "multi": _l("Tick every option that applies."),
    "ranking": _l("Write each option's place: the first, the second and so on."),
    "clerk": _l("For the clerk: type the digit printed in each ticked box."),
}


# --- The blank spreadsheet -----------------------------------------------------------------

#: A font with Khmer glyphs, as the results workbook uses.
_FONT = Font(name="Khmer UI", size=11)
_BOLD = Font(name="Khmer UI", size=11, bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
_WRAP = Alignment(wrap_text=True, vertical="top")

SHEET_TEXTS = {
    "ballot_number": _l("Ballot number"),
    "sector": _l("Sector"),
    "gender": _l("Gender"),
    "organisation": _l("Organisation"),
    "comment": _l("Comment"),
    "codes": _l("What each digit means"),
    "column": _l("Column"),
    "digit": _l("Digit"),
    "multi": _l("Type the numbers of every ticked option, separated by spaces."),
    "ranking": _l("Type the places written beside the options, in option order, separated by "
                  "spaces; a dash for an option left blank."),
    "text": _l("Type the answer as written."),
    "written": _l("Type it as written."),
}


def _both_line(texts: dict[str, str]) -> str:
    return " / ".join(dict.fromkeys(t for t in (texts["km"], texts["en"]) if t))


def ballot_workbook(event, rounds: list[BallotRound]) -> bytes:
    """A blank ``ballots`` sheet in the convention's columns, with a ``codes`` sheet saying
    what each digit means. Row 1 holds the machine-read column names; their meaning in both
    languages is in each header cell's comment, so every row below is a ballot."""
    texts = {key: both(message) for key, message in SHEET_TEXTS.items()}
    book = Workbook()
    sheet = book.active
    sheet.title = paper.SHEET
    codes = book.create_sheet("codes")
    codes.append(text_row(codes, [_both_line(texts["column"]), _both_line(texts["digit"]),
                                  _both_line(texts["codes"])]))
    for cell in codes[1]:
        cell.font, cell.fill = _BOLD, _HEADER_FILL

    def explain(column: str, boxes: list[Box], note: dict[str, str] | None = None) -> None:
        """Rows of the codes sheet: what each digit of ``column`` means."""
        if note is not None:
            codes.append(text_row(codes, [column, "", _both_line(note)]))
        for box in boxes:
            codes.append(text_row(codes, [column, box.digit, _both_line(box.label)]))

    entries = {paper.item_field(e.item): e for printed in rounds for e in printed.items}
    comments = {paper.comment_field(e.item): e for e in entries.values()}
    for n, (name, field_name) in enumerate(
            paper.sheet_columns([e.item for e in entries.values()]), start=1):
        cell = text_cell(sheet.cell(row=1, column=n), name)
        cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _WRAP
        letter = get_column_letter(n)
        sheet.column_dimensions[letter].width = 14
        rule = None
        if field_name in comments:
            entry = comments[field_name]
            meaning = {lang: f"{entry.number}. {texts['comment'][lang]}" for lang in ("km", "en")}
            sheet.column_dimensions[letter].width = 30
        elif field_name in entries:
            entry = entries[field_name]
            prompt = pair(entry.item, "prompt")
            meaning = {lang: f"{entry.number}. {prompt[lang]}" for lang in ("km", "en")}
            kind = entry.item.kind
            explain(name, entry.boxes, {ItemKind.multi: texts["multi"],
                                        ItemKind.ranking: texts["ranking"],
                                        ItemKind.text: texts["text"]}.get(kind))
            if kind in (ItemKind.agreement, ItemKind.priority, ItemKind.choice):
                digits = [int(box.digit) for box in entry.boxes]
                rule = (min(digits), max(digits))
            if kind == ItemKind.text:
                sheet.column_dimensions[letter].width = 30
        else:  # the ballot number and the profile
            meaning = texts[field_name]
            if field_name == "sector":
                explain(name, sector_boxes(event))
                rule = (1, len(event.sectors)) if event.sectors else None
            elif field_name == "gender":
                explain(name, gender_boxes())
                rule = (1, len(paper.GENDER_ORDER))
            elif field_name == "organisation":
                explain(name, [], texts["written"])
                sheet.column_dimensions[letter].width = 30
        cell.comment = Comment(clean(_both_line(meaning)), "Consult", width=300, height=120)
        if rule is not None:
            check = DataValidation(type="whole", operator="between", formula1=str(rule[0]),
                                   formula2=str(rule[1]), allow_blank=True)
            check.add(f"{letter}2:{letter}5000")
            sheet.add_data_validation(check)
    sheet.freeze_panes = "B2"
    codes.column_dimensions["A"].width = 20
    codes.column_dimensions["B"].width = 8
    codes.column_dimensions["C"].width = 90
    for row in codes.iter_rows(min_row=2):
        for cell in row:
            cell.font = _FONT
    codes.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_filename(event, round_: Round | None) -> str:
    suffix = f"-round-{round_.position}" if round_ is not None else ""
    return f"ballots-{event.join_code}{suffix}.xlsx"
