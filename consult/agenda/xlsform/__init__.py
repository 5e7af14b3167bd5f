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

from consult.agenda.xlsform.convention import XLSX_MIMETYPE
from consult.agenda.xlsform.importing import (
    ImportResult,
    agenda_counts,
    import_agenda,
    import_refusal,
)
from consult.agenda.xlsform.reading import ParsedForm, parse_form
from consult.agenda.xlsform.sheets import MAX_FILE_BYTES, MAX_ROWS, FileProblem, ImportRefused
from consult.agenda.xlsform.writing import (
    agenda_data,
    export_agenda,
    export_filename,
    template_workbook,
    write_form,
)

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "XLSX_MIMETYPE",
    "FileProblem",
    "ImportRefused",
    "ImportResult",
    "ParsedForm",
    "agenda_counts",
    "agenda_data",
    "export_agenda",
    "export_filename",
    "import_agenda",
    "import_refusal",
    "parse_form",
    "template_workbook",
    "write_form",
]
