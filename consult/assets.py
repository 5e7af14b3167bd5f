"""Build static assets at setup: the Khmer web font, from a pinned PyPI package.

Noto Sans Khmer (SIL Open Font License) comes from ``fontpkg-noto-sans-khmer``; we pin the
width axis, keep the weight axis, subset it to Khmer plus basic Latin and punctuation, and
write WOFF2 into ``static/fonts/`` (ignored by git). Run: ``python -m consult.assets``.
"""

from __future__ import annotations

import io
import sys
from importlib import resources
from pathlib import Path

STATIC_FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT_NAME = "NotoSansKhmer.woff2"
#: Khmer, Khmer Symbols, basic Latin and punctuation, joiners and the dotted circle.
UNICODES = [
    *range(0x20, 0x7F), 0xA0, 0xAB, 0xBB, 0xD7, *range(0x1780, 0x1800), *range(0x19E0, 0x1A00),
    *range(0x200B, 0x2010), 0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2026,
    0x25CC,
]


def source_font() -> Path:
    """Return the path of the packaged variable font."""
    folder = resources.files("fontpkg_noto_sans_khmer") / "files"
    for entry in folder.iterdir():
        if entry.name.startswith("NotoSansKhmer") and entry.name.endswith(".ttf"):
            return Path(str(entry))
    raise FileNotFoundError("NotoSansKhmer*.ttf not found in fontpkg_noto_sans_khmer")


def build_font(dest_dir: Path = STATIC_FONTS, force: bool = False) -> Path:
    """Write the subset WOFF2 font unless an up-to-date one exists; return its path."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    src = source_font()
    dest = dest_dir / FONT_NAME
    if not force and dest.exists() and dest.stat().st_mtime >= max(
        src.stat().st_mtime, Path(__file__).stat().st_mtime
    ):
        return dest
    font = TTFont(src)
    if "fvar" in font and any(a.axisTag == "wdth" for a in font["fvar"].axes):
        font = instancer.instantiateVariableFont(font, {"wdth": 100})
        buffer = io.BytesIO()  # reload: the subsetter needs fully compiled tables
        font.save(buffer)
        buffer.seek(0)
        font = TTFont(buffer)
    options = subset.Options()
    options.layout_features = ["*"]
    options.flavor = "woff2"
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=UNICODES)
    subsetter.subset(font)
    dest_dir.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".tmp")
    font.flavor = "woff2"
    font.save(tmp)
    tmp.replace(dest)
    return dest


def main() -> int:
    path = build_font(force="--force" in sys.argv)
    print(f"font: {path} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
