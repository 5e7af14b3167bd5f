"""The Excel workbook the consortium cites (DESIGN.md section 5), in openpyxl write-only mode.

Sheets in order: About, Summary, By sector, By gender, Distribution, Comments, Participation,
Responses, Codebook. Memory stays flat: rows are written as they are produced, and the raw
responses are streamed from the database.
"""

from __future__ import annotations

import hashlib
import json
from typing import IO

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from consult.agenda.models import AGREEMENT_SCALE, PRIORITY_SCALE, ItemKind
from consult.events.models import Event
from consult.i18n import tr_text
from consult.participants.models import GENDER_LABELS
from consult.results import queries
from consult.results.consensus import STATUS_LABELS
from consult.results.export import (
    clean,
    comment_rows,
    options_by_item,
    raw_rows,
    scale_labels,
    sector_labels,
    value_label,
)
from consult.results.forms import SOURCE_LABELS
from consult.results.labels import COLUMNS
from consult.results.report import GENDERS, ItemResult, build_report
from consult.timeutil import utcnow

EXPORT_LANGS = ("km", "en", "both")
#: A font with Khmer glyphs on Windows (Excel) that LibreOffice substitutes sensibly elsewhere.
FONT_NAME = "Khmer UI"
FONT = Font(name=FONT_NAME, size=11)
BOLD = Font(name=FONT_NAME, size=11, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
WRAP = Alignment(wrap_text=True, vertical="top")
PCT = "0%"
SMALL_CELL = "n < {n}"
#: Row height (points) that fits Khmer stacked subscripts in an 11-point font.
ROW_HEIGHT = 24

SHEETS = [
    ("about", _l("About")), ("summary", _l("Summary")), ("by_sector", _l("By sector")),
    ("by_gender", _l("By gender")), ("distribution", _l("Distribution")),
    ("comments", _l("Comments")), ("participation", _l("Participation")),
    ("responses", _l("Responses")), ("codebook", _l("Codebook")),
]

DEFINITIONS = [
    _l("n: answers to the item, “no opinion” included."),
    _l("Agree %: the share of answers with an opinion that are 4 or 5 (agree, strongly agree); "
       "neutral %: answer 3; disagree %: answers 1 and 2. “No opinion” counts as an answer but "
       "not in these percentages."),
    _l("Mean: average of the answers with an opinion on the 1–5 scale."),
    _l("A sector is eligible for an item when it has at least the minimum number of answers "
       "with an opinion."),
    _l("Sector-balanced agreement: the mean of the eligible sectors' agree %, so that a large "
       "sector does not drown out a small one."),
    _l("Spread: highest minus lowest agree % among eligible sectors (0 with fewer than two)."),
    _l("Validated: overall agree % at or above the validation threshold, every eligible "
       "sector at or above the sector floor, and a spread below the spread threshold."),
    _l("Contested: not validated, overall agree % at or above the contest threshold, and some "
       "eligible sector below the floor or a spread at or above the spread threshold."),
    _l("Not validated: every other case, including an item with no answer with an opinion."),
    _l("Small cells: a group with fewer answers than the small-cell minimum is shown as "
       "“n < 3”, never as a percentage, so small groups stay anonymous."),
    _l("Priority score: mean points of the answers (high 3, medium 2, low 1)."),
    _l("Ranking: an option in place p of k earns k − p + 1 points (Borda count)."),
]


class Sheet:
    """A write-only worksheet with our conventions: header row, fonts, widths, filters."""

    def __init__(self, wb: Workbook, title: str, headers: list[str], widths: list[int],
                 freeze: str = "A2", styled: bool = True):
        self.ws = wb.create_sheet(title=title[:31])
        #: Styled sheets wrap text in every cell; plain ones (the long raw sheets) write bare
        #: values in the workbook's default font, which is already Khmer-capable: 2–3× faster.
        self.styled = styled
        self.columns = len(headers)
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self.ws.freeze_panes = freeze
        self.rows = 0
        self.header(headers)
        if len(headers) > 1:
            self.ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}1048576"

    def header(self, headers):
        cells = []
        for text in headers:
            cell = WriteOnlyCell(self.ws, value=text)
            cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, WRAP
            cells.append(cell)
        self.ws.row_dimensions[self.rows + 1].height = ROW_HEIGHT * 2
        self.ws.append(cells)
        self.rows += 1

    def row(self, values, formats=None):
        """Append a row; text is always text, never a formula, whatever it starts with.

        ``formats`` (number formats by column) are for styled sheets; on plain sheets dates
        take openpyxl's own date format.
        """
        if not self.styled:
            # Empty text is written as no cell at all: the long raw sheets are mostly blanks.
            # (Inline, not a call per cell: this runs for every cell of 100,000-row sheets.)
            self.ws.append([None if v == "" else self._text(v)
                            if v.__class__ is str and v[:1] == "=" else v for v in values])
            self.rows += 1
            return
        cells = []
        for index, value in enumerate(values):
            cell = WriteOnlyCell(self.ws, value=value)
            cell.font = FONT
            if isinstance(value, str):
                cell.alignment = WRAP
                cell.data_type = "s"  # never a formula, whatever the text starts with
            if formats and formats.get(index):
                cell.number_format = formats[index]
            cells.append(cell)
        self.ws.append(cells)
        self.rows += 1

    def _text(self, value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=value)
        cell.data_type = "s"  # openpyxl reads a leading "=" as a formula
        return cell


def _khmer_default_font(wb: Workbook) -> None:
    """Make the workbook's default font Khmer-capable, so unstyled cells render Khmer too."""
    from copy import copy

    from openpyxl.utils.indexed_list import IndexedList

    wb._fonts = IndexedList([FONT])  # index 0 is every unstyled cell's font
    wb._named_styles["Normal"].font = copy(FONT)


class Texts:
    """Headers and labels in the chosen language, or both ("ខ្មែរ / English")."""

    def __init__(self, lang: str):
        self.lang = lang
        self.data_lang = "km" if lang == "km" else "en"

    def __call__(self, text) -> str:
        if self.lang == "both":
            with force_locale("km"):
                km = str(text)
            with force_locale("en"):
                en = str(text)
            return km if km == en else f"{km} / {en}"
        with force_locale(self.lang):
            return str(text)

    def sheet_name(self, text) -> str:
        """Sheet names: Khmer for a Khmer workbook, else English (short, no "/")."""
        with force_locale("km" if self.lang == "km" else "en"):
            return str(text)[:31]

    def each(self, make) -> str:
        """Call ``make()`` under the chosen language(s): for text built from parts."""
        if self.lang == "both":
            with force_locale("km"):
                km = make()
            with force_locale("en"):
                en = make()
            return km if km == en else f"{km} / {en}"
        with force_locale(self.lang):
            return make()

    def field(self, obj, name: str) -> str:
        if self.lang == "both":
            km, en = tr_text(obj, name, "km"), tr_text(obj, name, "en")
            return km if km == en else f"{km} / {en}"
        return tr_text(obj, name, self.lang)


def _pct(value):
    return None if value is None else value / 100


def _share(cell, key, min_cell):
    """A percentage (as a fraction) or the small-cell marker."""
    if cell.shares is None:
        return None
    if cell.shares.suppressed:
        return SMALL_CELL.format(n=min_cell) if cell.shares.base or cell.n else None
    return _pct(cell.shares.pct.get(key))


def write_workbook(event: Event, filters: queries.Filters, lang: str, out: IO[bytes]) -> str:
    """Write the workbook to ``out``; return the checksum of the raw responses it holds."""
    t = Texts(lang)
    report = build_report(event, filters)
    wb = Workbook(write_only=True)
    _khmer_default_font(wb)
    sheets = {key: t.sheet_name(title) for key, title in SHEETS}
    about = wb.create_sheet(sheets["about"])  # first, filled last (needs the checksum)
    _summary(wb, sheets["summary"], report, t)
    _by_group(wb, sheets["by_sector"], report, t, "sector")
    _by_group(wb, sheets["by_gender"], report, t, "gender")
    _distribution(wb, sheets["distribution"], report, t)
    _comments(wb, sheets["comments"], event, filters, t)
    _participation(wb, sheets["participation"], event, t)
    digest, count = _responses(wb, sheets["responses"], event, filters, t)
    _codebook(wb, sheets["codebook"], report, t)
    _about(about, event, filters, report, t, digest, count)
    wb.save(out)
    return digest


def _about(ws, event, filters, report, t, digest, count):
    from consult.i18n import format_dt

    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 100
    th = report.thresholds
    with force_locale(t.data_lang):
        exported = format_dt(utcnow(), "yyyy-MM-dd HH:mm", event) + f" ({event.timezone})"
    rows = [
        (t(_l("Event")), t.field(event, "title")),
        (t(_l("Join code")), event.join_code),
        (t(_l("Exported at")), exported),
        (t(_l("Filters")), json.dumps(filters.as_dict(), ensure_ascii=False) if filters.as_dict()
         else t(_l("None: every response"))),
        (t(_l("Responses")), count),
        (t(_l("Validation threshold (agree %)")), th.validate_pct),
        (t(_l("Sector floor (agree %)")), th.sector_floor_pct),
        (t(_l("Contest threshold (agree %)")), th.contest_pct),
        (t(_l("Spread threshold (points)")), th.spread_pct),
        (t(_l("Minimum answers for an eligible sector")), th.min_sector_n),
        (t(_l("Small-cell minimum")), event.min_cell),
        (t(_l("SHA-256 of the raw responses")), digest),
        (t(_l("Check")), "flask consult verify-export FILE"),
        ("", ""),
        (t(_l("Definitions")), ""),
        *[("", t(d)) for d in DEFINITIONS],
    ]
    for label, value in rows:
        a = WriteOnlyCell(ws, value=label)
        a.font = BOLD
        b = WriteOnlyCell(ws, value=value)
        b.font, b.alignment = FONT, WRAP
        if isinstance(value, str):
            b.data_type = "s"
        ws.append([a, b])


def _item_label(result: ItemResult, t) -> str:
    return clean(t.field(result.item, "prompt"))


def _kind_label(kind) -> str:
    return str(kind.value if hasattr(kind, "value") else kind)


def _summary(wb, title, report, t):
    headers = [t(_l("Section")), t(_l("Code")), t(_l("Item")), t(_l("Kind")), "n",
               t(_l("Mean")), t(COLUMNS["agree"]), t(COLUMNS["neutral"]), t(COLUMNS["disagree"]),
               t(_l("Sector-balanced agreement")), t(_l("Spread")), t(_l("Status")),
               t(_l("Reason")), t(_l("Priority score")), t(_l("Shift since the earlier round"))]
    sheet = Sheet(wb, title, headers, [22, 10, 60, 12, 7, 8, 10, 10, 10, 14, 9, 16, 60, 10, 12],
                  freeze="D2")
    min_cell = report.event.min_cell
    pct = {6: PCT, 7: PCT, 8: PCT, 9: PCT, 14: "+0%;-0%;0%"}
    agreement_rows = []
    for result in report.items:
        overall = result.overall
        c = result.consensus
        status = t(STATUS_LABELS[c.status]) if c else None
        reason = t.each(lambda c=c: c.reason) if c else None
        sheet.row([
            clean(t.field(result.section, "title")), result.item.code, _item_label(result, t),
            _kind_label(result.item.kind), overall.n,
            round(overall.mean, 2) if overall.mean is not None else None,
            _share(overall, "agree", min_cell) if result.item.kind == ItemKind.agreement else None,
            _share(overall, "neutral", min_cell) if result.item.kind == ItemKind.agreement else None,
            _share(overall, "disagree", min_cell) if result.item.kind == ItemKind.agreement else None,
            _pct(c.balanced_pct) if c else None, round(c.spread, 1) if c else None,
            status, reason, round(overall.score, 2) if overall.score is not None else None,
            _pct(result.follow_shift),
        ], formats={**pct, 5: "0.00", 13: "0.00"})
        if result.item.kind == ItemKind.agreement:
            agreement_rows.append(sheet.rows)
    if agreement_rows:
        chart = BarChart()
        chart.type = "bar"
        chart.title = t(COLUMNS["agree"])
        chart.y_axis.number_format = "0%"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.legend = None
        first, last = 2, sheet.rows
        data = Reference(sheet.ws, min_col=7, min_row=first, max_row=last)
        cats = Reference(sheet.ws, min_col=2, min_row=first, max_row=last)
        chart.add_data(data, titles_from_data=False)
        chart.set_categories(cats)
        chart.height = max(8, 0.5 * (last - first + 1))
        chart.width = 18
        sheet.ws.add_chart(chart, "Q2")


def _by_group(wb, title, report, t, by):
    event = report.event
    if by == "sector":
        groups = [(s.id, clean(t.field(s, "label"))) for s in event.sectors]
    else:
        groups = [(g, t(GENDER_LABELS[g])) for g in GENDERS]
    headers = [t(_l("Code")), t(_l("Item")), t(_l("Kind"))]
    widths = [10, 60, 12]
    for _, label in groups:
        headers += [f"{label}: {t(COLUMNS['agree'])}", f"{label}: n"]
        widths += [14, 7]
    sheet = Sheet(wb, title, headers, widths, freeze="C2")
    formats = {3 + 2 * i: PCT for i in range(len(groups))}
    for result in report.items:
        cells = result.by_sector if by == "sector" else result.by_gender
        values = [result.item.code, _item_label(result, t), _kind_label(result.item.kind)]
        for key, _ in groups:
            cell = cells[key]
            share = (_share(cell, "agree", event.min_cell)
                     if result.item.kind == ItemKind.agreement else None)
            values += [share, cell.n]
        sheet.row(values, formats=formats)


def _distribution(wb, title, report, t):
    headers = [t(_l("Code")), t(_l("Item")), t(_l("Kind")), t(_l("Answer code")),
               t(_l("Answer")), t(_l("Count")), t(_l("Points"))]
    sheet = Sheet(wb, title, headers, [10, 60, 12, 12, 40, 9, 9], freeze="C2", styled=False)
    for result in report.items:
        item, counts = result.item, result.overall.counts
        if item.kind == ItemKind.agreement:
            answers = [(str(v), t(label), counts.get(v, 0), None)
                       for v, label in AGREEMENT_SCALE.items()]
        elif item.kind == ItemKind.priority:
            answers = [(str(v), t(label), counts.get(v, 0), None)
                       for v, label in PRIORITY_SCALE.items()]
        elif item.uses_options:
            answers = [(o.code, clean(t.field(o, "label")), counts.get(o.id, 0),
                        (result.points or {}).get(o.id, 0) if result.points is not None else None)
                       for o in item.options]
        else:
            answers = [("", t(_l("Open answers")), result.overall.n, None)]
        for code, label, n, points in answers:
            sheet.row([item.code, _item_label(result, t), _kind_label(item.kind), code, label, n,
                       points])


def _comments(wb, title, event, filters, t):
    headers = [t(_l("Code")), t(_l("Item")), t(_l("Sector")), t(_l("Gender")),
               t(_l("Language")), t(_l("Source")), t(_l("Comment"))]
    sheet = Sheet(wb, title, headers, [10, 50, 28, 16, 10, 10, 80], freeze="A2")
    sectors = sector_labels(event, t.data_lang)
    genders = {key: t(label) for key, label in GENDER_LABELS.items()}
    sources = {key: t(label) for key, label in SOURCE_LABELS.items()}
    for row in comment_rows(filters, include_hidden=False):
        (_, code, prompt_en, prompt_km, sector_id, gender, locale, source, comment, _, _) = row
        prompt = prompt_km if t.data_lang == "km" and prompt_km else (prompt_en or prompt_km)
        gender = getattr(gender, "value", gender)
        source = getattr(source, "value", source)
        sheet.row([code, clean(prompt), sectors.get(sector_id, ""), genders.get(gender, ""),
                   locale or "", sources.get(source, source), clean(comment)])


def _participation(wb, title, event, t):
    from sqlalchemy import select

    from consult.agenda.models import Round
    from consult.extensions import db

    headers = [t(_l("Round")), t(_l("Sector")), t(_l("Gender")), t(_l("Joined")),
               t(_l("Responded"))]
    sheet = Sheet(wb, title, headers, [40, 34, 18, 10, 12], styled=False)
    joined = {(s, g): n for s, g, n in queries.joined_by_group(event.id)}
    responded = {(r, s, g): n for r, s, g, n in queries.responded_by_round(event.id)}
    rounds = db.session.scalars(select(Round).where(Round.event_id == event.id)
                                .order_by(Round.position)).all()
    for round_ in rounds:
        for sector in event.sectors:
            for gender in GENDERS:
                sheet.row([clean(t.field(round_, "title")), clean(t.field(sector, "label")),
                           t(GENDER_LABELS[gender]), joined.get((sector.id, gender), 0),
                           responded.get((round_.id, sector.id, gender), 0)])


def _responses(wb, title, event, filters, t):
    headers = [t(_l("Participant")), t(_l("Sector")), t(_l("Gender")), t(_l("Organisation")),
               t(_l("Round")), t(_l("Item id")), t(_l("Code")), t(_l("Kind")),
               t(_l("Value")), t(_l("Answer")), t(_l("Comment")), t(_l("Comment hidden")),
               t(_l("Source")), t(_l("Answered at (UTC)")), t(_l("Changed at (UTC)"))]
    sheet = Sheet(wb, title, headers, [12, 28, 12, 24, 7, 8, 9, 11, 10, 30, 50, 9, 8, 19, 19],
                  styled=False)
    sectors = sector_labels(event, t.data_lang)
    options = options_by_item(event)
    scales = scale_labels(t.data_lang)
    digest, count = hashlib.sha256(), 0
    yes = t(_l("yes"))
    for row in raw_rows(filters):
        digest.update(row.canonical().encode("utf-8"))
        digest.update(b"\n")
        count += 1
        sheet.row([row.participant, sectors.get(row.sector_id, ""), row.gender or "",
                   row.organisation, row.round_position, row.item_id, row.item_code, row.kind,
                   row.value, value_label(row, options, t.data_lang, scales), row.comment,
                   yes if row.comment_hidden else "", row.source,
                   row.created_at.replace(microsecond=0), row.updated_at.replace(microsecond=0)])
    return digest.hexdigest(), count


def _codebook(wb, title, report, t):
    headers = [t(_l("Code")), t(_l("Kind")), t(_l("Section")), "prompt (ខ្មែរ)", "prompt (English)",
               t(_l("Answer code")), "label (ខ្មែរ)", "label (English)"]
    sheet = Sheet(wb, title, headers, [10, 12, 24, 60, 60, 12, 30, 30], styled=False)
    for result in report.items:
        item = result.item
        base = [item.code, _kind_label(item.kind), clean(t.field(result.section, "title")),
                clean(item.prompt_km), clean(item.prompt_en)]
        if item.kind == ItemKind.agreement:
            answers = [(str(v), label) for v, label in AGREEMENT_SCALE.items()]
        elif item.kind == ItemKind.priority:
            answers = [(str(v), label) for v, label in PRIORITY_SCALE.items()]
        else:
            answers = [(o.code, o) for o in item.options]
        if not answers:
            sheet.row([*base, "", "", ""])
        for code, label in answers:
            if hasattr(label, "label_en"):
                km, en = clean(label.label_km), clean(label.label_en)
            else:
                with force_locale("km"):
                    km = str(label)
                with force_locale("en"):
                    en = str(label)
            sheet.row([*base, code, km, en])


__all__ = ["EXPORT_LANGS", "write_workbook"]
