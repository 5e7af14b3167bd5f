"""The agenda builder, the XLSForm import and export, and the Delphi re-vote (staff)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("agenda", __name__, url_prefix="/staff/events/<int:event_id>/agenda")

# --- The agenda builder -------------------------------------------------------------------

# --- XLSForm import and export ------------------------------------------------------------

# --- Delphi re-vote -----------------------------------------------------------------------
