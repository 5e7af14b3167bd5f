"""Column names shared by the results pages and the workbook (one msgid each).

Templates cannot pass a literal "%" through ``_()`` (Jinja formats every message), so the
percentage headers live here and are handed to templates as ``cols``.
"""

from flask_babel import lazy_gettext as _l

COLUMNS = {
    "agree": _l("Agree %"),
    "neutral": _l("Neutral %"),
    "disagree": _l("Disagree %"),
}
