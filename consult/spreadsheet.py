"""Reading uploaded spreadsheets: open a workbook, read a sheet's header and rows as text, and
report every problem with its sheet, row and column; and writing typed text into a workbook
or a CSV so that a spreadsheet never reads it as a formula.

Every import of a file (the agenda as an XLSForm, attendees, paper ballots) reads through these
helpers, so a person sees the same kind of problem list whatever they upload. Values are read,
never formulas. Each importer maps headers to its own fields (``read_sheet``'s ``field_of``).
Typed text written out goes through ``neutralise`` in a CSV, and ``clean`` with a text cell
(``text_cell``, ``text_row``) in a workbook (DESIGN.md section 5).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from openpyxl.cell import Cell
from openpyxl.utils import get_column_letter

from consult.errors import ConsultError

#: Rows read per sheet at most: Consult reads agendas and lists of people, not data.
MAX_ROWS = 5000
#: Columns read per sheet at most.
MAX_COLUMNS = 100
#: Bytes of an uploaded or given file at most (the web server may refuse less: MAX_CONTENT_LENGTH).
MAX_FILE_BYTES = 5 * 1024 * 1024
#: The media type of an .xlsx download.
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    """A file not imported, with every problem found in it (sorted by sheet, then row)."""

    def __init__(self, problems: list[FileProblem], sheet_order: tuple[str, ...] = ()):
        order = {name: n for n, name in enumerate(sheet_order)}
        self.problems = sorted(problems, key=lambda p: (order.get(p.sheet, -1), p.row or 0))
        super().__init__(_l("The file was not imported: it has %(count)s problem(s).",
                            count=len(self.problems)))


# --- Reading cells --------------------------------------------------------------------------

def cell_text(value) -> str:
    """A cell's value as text: numbers without a trailing ``.0``, booleans as yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def normalized(header: str) -> str:
    """A header or sheet title as compared: no white space, lower case."""
    return re.sub(r"\s+", "", header).lower()


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
        return cell_text(values[i]) if i < len(values) else ""

    def problem(self, row: int | None, name: str | None, message) -> FileProblem:
        _, letter, header = self.columns.get(name, (0, "", name or "")) if name else (0, "", "")
        return FileProblem(self.title, row, letter, header, message)


def read_sheet(ws, title: str, field_of: Callable[[str], str | None],
               problems: list[FileProblem], too_long=None) -> Sheet:
    """Read a sheet's header row and non-empty rows (at most MAX_ROWS and MAX_COLUMNS).

    ``field_of`` names the field a header holds, or None for a column to ignore; ``too_long``
    is the message for a sheet past MAX_ROWS (with ``count``), when the importer has a better one.
    """
    sheet = Sheet(title)
    rows: Iterator[tuple] = ws.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    header = next(rows, None) or ()
    for i, cell in enumerate(header):
        name = cell_text(cell)
        fld = field_of(name) if name else None
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
            problems.append(FileProblem(title, None, "", "", too_long or _l(
                "This sheet has more than %(count)s rows: check that this is the right file.",
                count=MAX_ROWS)))
            break
        if any(cell_text(v) for v in values):
            sheet.rows.append((number, values))
    return sheet


def open_workbook(data: bytes, problems: list[FileProblem], too_large=None, not_xlsx=None):
    """The workbook in ``data``, or None with the reason added to ``problems``.

    ``too_large`` (with ``size``) and ``not_xlsx`` (with ``xlsx``) replace the general messages
    when the importer can say more (where such a file comes from).
    """
    def refuse(message):
        problems.append(FileProblem("", None, "", "", message))

    if not data:
        return refuse(_l("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        size = f"{MAX_FILE_BYTES // 2**20} MB"
        return refuse(too_large or _l("The file is larger than %(size)s: check that this is "
                                      "the right file.", size=size))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return refuse(_l("This is an old Excel file (%(xls)s). Open it in Excel or LibreOffice and"
                         " save it as an Excel workbook (%(xlsx)s), then import that file.",
                         xls=".xls", xlsx=".xlsx"))
    if not data.startswith(b"PK"):
        return refuse(not_xlsx or _l("This is not an Excel workbook (%(xlsx)s). Save it from "
                                     "Excel or LibreOffice as %(xlsx)s.", xlsx=".xlsx"))
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged zip fails in many ways (zipfile, KeyError, XML): one answer
        return refuse(_l("The file could not be read as an Excel workbook (%(xlsx)s): it may be "
                         "damaged. Save it again from Excel and import that file.",
                         xlsx=".xlsx"))


def require_columns(sheet: Sheet, names: tuple[str, ...], problems: list[FileProblem]) -> bool:
    """Report the required columns ``sheet`` lacks; True when it has them all."""
    ok = True
    for name in names:
        if not sheet.has(name):
            problems.append(FileProblem(sheet.title, 1, "", name, _l(
                "The sheet %(sheet)s has no column %(column)s.", sheet=sheet.title,
                column=name)))
            ok = False
    return ok


def find_worksheet(wb, name: str):
    """The sheet of ``wb`` named ``name``, however its title is spaced or capitalised."""
    for ws in wb.worksheets:
        if normalized(ws.title) == name:
            return ws
    return None


# --- Writing typed text -------------------------------------------------------------------

#: What a spreadsheet would read as the start of a formula in a CSV (DESIGN.md section 5).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Control characters a workbook cannot hold (tab, line feed and carriage return it can).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(text: str | None) -> str:
    """Make typed text safe for a CSV opened in a spreadsheet: never a formula."""
    if not text:
        return ""
    text = _CONTROL.sub("", text)
    return "'" + text if text.startswith(FORMULA_START) else text


def clean(text: str | None) -> str:
    """Drop control characters a workbook cannot hold (the text stays as typed otherwise)."""
    return _CONTROL.sub("", text) if text else ""


def text_cell(cell: Cell, text: str | None) -> Cell:
    """Put typed ``text`` in a workbook ``cell`` as text: never a formula, whatever it starts
    with, and shown as typed (no apostrophe, unlike a CSV's ``neutralise``)."""
    cell.value = clean(text)
    cell.data_type = "s"  # openpyxl reads a leading "=" as a formula
    return cell


def text_row(ws, values) -> list:
    """``values`` for ``ws.append``: every string a text cell (``text_cell``), the rest as is."""
    return [text_cell(Cell(ws), value) if isinstance(value, str) else value for value in values]
