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
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from consult.agenda.models import AGREEMENT_SCALE, PRIORITY_SCALE, ItemKind
from consult.events.models import Event
from consult.i18n import tr_text
from consult.participants.models import GENDER_LABELS
from consult.results import queries
from consult.results.consensus import STATUS_LABELS, Status
from consult.results.export import (
    clean,
    comment_rows,
    options_by_item,
    raw_rows,
    scale_labels,
    sector_labels,
    sheet_line,
    value_label,
)
from consult.results.figures import round_half_up, suppressed_text
from consult.results.forms import SOURCE_LABELS
from consult.results.labels import COLUMNS
from consult.results.report import GENDERS, ItemResult, build_report, participation
from consult.timeutil import utcnow

EXPORT_LANGS = ("km", "en", "both")
#: A font with Khmer glyphs on Windows (Excel) that LibreOffice substitutes sensibly elsewhere.
FONT_NAME = "Khmer UI"
FONT = Font(name=FONT_NAME, size=11)
BOLD = Font(name=FONT_NAME, size=11, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
LEFT_WRAP = Alignment(wrap_text=True, vertical="top", horizontal="left")
PCT = "0%"
#: A cell not shown as a percentage (too few answers, none with an opinion): grey, as on the page.
MUTED_FILL = PatternFill("solid", fgColor="E7E6E6")
MUTED = Font(name=FONT_NAME, size=11, italic=True, color="595959")
#: The heat map of % agree: red at 0 %, amber at 50 %, green at 100 % (fixed, so two workbooks
#: compare by colour).
HEAT_MAP = ColorScaleRule(start_type="num", start_value=0, start_color="F8696B",
                          mid_type="num", mid_value=0.5, mid_color="FFEB84",
                          end_type="num", end_value=1, end_color="63BE7B")
STATUS_FILLS = {Status.validated: PatternFill("solid", fgColor="C6EFCE"),
                Status.contested: PatternFill("solid", fgColor="FFEB9C"),
                Status.not_validated: PatternFill("solid", fgColor="FFC7CE"),
                Status.no_answers: MUTED_FILL}
#: Row height (points) that fits Khmer stacked subscripts in an 11-point font.
ROW_HEIGHT = 24
#: Height (points) of each further line of wrapped text.
LINE_HEIGHT = 18
ABOUT_WIDTHS = (44, 100)

SHEETS = [
    ("about", _l("About")), ("summary", _l("Summary")), ("rankings", _l("Rankings")),
    ("by_sector", _l("By sector")),
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
       "“fewer than 3 answers”, never as a percentage, so small groups stay anonymous; a group whose answers "
       "are all “no opinion” reads “no opinion given”, a group with none “no answers”."),
    _l("Rounding: percentages are kept unrounded in the cells and shown rounded half up "
       "(62.5% → 63%), as Excel and LibreOffice show them and as the results pages do; "
       "means and scores are rounded half up to two decimals. Thresholds compare unrounded "
       "values."),
    _l("Priority score: mean points of the answers (high 3, medium 2, low 1); the Rankings "
       "sheet orders priority items by score, overall and sector by sector."),
    _l("Ranking (modified Borda count): a participant who ranked m options gives the option in "
       "place p m − p + 1 points, so ranking fewer options never gives an option more weight; "
       "options are ordered by their total points."),
    _l("IQR (interquartile range): Q3 − Q1 of an agreement item's answers with an opinion "
       "(1–5), by the inclusive method of Excel's %(function)s: with the n answers sorted, "
       "the quartile at p lies at position (n − 1) × p counted from 0, interpolated between "
       "the two answers around it. In Excel: %(formula)s. A smaller IQR means answers closer "
       "together; it is not shown for a group with too few answers to publish, and by sector "
       "only for eligible sectors.", function="QUARTILE.INC",
       formula="=QUARTILE.INC(range,3)-QUARTILE.INC(range,1)"),
    _l("Re-vote (Delphi): an item put to the room again follows an earlier item. Shift: its "
       "agree % minus the earlier item's, in points. Converged: the IQR did not grow (IQR now "
       "at most the earlier IQR) and the spread between sectors narrowed (now below the "
       "earlier spread, or 0 in both); not decided when either round has fewer than two "
       "eligible sectors or too few answers."),
]

#: The About sheet's rows, in order. ``verify`` reads the join code, the filters and the two
#: checksums by their row number (``ABOUT_ROW``): keep the rows up to ``checksum`` where they
#: are (workbooks already cited carry them there) and add new ones after it.
ABOUT_KEYS = ["event", "join_code", "exported_at", "filters", "responses", "validate_pct",
              "sector_floor_pct", "contest_pct", "spread_pct", "min_sector_n", "min_cell",
              "checksum", "figures_checksum", "check", "identifying"]
ABOUT_ROW = {key: number for number, key in enumerate(ABOUT_KEYS, start=1)}

#: The Responses sheet's columns, in order. ``verify`` recomputes the checksum from the
#: columns named in ``RawRow.CHECKSUM_FIELDS`` (by position, so a later translation of a
#: header does not matter).
RESPONSE_COLUMNS = [
    ("response_id", _l("Response id")), ("participant", _l("Participant")),
    ("sector_id", _l("Sector id")), ("sector", _l("Sector")), ("gender", _l("Gender")),
    ("organisation", _l("Organisation")), ("round_position", _l("Round")),
    ("item_id", _l("Item id")), ("item_code", _l("Code")), ("kind", _l("Kind")),
    ("value", _l("Value")), ("answer", _l("Answer")), ("comment", _l("Comment")),
    ("comment_hidden", _l("Comment hidden")), ("source", _l("Source")),
    ("created_at", _l("Answered at (UTC)")), ("updated_at", _l("Changed at (UTC)")),
    ("voided", _l("Voided")),
]
RESPONSE_WIDTHS = [10, 12, 8, 28, 12, 24, 7, 8, 9, 11, 10, 30, 50, 9, 8, 19, 19, 9]
#: Report progress on the Responses sheet every so many rows.
PROGRESS_EVERY = 1000


class Book:
    """A write-only workbook, and the running checksum of the figures sheets written to it."""

    def __init__(self):
        self.wb = Workbook(write_only=True)
        _khmer_default_font(self.wb)
        #: Every row of every sheet but About and Responses (which has its own checksum).
        self.figures = hashlib.sha256()

    def create_sheet(self, title: str):
        return self.wb.create_sheet(title=title[:31])


class Sheet:
    """A write-only worksheet with our conventions: header row, fonts, widths, filters."""

    def __init__(self, book: Book, title: str, headers: list[str], widths: list[int],
                 freeze: str = "A2", styled: bool = True, checked: bool = True,
                 header_lines: int = 2):
        self.ws = book.create_sheet(title)
        self.header_lines = header_lines
        #: The figures checksum this sheet's rows go into (None: the Responses sheet).
        self.digest = book.figures if checked else None
        #: Styled sheets wrap text in every cell; plain ones (the long raw sheets) write bare
        #: values in the workbook's default font, which is already Khmer-capable: 2–3× faster.
        self.styled = styled
        self.columns = len(headers)
        self.widths = widths
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self.ws.freeze_panes = freeze
        self.rows = 0
        self.header(headers)
        if len(headers) > 1:
            self.ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}1048576"

    def header(self, headers):
        self._check(headers)
        cells = []
        for text in headers:
            cell = WriteOnlyCell(self.ws, value=text)
            cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, WRAP
            if isinstance(text, str):
                cell.data_type = "s"  # a header may carry a sector's name: never a formula
            cells.append(cell)
        self.ws.row_dimensions[self.rows + 1].height = ROW_HEIGHT * self.header_lines
        self.ws.append(cells)
        self.rows += 1

    def row(self, values, formats=None, muted=(), fills=None):
        """Append a row; text is always text, never a formula, whatever it starts with.

        ``formats`` (number formats by column), ``muted`` (columns of a cell not shown: grey)
        and ``fills`` (background by column) are for styled sheets; on plain sheets dates take
        openpyxl's own date format.
        """
        self._check(values)
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
            else:
                cell.alignment = TOP  # level with the first line of wrapped text beside it
            if formats and formats.get(index):
                cell.number_format = formats[index]
            if index in muted:
                cell.font, cell.fill = MUTED, MUTED_FILL
            elif fills and index in fills:
                cell.fill = fills[index]
            cells.append(cell)
        # Spreadsheet programs do not grow a row for wrapped text written by a program.
        lines = max((_lines(v, self.widths[i]) for i, v in enumerate(values)
                     if i < len(self.widths)), default=1)
        if lines > 1:
            self.ws.row_dimensions[self.rows + 1].height = lines * LINE_HEIGHT
        self.ws.append(cells)
        self.rows += 1

    def _check(self, values) -> None:
        if self.digest is not None:
            line = sheet_line(values)
            if line is not None:
                self.digest.update(line.encode("utf-8") + b"\n")

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


def _hidden(cell, min_cell, t) -> str | None:
    """Why a cell is not shown ("fewer than 3 answers", "no opinion given", "no answers"), or None."""
    if cell.shares is None or not cell.shares.suppressed:
        return None
    return t.each(lambda: suppressed_text(cell.shares, min_cell))


def _share(cell, key, min_cell, t):
    """A percentage (as a fraction), or the words of a suppressed cell (the page's words)."""
    if cell.shares is None:
        return None
    return _hidden(cell, min_cell, t) or _pct(cell.shares.pct.get(key))


def write_workbook(event: Event, filters: queries.Filters, lang: str, out: IO[bytes],
                   progress=None, identifying: bool = True) -> str:
    """Write the workbook to ``out``; return the checksum of the raw responses it holds.

    ``progress(n)``, if given, is called as the Responses sheet grows by ``n`` rows.
    ``identifying=False`` leaves the organisation and the participant code beside a comment
    out of the Responses sheet (export.raw_rows); the About sheet's filters say so.
    """
    t = Texts(lang)
    report = build_report(event, filters)
    wb = Book()
    sheets = {key: t.sheet_name(title) for key, title in SHEETS}
    about = wb.create_sheet(sheets["about"])  # first, filled last (needs the checksum)
    _summary(wb, sheets["summary"], report, t)
    _rankings(wb, sheets["rankings"], report, t)
    _by_group(wb, sheets["by_sector"], report, t, "sector")
    _by_group(wb, sheets["by_gender"], report, t, "gender")
    _distribution(wb, sheets["distribution"], report, t)
    _comments(wb, sheets["comments"], event, filters, t)
    _participation(wb, sheets["participation"], event, filters, t)
    digest, count = _responses(wb, sheets["responses"], event, filters, t, progress,
                               identifying)
    _codebook(wb, sheets["codebook"], report, t)
    _about(about, event, filters, report, t, digest, count, wb.figures.hexdigest(), identifying)
    wb.wb.save(out)
    return digest


def _about(ws, event, filters, report, t, digest, count, figures, identifying=True):
    from consult.i18n import format_dt

    ws.column_dimensions["A"].width = ABOUT_WIDTHS[0]
    ws.column_dimensions["B"].width = ABOUT_WIDTHS[1]
    th = report.thresholds
    # The export's options beside its filters: ``verify`` reads both to recompute the checksum.
    options = {**filters.as_dict(), **({} if identifying else {"identifying": False})}
    with force_locale(t.data_lang):
        exported = format_dt(utcnow(), "stamp", event) + f" ({event.timezone})"
    facts = {
        "event": (t(_l("Event")), t.field(event, "title")),
        "join_code": (t(_l("Join code")), event.join_code),
        "exported_at": (t(_l("Exported at")), exported),
        "filters": (t(_l("Filters")), json.dumps(options, ensure_ascii=False)
                    if options else t(_l("None: every response"))),
        "responses": (t(_l("Responses")), count),
        "validate_pct": (t(_l("Validation threshold (agree %)")), th.validate_pct),
        "sector_floor_pct": (t(_l("Sector floor (agree %)")), th.sector_floor_pct),
        "contest_pct": (t(_l("Contest threshold (agree %)")), th.contest_pct),
        "spread_pct": (t(_l("Spread threshold (points)")), th.spread_pct),
        "min_sector_n": (t(_l("Minimum answers for an eligible sector")), th.min_sector_n),
        "min_cell": (t(_l("Small-cell minimum")), event.min_cell),
        "checksum": (t(_l("SHA-256 of the raw responses")), digest),
        "figures_checksum": (t(_l("SHA-256 of the other sheets")), figures),
        "check": (t(_l("Check")), "flask consult verify-export FILE"),
        "identifying": (t(_l("Identifying columns")), t(_l("Included: organisation, and the "
                                                           "participant code of every response."))
                        if identifying else t(_l("Left out: the organisation, and the "
                                                 "participant code of every response with a "
                                                 "comment."))),
    }
    rows = [
        *(facts[key] for key in ABOUT_KEYS),
        ("", ""),
        (t(_l("Definitions")), ""),
        *[("", t(d)) for d in DEFINITIONS],
    ]
    for number, (label, value) in enumerate(rows, start=1):
        a = WriteOnlyCell(ws, value=label)
        a.font, a.alignment = BOLD, WRAP
        a.data_type = "s"
        b = WriteOnlyCell(ws, value=value)
        b.font, b.alignment = FONT, LEFT_WRAP
        if isinstance(value, str):
            b.data_type = "s"
        # Spreadsheet programs do not grow a row for wrapped text written by a program.
        lines = max(_lines(label, ABOUT_WIDTHS[0]), _lines(value, ABOUT_WIDTHS[1]))
        if lines > 1:
            ws.row_dimensions[number].height = lines * LINE_HEIGHT
        ws.append([a, b])


def _lines(value, width: int) -> int:
    """About how many lines ``value`` wraps to in a column ``width`` characters wide."""
    if not isinstance(value, str) or not value:
        return 1
    # A Khmer consonant with its subscripts and vowels takes about one character's width.
    marks = sum(1 for c in value if "\u17b4" <= c <= "\u17d3" and c != "\u17d2")
    subscripts = value.count("\u17d2") * 2
    length = len(value) - marks - subscripts
    return max(1, -(-length // max(width - 4, 1)))


def _item_label(result: ItemResult, t) -> str:
    return clean(t.field(result.item, "prompt"))


def _kind_label(kind) -> str:
    return str(kind.value if hasattr(kind, "value") else kind)


def _summary(wb, title, report, t):
    headers = [t(_l("Section")), t(_l("Code")), t(_l("Item")), t(_l("Kind")), "n",
               t(_l("Mean")), t(COLUMNS["agree"]), t(COLUMNS["neutral"]), t(COLUMNS["disagree"]),
               t(_l("Sector-balanced agreement")), t(_l("Spread")), t(_l("Status")),
               t(_l("Reason")), t(_l("Priority score")), t(_l("Shift since the earlier round")),
               t(_l("IQR")), t(_l("Earlier item")), t(_l("IQR in the earlier round")),
               t(_l("Spread in the earlier round")), t(_l("Converged"))]
    sheet = Sheet(wb, title, headers, [22, 10, 60, 12, 7, 8, 10, 10, 10, 14, 9, 22, 60, 10, 12,
                                       8, 10, 12, 12, 14],
                  freeze="D2", header_lines=4 if t.lang == "both" else 3)
    min_cell = report.event.min_cell
    pct = {6: PCT, 7: PCT, 8: PCT, 9: PCT, 14: "+0%;-0%;0%"}
    agreement_rows = []
    for result in report.items:
        overall = result.overall
        c = result.consensus
        status = t(STATUS_LABELS[c.status]) if c else None
        reason = t.each(lambda c=c: c.reason) if c else None
        values = [
            clean(t.field(result.section, "title")), result.item.code, _item_label(result, t),
            _kind_label(result.item.kind), overall.n,
            round_half_up(overall.mean, 2),
            *(_share(overall, key, min_cell, t) if result.item.kind == ItemKind.agreement
              else None for key in ("agree", "neutral", "disagree")),
            _pct(c.balanced_pct) if c else None, round_half_up(c.spread, 1) if c else None,
            status, reason, round_half_up(overall.score, 2), _pct(result.follow_shift),
            *_follow_cells(result, t),
        ]
        sheet.row(values, formats={**pct, 5: "0.00", 13: "0.00", 15: "0.00", 17: "0.00"},
                  muted={i for i in (6, 7, 8) if isinstance(values[i], str)},
                  fills={11: STATUS_FILLS[c.status]} if c and c.status in STATUS_FILLS else None)
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
        sheet.ws.add_chart(chart, "V2")


def _follow_cells(result: ItemResult, t) -> list:
    """IQR; and for a re-voted item the earlier item, its IQR and spread, and convergence."""
    f = result.follow
    if f is None:
        return [result.shown_iqr(), None, None, None, None]
    verdict = {True: _l("yes"), False: _l("no"), None: _l("not decided")}[f.converged]
    return [f.iqr_after, f.earlier.code, f.iqr_before,
            round_half_up(f.spread_before, 1) if f.spread_before is not None else None,
            t(verdict)]


def _places(values: list) -> list[int]:
    """Competition places of values sorted best first: equal values share a place (1, 2, 2, 4)."""
    places = []
    for index, value in enumerate(values):
        places.append(places[-1] if index and value == values[index - 1] else index + 1)
    return places


def _rankings(wb, title, report, t):
    """Priority items by score and ranking options by points, overall and sector by sector."""
    event = report.event
    headers = [t(_l("Ranked list")), t(_l("Sector")), t(_l("Place")), t(_l("Code")),
               t(_l("Item")), t(_l("Option")), t(_l("Priority score")), t(_l("Points")), "n"]
    sheet = Sheet(wb, title, headers, [24, 30, 7, 10, 60, 30, 12, 12, 7], freeze="C2",
                  header_lines=3 if t.lang == "both" else 2)
    formats = {6: "0.00", 7: "0"}
    groups = [(None, t(_l("All sectors")))] + [(s.id, clean(t.field(s, "label")))
                                                for s in event.sectors]
    by_score = t(_l("Priority items by score"))
    for sector_id, group in groups:
        ranked = report.priority_ranking(sector_id)
        shown = [r for r in ranked if r.cell(sector_id).score_shown]
        places = _places([r.cell(sector_id).score for r in shown])
        for index, result in enumerate(ranked):
            cell = result.cell(sector_id)
            hidden = _hidden(cell, event.min_cell, t)
            score = hidden or round_half_up(cell.score, 2)
            sheet.row([by_score, group, places[index] if index < len(shown) else None,
                       result.item.code, _item_label(result, t), None, score, None, cell.n],
                      formats=formats, muted={6} if hidden else ())
    by_points = t(_l("Ranking options by points"))
    for result in report.items:
        if result.item.kind != ItemKind.ranking:
            continue
        for sector_id, group in groups:
            cell = result.cell(sector_id)
            hidden = _hidden(cell, event.min_cell, t)
            if hidden:
                sheet.row([by_points, group, None, result.item.code, _item_label(result, t),
                           None, None, hidden, cell.n], formats=formats, muted={7})
                continue
            ranked = result.ranked_options(sector_id)
            places = _places([points for _, points in ranked])
            for place, (option, points) in zip(places, ranked, strict=True):
                sheet.row([by_points, group, place, result.item.code, _item_label(result, t),
                           clean(t.field(option, "label")), None, points, cell.n],
                          formats=formats)


def _by_group(wb, title, report, t, by):
    """Items × groups: % agree and n per group; by sector a heat map with each item's status."""
    event = report.event
    if by == "sector":
        groups = [(s.id, clean(t.field(s, "label"))) for s in event.sectors]
    else:
        groups = [(g, t(GENDER_LABELS[g])) for g in GENDERS]
    headers = [t(_l("Code")), t(_l("Item")), t(_l("Kind"))]
    widths = [10, 60, 12]
    if by == "sector":
        headers.append(t(_l("Status")))
        widths.append(22)
    first = len(headers)  # the first group's % agree column (0-based)
    sectors = {s.id: s for s in event.sectors}
    for key, _label in groups:
        # The group's name heads its % column; its n column follows it, headed "n" alone.
        # The colon is the message's, so a Khmer header reads "ស្ត្រី៖ ភាគរយយល់ស្រប".
        headers += [t.each(lambda key=key: str(_l(
            "%(label)s: %(value)s", value=COLUMNS["agree"],
            label=clean(tr_text(sectors[key], "label")) if by == "sector" else GENDER_LABELS[key]))), "n"]
        widths += [18, 7]
    sheet = Sheet(wb, title, headers, widths, freeze=f"{get_column_letter(first + 1)}2",
                  header_lines=5 if t.lang == "both" else 4)
    formats = {first + 2 * i: PCT for i in range(len(groups))}
    for result in report.items:
        cells = result.by_sector if by == "sector" else result.by_gender
        values = [result.item.code, _item_label(result, t), _kind_label(result.item.kind)]
        fills = {}
        if by == "sector":
            c = result.consensus
            values.append(t(STATUS_LABELS[c.status]) if c else None)
            if c and c.status in STATUS_FILLS:
                fills[3] = STATUS_FILLS[c.status]
        muted = set()
        for key, _ in groups:
            cell = cells[key]
            share = (_share(cell, "agree", event.min_cell, t)
                     if result.item.kind == ItemKind.agreement else None)
            if isinstance(share, str):
                muted.add(len(values))
            values += [share, cell.n]
        sheet.row(values, formats=formats, muted=muted, fills=fills)
    if by == "sector" and groups and sheet.rows > 1:
        ranges = " ".join(f"{get_column_letter(first + 1 + 2 * i)}2:"
                          f"{get_column_letter(first + 1 + 2 * i)}{sheet.rows}"
                          for i in range(len(groups)))
        sheet.ws.conditional_formatting.add(ranges, HEAT_MAP)


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


def _participation(wb, title, event, filters, t):
    """Joined and responded per round × sector × gender, narrowed by the sector/gender filters."""
    headers = [t(_l("Round")), t(_l("Sector")), t(_l("Gender")), t(_l("Joined")),
               t(_l("Responded"))]
    sheet = Sheet(wb, title, headers, [40, 34, 18, 10, 12], styled=False)
    # participation() has already narrowed the sectors and genders to the filters.
    table = participation(event, filters)
    sector_names = {s.id: clean(t.field(s, "label")) for s in event.sectors}
    for round_ in table["rounds"]:
        responded = table["responded"].get(round_.id, {})
        for sector_id, joined in table["joined"].items():
            for gender, n_joined in joined.items():
                sheet.row([clean(t.field(round_, "title")), sector_names.get(sector_id, ""),
                           t(GENDER_LABELS[gender]), n_joined,
                           responded.get(sector_id, {}).get(gender, 0)])


def _responses(wb, title, event, filters, t, progress=None, identifying=True):
    headers = [t(label) for _, label in RESPONSE_COLUMNS]
    sheet = Sheet(wb, title, headers, RESPONSE_WIDTHS, styled=False, checked=False)
    sectors = sector_labels(event, t.data_lang)
    options = options_by_item(event)
    scales = scale_labels(t.data_lang)
    digest, count = hashlib.sha256(), 0
    yes = t(_l("yes"))
    for row in raw_rows(filters, identifying):
        digest.update(row.canonical().encode("utf-8"))
        digest.update(b"\n")
        count += 1
        # Scale answers are numbers (1–5, 0, 1–3); option codes and typed text stay text.
        sheet.row([row.response_id, row.participant, row.sector_id,
                   sectors.get(row.sector_id, ""), row.gender or "", row.organisation,
                   row.round_position, row.item_id, row.item_code, row.kind, row.value,
                   value_label(row, options, t.data_lang, scales), row.comment,
                   yes if row.comment_hidden else "", row.source,
                   row.created_at.replace(microsecond=0), row.updated_at.replace(microsecond=0),
                   yes if row.voided else ""])
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    if progress is not None and count % PROGRESS_EVERY:
        progress(count % PROGRESS_EVERY)
    return digest.hexdigest(), count


def _codebook(wb, title, report, t):
    headers = [t(_l("Code")), t(_l("Kind")), t(_l("Section")), "prompt (ខ្មែរ)", "prompt (English)",
               t(_l("Answer code")), "label (ខ្មែរ)", "label (English)"]
    sheet = Sheet(wb, title, headers, [10, 12, 24, 60, 60, 12, 30, 30], styled=False)
    for result in report.items:
        item = result.item
        base = [item.code, _kind_label(item.kind), clean(t.field(result.section, "title")),
                clean(item.prompt_km), clean(item.prompt_en)]
        # Scale codes are numbers, as in the Responses sheet, so a lookup between them matches.
        if item.kind == ItemKind.agreement:
            answers = list(AGREEMENT_SCALE.items())
        elif item.kind == ItemKind.priority:
            answers = list(PRIORITY_SCALE.items())
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
