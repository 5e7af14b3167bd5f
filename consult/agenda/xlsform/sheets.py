"""The XLSForm side of reading a workbook: its sheets, its language headers (``label::Khmer
(km)``) and the agenda's wording of problems. The generic reading is consult/spreadsheet.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from consult import spreadsheet
from consult.spreadsheet import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    FileProblem,
    Sheet,
    cell_text,
    find_worksheet,
    normalized,
)

__all__ = [
    "MAX_FILE_BYTES", "MAX_ROWS", "SHEETS", "FileProblem", "ImportRefused", "Sheet", "cell_text",
    "find_worksheet", "language_of", "normalized", "open_workbook", "read_sheet",
    "require_columns",
]

#: The sheets, in the order problems are listed.
SHEETS = ("settings", "survey", "choices", "consult_rounds")


class ImportRefused(spreadsheet.ImportRefused):
    """An XLSForm not imported, its problems listed in the order of its sheets."""

    def __init__(self, problems: list[FileProblem]):
        super().__init__(problems, SHEETS)


def language_of(name: str) -> str | None:
    """``en``/``km`` for a language part of a header (``English (en)``, ``khmer(km)``)."""
    name = normalized(name)
    if name.endswith("(km)") or name.startswith("khmer") or name == "km":
        return "km"
    if name.endswith("(en)") or name.startswith("english") or name == "en":
        return "en"
    return None


def _field(header: str, default_lang: str) -> str | None:
    """The field a column holds (``label_km``, ``type``…), or None for a column Consult ignores."""
    h = normalized(header)
    if h in ("label", "hint"):
        return f"{h}_{default_lang}"
    for base in ("label", "hint"):
        if h.startswith(base + "::"):
            lang = language_of(h[len(base) + 2:])
            return f"{base}_{lang}" if lang else None
    if h in ("listname", "list_name"):
        return "list_name"
    if h in ("type", "name", "constraint", "form_title", "default_language") or \
            h.startswith("consult_"):
        return h
    return None


def read_sheet(ws, title: str, default_lang: str, problems: list[FileProblem]) -> Sheet:
    """Read an XLSForm sheet; an unlabelled ``label``/``hint`` is in ``default_lang``."""
    return spreadsheet.read_sheet(
        ws, title, lambda header: _field(header, default_lang), problems,
        too_long=_l("This sheet has more than %(count)s rows: Consult reads agendas, not data.",
                    count=MAX_ROWS))


def open_workbook(data: bytes, problems: list[FileProblem]):
    """The workbook in ``data``, or None with the reason (told for an XLSForm) in ``problems``."""
    return spreadsheet.open_workbook(
        data, problems,
        too_large=_l("The file is larger than %(size)s: an agenda is much smaller. Check that "
                     "this is the right file.", size=f"{MAX_FILE_BYTES // 2**20} MB"),
        not_xlsx=_l("This is not an Excel workbook (%(xlsx)s). Export the form from "
                    "KoboToolbox as XLSForm, or save it from Excel as %(xlsx)s.", xlsx=".xlsx"))


def require_columns(sheet: Sheet, names: tuple[str, ...], problems: list[FileProblem]) -> bool:
    """Report the required columns ``sheet`` lacks, a label column included."""
    ok = spreadsheet.require_columns(sheet, names, problems)
    if not (sheet.has("label_en") or sheet.has("label_km")):
        message = _l("The sheet %(sheet)s needs a label column: %(en)s, %(km)s or both.",
                     sheet=sheet.title, en="label::English (en)", km="label::Khmer (km)")
        problems.append(FileProblem(sheet.title, 1, "", "label::English (en)", message))
        ok = False
    return ok
