"""Check the Khmer typography of the ``km`` catalog and the demo content.

What a ministry would print (issue 14, translations/GLOSSARY.md): Khmer digits (០–៩), never
ASCII digits outside placeholders; « » for quotation marks, never “ ” or "; ៖ for a colon and
។ to end a sentence, never a Latin colon or full stop after Khmer text; and no English word
left in a translation, apart from the names and abbreviations in ``ALLOWED_WORDS``.

Empty or fuzzy entries are ``consult.catalog_check``'s business (a gap, not a typo): this check
reads only what is translated. Run: ``python -m consult.khmer_check`` (``make check-catalogs``
runs it with the catalog check).
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "translations" / "km" / "LC_MESSAGES" / "messages.po"

#: Latin words a Khmer text may keep: product and project names, file formats, standards and
#: abbreviations readers know in Latin script (GLOSSARY.md: "Keep English only for names…").
ALLOWED_WORDS = frozenset({
    "Consult", "CSV", "Excel", "QR", "AI", "LLM", "SHA-256", "PDF", "URL", "ID", "Borda",
    "LibreOffice", "UTC", "UTF-8", "BOM", "RAM", "STEM", "NLP", "TranslateKH", "Sarika", "ODIN",
    "UNESCO", "4G", "XLSForm", "KoboToolbox", "ODK", "IQR", "Q1", "Q3", "Delphi",
})

#: Placeholders (``%(n)d``, ``%s``, ``%%``) and JavaScript template slots (``{d}``): not text.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr%]|\{\w+\}")
#: A Latin word (letters, then letters, digits or hyphens: "SHA-256", "UTF-8", "4G").
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]|[A-Za-z]")
#: One-letter symbols of a formula ("m − p + ១", "n៖") are not English words.
SYMBOL = re.compile(r"^[A-Za-z]$")
ASCII_DIGIT = re.compile(r"[0-9]")
LATIN_QUOTES = re.compile(r"[“”\"]")
#: A Latin colon that ends a label: before a space or at the end ("21:05" is not one).
LATIN_COLON = re.compile(r":(?=\s|$)")
#: A Latin full stop ending a Khmer sentence (an ellipsis "…" is fine).
LATIN_STOP = re.compile(r"[\u1780-\u17FF)]\s*\.(?=\s|$)")


def _without_allowed(text: str) -> str:
    """The text with placeholders and allowed Latin words blanked out."""
    text = PLACEHOLDER.sub(" ", text)
    return WORD.sub(lambda m: " " if m.group() in ALLOWED_WORDS else m.group(), text)


def text_problems(text: str, *, english: bool = True) -> list[str]:
    """What is wrong with one Khmer text, in words (empty when it is fine)."""
    rest = _without_allowed(text)
    found = []
    if digits := ASCII_DIGIT.findall(rest):
        found.append(f"ASCII digit {''.join(digits)!r} (use ០–៩)")
    if LATIN_QUOTES.search(rest):
        found.append("“ ” or \" quotation marks (use « »)")
    if LATIN_COLON.search(rest):
        found.append("Latin colon ':' (use ៖)")
    if LATIN_STOP.search(rest):
        found.append("Latin full stop '.' after Khmer (use ។)")
    if english:
        words = [w for w in WORD.findall(rest) if not SYMBOL.match(w) and not w.isdigit()]
        if words:
            found.append(f"English left in: {', '.join(sorted(set(words)))}")
    return found


def catalog_problems(path: Path = CATALOG) -> list[str]:
    """Typography problems of the translated entries of the km catalog."""
    with path.open("rb") as fh:
        catalog = read_po(fh)
    found = []
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            if not string.strip():
                continue  # untranslated: the catalog check reports it
            found += [f"km: {problem}: {msgid!r} → {string!r}" for problem in text_problems(string)]
    return found


def _khmer_fields(value, where: str):
    """Yield (where, text) for every ``*_km`` string in the demo content."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and key.endswith("_km"):
                yield f"{where}.{key}", item
            else:
                yield from _khmer_fields(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _khmer_fields(item, f"{where}[{index}]")


def demo_problems() -> list[str]:
    """The same rules for the Khmer demo content (names in Latin script are allowed there)."""
    from consult import demo_content

    found = []
    for name in ("EVENT", "FINDINGS", "PILLARS"):
        for where, text in _khmer_fields(getattr(demo_content, name), name):
            found += [f"demo {where}: {p}" for p in text_problems(text, english=False)]
    return found


def problems() -> list[str]:
    return catalog_problems() + demo_problems()


def main() -> int:
    found = problems()
    for line in found:
        print(line)
    print("khmer typography: OK" if not found else f"khmer typography: {len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
