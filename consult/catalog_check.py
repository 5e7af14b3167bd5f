"""Check the message catalogs: ``messages.pot`` is current and ``km`` is complete.

Run: ``python -m consult.catalog_check`` (CI does, through ``make check-catalogs``); it also
runs ``consult.khmer_check``, the typography of what is translated (digits, quotes, colons).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"


def _ids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def extract_current() -> set[str]:
    """Extract the messages the code and templates use now."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "current.pot"
        subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
            [sys.executable, "-m", "babel.messages.frontend", "extract", "--no-location",
             "-F", str(TRANSLATIONS / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
             "-k", "lazy_pgettext:1c,2",
             "-o", str(out), "."],
            check=True, cwd=ROOT, capture_output=True,
        )
        with out.open("rb") as fh:
            return _ids(read_po(fh))


def problems() -> list[str]:
    """Return what is wrong with the catalogs, in words."""
    found = []
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        template = _ids(read_po(fh))
    current = extract_current()
    if missing := sorted(current - template):
        found.append(f"messages.pot is stale: {len(missing)} new message(s), e.g. {missing[0]!r}"
                     " — run `make update-catalogs`")
    if gone := sorted(template - current):
        found.append(f"messages.pot is stale: {len(gone)} message(s) no longer used, e.g. "
                     f"{gone[0]!r} — run `make update-catalogs`")
    for lang in ("km", "en"):
        with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            catalog = read_po(fh)
        ids = _ids(catalog)
        if absent := sorted(current - ids):
            found.append(f"{lang}: {len(absent)} message(s) missing, e.g. {absent[0]!r}")
        if lang != "km":
            continue
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(s.strip() for s in strings):
                found.append(f"km: untranslated: {message.id!r}")
            if message.fuzzy:
                found.append(f"km: fuzzy: {message.id!r}")
    return found


def main() -> int:
    from consult import khmer_check

    found = problems()
    for line in found:
        print(line)
    print("catalogs: OK" if not found else f"catalogs: {len(found)} problem(s)")
    typography = khmer_check.main()
    return 1 if found or typography else 0


if __name__ == "__main__":
    raise SystemExit(main())
