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
from tests.conftest import SQLITE_RUN_ONLY, login

ROOT = Path(__file__).resolve().parent.parent
KHMER = re.compile(r"[\u1780-\u17FF]")


@SQLITE_RUN_ONLY  # files only
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
        assert format_number(3.845, event, digits=2) == "3.85"  # half up, as Excel shows it
        assert format_number(2.675, event, digits=2) == "2.68"
        assert format_number(1234, event) == "1,234"
    with app.test_request_context(), force_locale("km"):
        assert format_number(3.845, event, digits=2) == "៣,៨៥"


# ---- Numbers and dates in Khmer (digits): one digit system per screen ----

def test_khmer_digits_write_the_decimal_comma_of_cldr(app, make):
    """With Khmer digits the decimal mark is a comma (CLDR km, khmr: ០,០៩%); else a point."""
    from consult.i18n import format_number, format_pct

    khmer, latin = make.event(khmer_digits=True), make.event(khmer_digits=False)
    with app.test_request_context(), force_locale("km"):
        assert format_number(3.9, khmer, digits=2) == "៣,៩០"
        assert format_number(1234567, khmer) == "១.២៣៤.៥៦៧"
        assert format_pct(0.085, khmer, digits=2) == "០,០៩%"  # the glossary's example
        assert format_number(3.9, latin, digits=2) == "3.90"
        assert format_number(1234, latin) == "1,234"
        assert format_pct(0.085, latin, digits=2) == "0.09%"
    with app.test_request_context(), force_locale("en"):
        assert format_pct(0.085, khmer, digits=2) == "0.09%"


@pytest.mark.parametrize(("value", "digits", "km", "en"), [
    (62.5, 0, "៦៣%", "63%"), (37.5, 0, "៣៨%", "38%"), (66.6666, 0, "៦៧%", "67%"),
    (62.45, 1, "៦២,៥%", "62.5%"), (0, 0, "០%", "0%"), (100, 0, "១០០%", "100%"),
    (None, 0, "–", "–"),
])
def test_percentages_round_half_up(app, make, value, digits, km, en):
    from consult.i18n import format_pct

    event = make.event(khmer_digits=True)
    for lang, expected in (("km", km), ("en", en)):
        with app.test_request_context(), force_locale(lang):
            assert format_pct(value, event, digits=digits) == expected


def test_signed_shifts(app, make):
    from consult.i18n import format_number

    event = make.event(khmer_digits=True)
    with app.test_request_context(), force_locale("km"):
        shifts = [format_number(v, event, digits=0, signed=True) for v in (30.8, -2.5, 0, 0.4)]
    assert shifts == ["+៣១", "-៣", "+០", "+០"]
    with app.test_request_context(), force_locale("en"):
        assert format_number(-2.5, event, digits=0, signed=True) == "-3"


def test_dates_in_the_formal_khmer_pattern(app, make):
    """ថ្ងៃទី២៥ ខែវិច្ឆិកា ឆ្នាំ២០២៦ ម៉ោង ២១:០៥, never Babel's "9:05:09 PM"."""
    event = make.event(timezone="Asia/Phnom_Penh", khmer_digits=True)
    moment = datetime(2026, 11, 25, 14, 5, 9)  # 21:05:09 in Phnom Penh
    with app.test_request_context(), force_locale("km"):
        for fmt in ("datetime", "stamp", "medium", "short", "long", "full"):
            assert format_dt(moment, fmt, event) == "ថ្ងៃទី២៥ ខែវិច្ឆិកា ឆ្នាំ២០២៦ ម៉ោង ២១:០៥", fmt
        # After "closes on": the Khmer message writes ថ្ងៃ before it (បិទនៅថ្ងៃពុធ ទី២៥ …).
        assert format_dt(moment, "day", event) == "ពុធ ទី២៥ ខែវិច្ឆិកា ឆ្នាំ២០២៦"
        assert format_dt(moment, "time", event) == "២១:០៥"
        event.khmer_digits = False
        assert format_dt(moment, "datetime", event) == "ថ្ងៃទី25 ខែវិច្ឆិកា ឆ្នាំ2026 ម៉ោង 21:05"
    with app.test_request_context(), force_locale("en"):
        assert format_dt(moment, "stamp", event) == "2026-11-25 21:05"
        assert format_dt(moment, "day", event) == "Wednesday 25 November 2026"
        assert format_dt(moment, "time", event) == "21:05"
        assert format_dt(moment, "datetime", event) == "Nov 25, 2026, 9:05:09\u202fPM"


def test_lists_joined_in_the_language(app):
    from consult.i18n import format_list

    with app.test_request_context(), force_locale("km"):
        assert format_list(["ក", "ខ", "គ"]) == "ក, ខ និង គ"
        assert format_list(["ក", "ខ"]) == "ក និង\u200bខ"
        assert format_list(["ក"]) == "ក" and format_list([]) == ""
    with app.test_request_context(), force_locale("en"):
        assert format_list(["A", "B", "C"]) == "A, B, and C"


def test_numbers_put_into_messages_follow_the_page(app, make):
    """``fill``: numbers in Khmer digits; codes, URLs and escaping left as they were."""
    from flask import g
    from markupsafe import Markup

    from consult.i18n import fill

    event = make.event(khmer_digits=True)
    values = {"n": 5, "code": "KH7Q2P", "url": "http://192.0.2.10:8000/j/KH7Q2P", "x": 2.5,
              "html": "<b>"}
    message = "%(n)d ចំណុច · %(code)s · %(url)s · %(x).1f · %(n)s · %(n)+d · 100%% · %(html)s"
    with app.test_request_context(), force_locale("km"):
        g.event = event
        assert fill(message, values) == ("៥ ចំណុច · KH7Q2P · http://192.0.2.10:8000/j/KH7Q2P · "
                                         "២,៥ · ៥ · +៥ · 100% · <b>")
        assert fill(Markup("%(html)s %(n)d"), values) == "&lt;b&gt; ៥"
        event.khmer_digits = False
        assert fill(message, values) == message % values
    with app.test_request_context(), force_locale("en"):
        g.event = event
        event.khmer_digits = True
        assert fill(message, values) == message % values


def test_gettext_in_code_and_templates_writes_khmer_digits(app, make):
    """The numbers of ``_()``, ``ngettext`` and ``_l()`` in code and templates."""
    from flask import g, render_template_string
    from flask_babel import gettext, lazy_gettext, ngettext

    event = make.event(khmer_digits=True)
    db.session.commit()
    with app.test_request_context(), force_locale("km"):
        app.preprocess_request()
        g.event = event
        said = [gettext("Saved: %(n)d answers.", n=12), ngettext("%(num)d item", "%(num)d items", 3),
                str(lazy_gettext("Please choose at most %(n)d answers.", n=4)),
                render_template_string("{{ _('Saved: %(n)d answers.', n=12) }} "
                                       "{{ ngettext('%(num)d answer', '%(num)d answers', 7) }} "
                                       "{% trans n=8 %}Choose up to {{ n }}.{% endtrans %}")]
    text = " ".join(said)
    assert not re.search(r"[0-9]", text), text
    for number in ("១២", "៣", "៤", "៧", "៨"):
        assert number in text


# ---- Khmer typography (khmer): the CI check, and the colons the templates no longer type ----

def test_khmer_catalog_and_demo_follow_the_typography():
    from consult.khmer_check import problems as typography_problems

    assert typography_problems() == []


@pytest.mark.parametrize(("text", "problem"), [
    ("ត្រូវបញ្ចូលឈ្មោះ (មិនលើសពី 80 តួអក្សរ)។", "ASCII digit"),
    ("ចម្លើយ “គ្មានមតិ”។", "quotation marks"),
    ('ចម្លើយ "គ្មានមតិ"។', "quotation marks"),
    ("លេខកូដចូលរួម:", "Latin colon"),
    ("%(label)s: %(value)s", "Latin colon"),
    ("ជុំនេះត្រូវបានបិទហើយ.", "Latin full stop"),
    ("សូមចុច Save ដើម្បីរក្សាទុក។", "English left in: Save"),
])
def test_khmer_check_catches_each_slip(text, problem):
    from consult.khmer_check import text_problems

    found = text_problems(text)
    assert any(problem in p for p in found), found


@pytest.mark.parametrize("text", [
    "%(n)d ចំណុច", "តិចជាង %(n)d ចម្លើយ", "តម្លៃ SHA-256 នៃទិន្នន័យចម្លើយដើម", "សៀវភៅការងារ Excel",
    "m − p + ១ ពិន្ទុ", "n៖ ចំនួនចម្លើយ", "«%(code)s»", "កំពុងរក្សាទុក…", "ចម្លើយ (CSV)",
])
def test_khmer_check_leaves_good_khmer_alone(text):
    from consult.khmer_check import text_problems

    assert text_problems(text) == []


def test_khmer_check_leaves_untranslated_entries_to_the_catalog_check(tmp_path):
    from consult.khmer_check import catalog_problems

    po = tmp_path / "messages.po"
    po.write_text('msgid ""\nmsgstr ""\n"Language: km\\n"\n\nmsgid "Joined: 5"\nmsgstr ""\n\n'
                  'msgid "Join code:"\nmsgstr "លេខកូដចូលរួម:"\n', encoding="utf-8")
    found = catalog_problems(po)
    assert len(found) == 1 and "Join code:" in found[0]


LATIN_COLON_AFTER_KHMER = re.compile(r"[\u1780-\u17FF)]\s*:(?!\d)")


def test_khmer_room_and_results_pages_use_the_khmer_colon(app, khmer_client, make):
    """Labels followed by a value ("ចំនួនអ្នកចូលរួម៖ ៥") take ៖ from the message, never ":"."""
    from tests.helpers import workshop

    event, round_, items = workshop(make, default_locale="km")
    for value in (5, 4, 2):
        make.response(make.participant(event), items[0], value)
    make.response(make.participant(event), items[1], 5)
    round_ = db.session.merge(round_)
    round_.reveal()
    user = make.user("admin", username="colons")
    db.session.commit()
    client = khmer_client
    client.post("/language", data={"lang": "km", "next": "/"})
    screen = client.get(f"/e/{event.join_code}/screen/live?k={event.screen_token}").get_data(as_text=True)
    login(client, user)
    console = client.get(f"/staff/events/{event.id}/console").get_data(as_text=True)
    results = client.get(f"/staff/events/{event.id}/results").get_data(as_text=True)
    assert "ចំនួនអ្នកចូលរួម៖" in screen and "ចំនួនអ្នកបានឆ្លើយ៖" in screen and "លទ្ធផល៖" in screen
    assert "តិចជាង" in screen and "n &lt;" not in screen  # a small group, in words
    assert "លេខកូដចូលរួម៖" in console and "ចំនួនអ្នកចូលរួម៖" in console
    assert "ទាញយក៖" in results and "តម្រង៖" in results
    for name, html in (("screen", screen), ("console", console), ("results", results)):
        text = visible_text(html, skip_lang="en")
        assert not LATIN_COLON_AFTER_KHMER.search(text), (name, LATIN_COLON_AFTER_KHMER.findall(text))
        assert "“" not in text and "”" not in text, name
