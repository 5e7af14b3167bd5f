"""The XLSForm convention both ways: reserved list names and language headers (docs/xlsform.md)."""

from __future__ import annotations

from consult.agenda.models import ItemKind
from consult.spreadsheet import XLSX_MIMETYPE

__all__ = ["XLSX_MIMETYPE"]
#: Reserved list names: ``select_one consult_agreement`` is an agreement item (5-point scale
#: and "no opinion"), ``select_one consult_priority`` a priority item (high, medium, low).
AGREEMENT_LIST = "consult_agreement"
PRIORITY_LIST = "consult_priority"
SCALE_LISTS = {AGREEMENT_LIST: ItemKind.agreement, PRIORITY_LIST: ItemKind.priority}
#: Language names in headers, as Kobo writes them.
LANGUAGE_NAMES = {"en": "English (en)", "km": "Khmer (km)"}
