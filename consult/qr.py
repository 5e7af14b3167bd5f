"""QR codes as inline SVG (no image library, no inline script or style)."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(data: str, scale: int = 4, title: str | None = None) -> Markup:
    """Return an SVG QR code for ``data`` that scales with its container."""
    code = segno.make(data, error="m", micro=False)
    svg = code.svg_inline(scale=scale, dark="#000", light="#fff", border=2, title=title,
                          svgclass="qr", lineclass=None, omitsize=True)
    return Markup(svg)  # noqa: S704 - segno's own SVG, data escaped by segno
