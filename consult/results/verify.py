"""Check a copy of a workbook: against its own checksum, and against the database.

The About sheet holds the SHA-256 of the raw responses the workbook was built from, and one of
every other sheet's cells (the figures). Two checks:
- the file: both checksums recomputed from the file's own sheets — a difference means a cell
  was edited after export;
- the database: the responses checksum recomputed from the database with the filters the About
  sheet records — a difference means responses changed since export.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import zip_longest

from openpyxl import load_workbook

from consult.access import find_event
from consult.results.export import RawRow, canonical_line, raw_rows, sheet_line
from consult.results.queries import Filters
from consult.results.workbook import ABOUT_ROW, RESPONSE_COLUMNS, SHEETS

#: Where each field of the checksum sits in a row of the Responses sheet.
_FIELD_COLUMNS = [[key for key, _ in RESPONSE_COLUMNS].index(name)
                  for name in RawRow.CHECKSUM_FIELDS]
#: Where the hidden flag stands in a checksum line ("yes" in the sheet, in its language).
_HIDDEN = RawRow.CHECKSUM_FIELDS.index("comment_hidden")
_RESPONSES_SHEET = [key for key, _ in SHEETS].index("responses")


class VerifyError(Exception):
    """The file is not a Consult workbook we can check."""


@dataclass
class Verification:
    expected: str  #: the checksum in the About sheet
    file_digest: str  #: recomputed from the file's Responses sheet
    file_count: int
    database_digest: str  #: recomputed from the database
    database_count: int
    #: The first row of the Responses sheet where file and database disagree (None if none).
    first_difference: int | None = None
    #: The figures checksum in the About sheet, and recomputed from the other sheets (None:
    #: a workbook written before Consult stored one).
    figures_expected: str | None = None
    figures_digest: str | None = None

    @property
    def responses_match(self) -> bool:
        """The file's Responses sheet gives the checksum in its About sheet."""
        return self.file_digest == self.expected

    @property
    def figures_match(self) -> bool:
        """The file's other sheets give the figures checksum (or it has none to check)."""
        return self.figures_expected is None or self.figures_digest == self.figures_expected

    @property
    def file_matches(self) -> bool:
        return self.responses_match and self.figures_match

    @property
    def database_matches(self) -> bool:
        return self.database_digest == self.expected

    @property
    def matches(self) -> bool:
        return self.file_matches and self.database_matches


def verify_workbook(path: str) -> Verification:
    """Recompute the checksum from the file's Responses sheet and from the database; compare."""
    try:
        wb = load_workbook(path, read_only=True)
    except Exception as error:  # openpyxl raises several kinds for a non-workbook
        raise VerifyError(f"Not an Excel workbook: {error}") from None
    try:
        code, filters_text, expected, figures_expected = _about(wb)
        event = find_event(code)
        if event is None:
            raise VerifyError(f"No event with join code {code!r} in this database.")
        filters = Filters(event_id=event.id, **_filters(filters_text))
        # A workbook exported without identifying columns says so beside its filters.
        identifying = _options(filters_text).get("identifying", True) is not False
        result = _compare(expected, _file_lines(wb),
                          (r.canonical() for r in raw_rows(filters, identifying)))
        if figures_expected is not None:
            result.figures_expected, result.figures_digest = figures_expected, _figures(wb)
        return result
    finally:
        wb.close()


def _about(wb) -> tuple:
    about = wb.worksheets[0]
    last = max(ABOUT_ROW.values())
    values = [row[1] if len(row) > 1 else None
              for row in about.iter_rows(min_row=1, max_row=last, values_only=True)]
    if len(values) < last:
        raise VerifyError("This workbook has no About sheet from Consult.")
    expected = values[ABOUT_ROW["checksum"] - 1]
    if not _is_digest(expected):
        raise VerifyError("This workbook has no checksum in its About sheet.")
    figures = values[ABOUT_ROW["figures_checksum"] - 1]
    return (values[ABOUT_ROW["join_code"] - 1], values[ABOUT_ROW["filters"] - 1], expected,
            figures if _is_digest(figures) else None)


def _is_digest(value) -> bool:
    return isinstance(value, str) and len(value) == 64


def _figures(wb) -> str:
    """The figures checksum of the file: every row of every sheet but About and Responses.

    Only the sheets Consult wrote count: a sheet an analyst added after them changes nothing.
    """
    digest = hashlib.sha256()
    for index, ws in enumerate(wb.worksheets[:len(SHEETS)]):
        if index in (0, _RESPONSES_SHEET):
            continue
        for row in ws.iter_rows(values_only=True):
            line = sheet_line(row)
            if line is not None:
                digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def _options(text) -> dict:
    """The filters and export options the About sheet records (JSON), or none."""
    try:
        chosen = json.loads(text) if str(text).startswith("{") else {}
    except ValueError:
        chosen = {}
    return chosen if isinstance(chosen, dict) else {}


def _filters(text) -> dict:
    return {k: v for k, v in _options(text).items() if k in Filters.__dataclass_fields__}


def _file_lines(wb):
    """The checksum lines of the file's Responses sheet, row by row."""
    if len(wb.worksheets) <= _RESPONSES_SHEET:
        raise VerifyError("This workbook has no Responses sheet where Consult writes it.")
    rows = wb.worksheets[_RESPONSES_SHEET].iter_rows(values_only=True)
    header = [h for h in next(rows, ()) if h not in (None, "")]
    if len(header) != len(RESPONSE_COLUMNS):
        raise VerifyError("This workbook's Responses sheet does not have the columns this "
                          "version of Consult writes (it may come from an earlier version); "
                          "its checksum cannot be recomputed.")
    for row in rows:
        if not any(v not in (None, "") for v in row):
            continue  # a trailing empty row left by a spreadsheet program
        cells = list(row) + [None] * (len(RESPONSE_COLUMNS) - len(row))
        fields = [_cell(cells[i]) for i in _FIELD_COLUMNS]
        fields[_HIDDEN] = fields[_HIDDEN] not in (None, "")
        yield canonical_line(fields)


def _cell(value):
    """A cell as the database gave it: times to the nearest second (Excel keeps a fraction)."""
    if isinstance(value, datetime):
        return (value + timedelta(microseconds=500_000)).replace(microsecond=0)
    return value


def _compare(expected: str, file_lines, database_lines) -> Verification:
    """Hash both streams side by side, noting the first row where they differ."""
    file_digest, database_digest = hashlib.sha256(), hashlib.sha256()
    file_count = database_count = 0
    first = None
    for row, (from_file, from_database) in enumerate(
            zip_longest(file_lines, database_lines), start=2):  # row 1 is the header
        if from_file is not None:
            file_digest.update(from_file.encode("utf-8") + b"\n")
            file_count += 1
        if from_database is not None:
            database_digest.update(from_database.encode("utf-8") + b"\n")
            database_count += 1
        if first is None and from_file != from_database:
            first = row
    return Verification(expected, file_digest.hexdigest(), file_count,
                        database_digest.hexdigest(), database_count, first)
