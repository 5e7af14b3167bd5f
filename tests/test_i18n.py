"""Khmer and English: catalogs complete, helpers, and every page free of untranslated text."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from consult.catalog_check import problems
from consult.extensions import db
from consult.i18n import ascii_digits, format_dt, khmer_digits, localize_digits, tr, tr_text
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent
KHMER = re.compile(r"[\u1780-\u17FF]")


def test_catalogs_are_current_and_khmer_is_complete():
    assert problems() == []


def test_glossary_exists_and_has_the_key_terms():
    text = (ROOT / "translations" / "GLOSSARY.md").read_text(encoding="utf-8")
    for term in ("round", "recommendation", "sector", "facilitator", "validate", "priority"):
        assert term in text.lower()


class _VisibleText(HTMLParser):
    """Collect visible text, skipping scripts, styles and elements marked lang="km"."""

    def __init__(self, skip_lang: str | None):
        super().__init__()
        self.skip_lang = skip_lang
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skip = tag in {"script", "style"} or (self.skip_lang and attrs.get("lang") == self.skip_lang)
        if tag in {"input", "meta", "link", "br", "img", "hr"}:
            if tag == "input" and attrs.get("type") in {"submit", "button"}:
                self.parts.append(attrs.get("value") or "")
            return
        for name in ("placeholder", "aria-label", "title", "alt"):
            if attrs.get(name) and not skip and not self._skipping():
                self.parts.append(attrs[name])
        self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        while self.stack:
            name, _ = self.stack.pop()
            if name == tag:
                break

    def _skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_data(self, data):
        if not self._skipping():
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def visible_text(html: str, skip_lang: str | None = None) -> str:
    parser = _VisibleText(skip_lang)
    parser.feed(html)
    return parser.text


def english_messages() -> list[str]:
    """English UI messages whose Khmer translation differs (so English on a km page is a gap)."""
    with (ROOT / "translations" / "km" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    found = []
    for message in catalog:
        if not message.id or isinstance(message.id, tuple):
            continue
        literal = re.split(r"%\(\w+\)[sd]", message.id)
        for piece in literal:
            piece = piece.strip(" .,:;()·—-")
            if len(piece) >= 6 and piece != message.string:
                found.append(piece)
    return found


def walk_pages(app, client, make):
    """Yield (path, html) for every page a person can reach, as visitors and staff."""
    event = make.event(title_en="Walk workshop", title_km="សិក្ខាសាលាដើរ",
                       description_en="About", description_km="អំពី")
    user = make.user("admin", username="walker")
    db.session.commit()
    pages = ["/", "/staff/login", f"/j/{event.join_code}", "/j/NOPE99", "/no-such-page"]
    for path in pages:
        yield path, client.get(path)
    yield "POST /join (wrong code)", client.post("/join", data={"code": "zzzzzz"})
    yield "POST /join (empty)", client.post("/join", data={"code": ""})
    yield "POST /staff/login (wrong)", client.post("/staff/login",
                                                   data={"username": "x", "password": "y"})
    yield "GET /join (405)", client.get("/join")
    login(client, user)
    yield "/staff/", client.get("/staff/")
    yield "/staff/login (signed in)", client.get("/staff/login", follow_redirects=True)


@pytest.mark.parametrize("lang", ["km", "en"])
def test_every_page_renders_without_untranslated_text(app, client, make, lang):
    client.post("/language", data={"lang": lang, "next": "/"})
    english = english_messages()
    seen = 0
    for path, response in walk_pages(app, client, make):
        html = response.get_data(as_text=True)
        assert response.status_code < 500, path
        assert f'<html lang="{lang}">' in html, path
        if lang == "km":
            text = visible_text(html, skip_lang="en")
            leaked = [m for m in english if m in text]
            assert not leaked, f"{path}: untranslated {leaked[:3]}"
            assert KHMER.search(text), path
        else:
            text = visible_text(html, skip_lang="km")
            assert not KHMER.search(text), f"{path}: Khmer on an English page: {text[:200]}"
        seen += 1
    assert seen >= 11


def test_tr_falls_back_visibly(app):
    class Obj:
        title_en = "English only"
        title_km = ""

    with app.test_request_context(), force_locale("km"):
        html = str(tr(Obj(), "title"))
        assert 'lang="en"' in html and 'class="fallback"' in html and "English only" in html
        assert tr_text(Obj(), "title") == "English only"
    with app.test_request_context(), force_locale("en"):
        assert str(tr(Obj(), "title")) == "English only"


def test_tr_escapes_html(app):
    class Obj:
        title_en = "<script>x</script>"
        title_km = ""

    with app.test_request_context(), force_locale("en"):
        assert "<script>" not in str(tr(Obj(), "title"))


def test_khmer_digits_both_ways():
    assert khmer_digits("2026-11-25 10:30") == "២០២៦-១១-២៥ ១០:៣០"
    assert ascii_digits("KH៧Q២P") == "KH7Q2P"


def test_dates_in_the_event_time_zone_and_khmer_digits(app, make):
    event = make.event(timezone="Asia/Phnom_Penh", khmer_digits=True)
    moment = datetime(2026, 11, 25, 2, 30)  # 09:30 in Phnom Penh
    with app.test_request_context(), force_locale("en"):
        assert "9:30" in format_dt(moment, "short", event)
    with app.test_request_context(), force_locale("km"):
        text = format_dt(moment, "short", event)
        assert "៩:៣០" in text and not re.search(r"[0-9]", text)
        assert localize_digits(42, event) == "៤២"
    event.khmer_digits = False
    with app.test_request_context(), force_locale("km"):
        assert localize_digits(42, event) == "42"


def test_format_clock_matches_babel_in_both_languages(app, make):
    from consult.i18n import format_clock

    event = make.event(timezone="Asia/Phnom_Penh", khmer_digits=True)
    moment = datetime(2026, 11, 25, 2, 30, 5)  # 09:30:05 in Phnom Penh
    for lang in ("en", "km"):
        with app.test_request_context(), force_locale(lang):
            assert format_clock(moment, event) == format_dt(moment, "HH:mm:ss", event)
    with app.test_request_context(), force_locale("km"):
        assert format_clock(moment, event) == "០៩:៣០:០៥"


def test_format_number_with_fixed_decimals(app, make):
    from consult.i18n import format_number

    event = make.event(khmer_digits=True)
    with app.test_request_context(), force_locale("en"):
        assert format_number(3.9, event, digits=2) == "3.90"
        assert format_number(3.845, event, digits=2) in ("3.84", "3.85")
        assert format_number(1234, event) == "1,234"
    with app.test_request_context(), force_locale("km"):
        assert format_number(3.9, event, digits=2) == "៣.៩០"
