"""Forms of the agenda builder, the XLSForm import and the Delphi re-vote."""

from __future__ import annotations

# --- The agenda builder -------------------------------------------------------------------

# --- XLSForm import and export ------------------------------------------------------------

# --- Delphi re-vote -----------------------------------------------------------------------
