"""Check a workbook against the database: recompute the checksum of its raw responses."""

from __future__ import annotations

import json
from dataclasses import dataclass

from openpyxl import load_workbook

from consult.access import find_event
from consult.results.export import checksum, raw_rows
from consult.results.queries import Filters

#: The About sheet's rows we read, by position (labels may be Khmer, English or both).
ROW_JOIN_CODE, ROW_FILTERS, ROW_CHECKSUM = 2, 4, 12


class VerifyError(Exception):
    """The file is not a Consult workbook we can check."""


@dataclass
class Verification:
    expected: str
    actual: str
    count: int

    @property
    def matches(self) -> bool:
        return self.expected == self.actual


def verify_workbook(path: str) -> Verification:
    """Read the About sheet, recompute the checksum with the same filters, compare."""
    try:
        wb = load_workbook(path, read_only=True)
    except Exception as error:  # openpyxl raises several kinds for a non-workbook
        raise VerifyError(f"Not an Excel workbook: {error}") from None
    try:
        about = wb.worksheets[0]
        values = [row[1] if len(row) > 1 else None
                  for row in about.iter_rows(min_row=1, max_row=ROW_CHECKSUM, values_only=True)]
    finally:
        wb.close()
    if len(values) < ROW_CHECKSUM:
        raise VerifyError("This workbook has no About sheet from Consult.")
    code, filters_text, expected = (values[ROW_JOIN_CODE - 1], values[ROW_FILTERS - 1],
                                    values[ROW_CHECKSUM - 1])
    if not isinstance(expected, str) or len(expected) != 64:
        raise VerifyError("This workbook has no checksum in its About sheet.")
    event = find_event(code)
    if event is None:
        raise VerifyError(f"No event with join code {code!r} in this database.")
    try:
        chosen = json.loads(filters_text) if str(filters_text).startswith("{") else {}
    except ValueError:
        chosen = {}
    filters = Filters(event_id=event.id, **{k: v for k, v in chosen.items()
                                             if k in Filters.__dataclass_fields__})
    counted = _Counter(raw_rows(filters))
    return Verification(expected=expected, actual=checksum(counted), count=counted.n)


class _Counter:
    """Pass rows through, counting them (the stream is never held in memory)."""

    def __init__(self, rows):
        self.rows, self.n = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.n += 1
            yield row
