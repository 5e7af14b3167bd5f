"""Locale choice, bilingual database text with fallback, Khmer digits."""

from __future__ import annotations

import functools
import numbers
import re
from datetime import UTC

from babel.dates import format_datetime as babel_format_datetime
from babel.dates import get_timezone
from babel.lists import format_list as babel_format_list
from babel.numbers import format_decimal as babel_format_decimal
from flask import (
    Blueprint,
    current_app,
    g,
    has_app_context,
    has_request_context,
    redirect,
    request,
    url_for,
)
from flask_babel import Domain, get_locale, get_translations
from flask_babel import gettext as _
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape

from consult.extensions import db
from consult.inputs import safe_next

LOCALE_COOKIE = "consult_lang"
LANGUAGE_NAMES = {"km": "ខ្មែរ", "en": "English"}
_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
_ASCII_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """Pick the locale: switch cookie, then the person's preference, event, browser."""
    if not has_request_context():  # CLI, tests, background work
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    participant = getattr(g, "participant", None)
    person = participant.locale if participant is not None else None
    if person is None and current_user and current_user.is_authenticated:
        person = current_user.locale
    event = getattr(g, "event", None)
    return choose_locale(current_app.config, request.cookies.get(LOCALE_COOKIE), person,
                         event.default_locale if event is not None else g.get("event_locale"),
                         request.headers.get("Accept-Language"))


def choose_locale(config, chosen: str | None, person: str | None, event: str | None,
                  accept_language: str | None) -> str:
    """The language rule: the switch cookie, the person's, the event's, then the browser's.

    Plain values in, so the status poll's fast path (consult/fastpath/) asks the same rule
    without a request context.
    """
    supported = config["LANGUAGES"]
    for lang in (chosen, person, event):
        if lang in supported:
            return lang
    return _browser_language(accept_language, tuple(supported)) or config["BABEL_DEFAULT_LOCALE"]


@functools.lru_cache(maxsize=256)
def _browser_language(header: str | None, supported: tuple[str, ...]) -> str | None:
    """The best supported language of an ``Accept-Language`` header (phones send a few)."""
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    return parse_accept_header(header, LanguageAccept).best_match(supported) if header else None


def select_timezone() -> str:
    """Show times in the current event's time zone."""
    event = getattr(g, "event", None)
    return event.timezone if event is not None else current_app.config["BABEL_DEFAULT_TIMEZONE"]


def current_lang() -> str:
    return str(get_locale() or "km")


def other_lang(lang: str) -> str:
    return "en" if lang == "km" else "km"


def tr_text(obj, field: str, lang: str | None = None) -> str:
    """Return ``obj.<field>_<lang>``, falling back to the other language (plain text)."""
    lang = lang or current_lang()
    return getattr(obj, f"{field}_{lang}", "") or getattr(obj, f"{field}_{other_lang(lang)}", "")


def tr(obj, field: str) -> Markup:
    """Return the field in the current language as HTML; a fallback is visibly marked."""
    lang = current_lang()
    value = getattr(obj, f"{field}_{lang}", "")
    if value:
        return escape(value)
    fallback_lang = other_lang(lang)
    value = getattr(obj, f"{field}_{fallback_lang}", "")
    if not value:
        return Markup("")
    return Markup('<span lang="{lang}" class="fallback" title="{title}">{text}</span>').format(
        lang=fallback_lang, title=_("Not yet translated"), text=value
    )


def khmer_digits(value) -> str:
    """Write the digits of ``value`` in Khmer script (Babel does not)."""
    return str(value).translate(_KHMER_DIGITS)


def ascii_digits(value: str) -> str:
    """Turn Khmer digits typed on a Khmer keyboard into ASCII digits."""
    return value.translate(_ASCII_DIGITS)


def wants_khmer_digits(event=None, lang: str | None = None) -> bool:
    """Say whether numbers are written in Khmer digits: on a Khmer page of an event that asks.

    ``event`` defaults to the current one (``g.event``), ``lang`` to the page's language.
    """
    event = event or (g.get("event") if has_app_context() else None)
    return bool(event is not None and event.khmer_digits and (lang or current_lang()) == "km")


def localize_digits(text, event=None, lang: str | None = None) -> str:
    """Use Khmer digits when the page is Khmer and the event asks for them."""
    return khmer_digits(text) if wants_khmer_digits(event, lang) else str(text)


def format_number(value, event=None, digits: int | None = None, signed: bool = False) -> str:
    """Format a number through Babel, with Khmer digits when the event asks.

    ``digits`` fixes the decimals, rounded half up (means and scores read 3.90, not 3.9,
    beside 3.84); ``signed`` writes the sign of a shift (+5, -3, +0). The decimal mark follows
    the digits, as CLDR's ``km`` data does: with Khmer digits a comma and a point between
    thousands (០,០៩ ១.២៣៤, the ``khmr`` numbering system), with Latin digits 0.09 and 1,234.
    """
    from consult.results.figures import round_half_up

    khmer = wants_khmer_digits(event)
    pattern = None
    if digits is not None:
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        value = round_half_up(value, digits)
    if signed:
        pattern = pattern or "#,##0.###"
        pattern = f"+{pattern};-{pattern}"
    text = babel_format_decimal(value, format=pattern, locale=get_locale(),
                                numbering_system="khmr" if khmer else "latn")
    return khmer_digits(text) if khmer else text


def format_pct(value, event=None, digits: int = 0) -> str:
    """Format a 0–100 percentage (``67%``, ``៦៧%``), or an en dash when there is none.

    Rounded half up (62.5 → 63 %), as Excel shows the same cell: ``figures.round_half_up``.
    """
    if value is None:
        return "–"
    return format_number(value, event, digits=digits) + "%"


def format_list(words) -> str:
    """Join words as the language does ("A, B and C"; "A, B និង C"): CLDR through Babel."""
    words = [str(word) for word in words]
    return babel_format_list(words, locale=get_locale()) if words else ""


#: A date and time in Khmer as official letters write it (ថ្ងៃទី២៥ ខែវិច្ឆិកា ឆ្នាំ២០២៦ ម៉ោង ២១:០៥):
#: Babel's own ``km`` patterns write "25 វិច្ឆិកា 2026, 9:05:09 PM", a Latin AM/PM on a
#: 12-hour clock.
KM_DATETIME = "'ថ្ងៃទី'd 'ខែ'MMMM 'ឆ្នាំ'y 'ម៉ោង' HH:mm"
#: Named formats for ``format_dt``: (English, Khmer) Babel patterns.
DATE_FORMATS = {
    "datetime": ("medium", KM_DATETIME),  #: a moment, in a sentence or a list
    "stamp": ("yyyy-MM-dd HH:mm", KM_DATETIME),  #: "printed at", "exported at"
    #: the day after "on": the Khmer messages put ថ្ងៃ before it (ថ្ងៃពុធ ទី២៥ ខែវិច្ឆិកា ឆ្នាំ២០២៦)
    "day": ("EEEE d MMMM y", "EEEE 'ទី'd 'ខែ'MMMM 'ឆ្នាំ'y"),
    "time": ("HH:mm", "HH:mm"),  #: the time of day on a 24-hour clock; Khmer messages say ម៉ោង
}
_BABEL_NAMED = ("short", "medium", "long", "full")


def format_dt(value, fmt: str = "datetime", event=None) -> str:
    """Format a naive-UTC datetime in the event's time zone through Babel.

    ``fmt`` is a name of ``DATE_FORMATS``, one of Babel's ("medium"…: in Khmer the formal
    pattern), or a Babel pattern used as it is in both languages.
    """
    if value is None:
        return ""
    event, zone = _event_zone(event)
    lang = current_lang()
    if fmt in DATE_FORMATS:
        fmt = DATE_FORMATS[fmt][lang == "km"]
    elif fmt in _BABEL_NAMED and lang == "km":
        fmt = KM_DATETIME
    text = babel_format_datetime(value.replace(tzinfo=UTC), fmt, tzinfo=zone, locale=get_locale())
    return localize_digits(text, event)


def _event_zone(event=None):
    """The event (given, else the current one) and its time zone (else the default zone)."""
    event = event if event is not None else getattr(g, "event", None)
    zone = event.timezone if event is not None else current_app.config["BABEL_DEFAULT_TIMEZONE"]
    return event, get_timezone(zone)


def deadline_parts(closes_at, event=None) -> dict:
    """A deadline in the event's time zone: its time, its date, and whether that is today."""
    from consult.timeutil import utcnow

    event, zone = _event_zone(event)
    local_date = closes_at.replace(tzinfo=UTC).astimezone(zone).date()
    today = utcnow().replace(tzinfo=UTC).astimezone(zone).date()
    return {"today": local_date == today, "time": format_dt(closes_at, "time", event),
            "date": format_dt(closes_at, "day", event)}


def format_clock(value, event=None, lang: str | None = None) -> str:
    """The time of day ``HH:MM:SS`` in the event's time zone (what "Saved at" shows).

    The same text as Babel's ``HH:mm:ss`` pattern in both languages, without Babel's pattern
    machinery: it is worded on every vote. With ``event`` and ``lang`` it needs no request.
    """
    event, zone = _event_zone(event)
    text = value.replace(tzinfo=UTC).astimezone(zone).strftime("%H:%M:%S")
    return localize_digits(text, event, lang)


# Numbers inside translated messages ("%(n)d ចំណុច") are written like every other number on
# the page: the one place where a message gets its values, ``fill``, formats each number with
# ``format_number``. Text values (codes, URLs, figures already formatted) are left as they are.
_PLACEHOLDER = re.compile(r"%(?:%|\((\w+)\)([#0 +-]*)(\d*)(?:\.(\d+))?([a-zA-Z]))")


def fill(message, variables: dict):
    """Return ``message % variables``, numbers written as the page writes numbers."""
    if not wants_khmer_digits():
        return message % variables
    written: dict[str, str] = {}

    def slot(match):
        name, flags, _width, precision, conversion = match.groups()
        value = variables.get(name) if name else None
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            return match.group(0)
        if conversion in "di":
            text = format_number(int(value), signed="+" in flags)
        elif conversion in "fF":
            text = format_number(value, digits=int(precision or 6), signed="+" in flags)
        elif conversion == "s":
            text = format_number(value)
        else:
            text = khmer_digits(match.group(0).replace(f"({name})", "") % value)
        key = f"_number{len(written)}"
        written[key] = text
        return f"%({key})s"

    filled = _PLACEHOLDER.sub(slot, message)
    if isinstance(message, Markup):
        filled = Markup(filled)  # noqa: S704 - the catalog's message, its placeholders renamed
    return filled % {**variables, **written}


class _Domain(Domain):
    """Flask-Babel's message domain, with ``fill`` putting the values into messages."""

    def gettext(self, string, **variables):
        text = self.get_translations().ugettext(string)
        return fill(text, variables) if variables else text

    def ngettext(self, singular, plural, num, **variables):
        variables.setdefault("num", num)
        return fill(self.get_translations().ungettext(singular, plural, num), variables)

    def pgettext(self, context, string, **variables):
        text = self.get_translations().upgettext(context, string)
        return fill(text, variables) if variables else text

    def npgettext(self, context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        return fill(self.get_translations().unpgettext(context, singular, plural, num),
                    variables)


def _in_template(context, message: str, variables: dict):
    """What Jinja's own (newstyle) gettext does with a message, through ``fill``."""
    if context.eval_ctx.autoescape:
        message = Markup(message)  # noqa: S704 - a catalog message, as Jinja's own gettext does
    return fill(message, variables)


@pass_context
def _template_gettext(context, string, **variables):
    return _in_template(context, get_translations().ugettext(string), variables)


@pass_context
def _template_ngettext(context, singular, plural, num, **variables):
    variables.setdefault("num", num)
    return _in_template(context, get_translations().ungettext(singular, plural, num), variables)


@pass_context
def _template_pgettext(context, string_context, string, **variables):
    variables.setdefault("context", string_context)
    return _in_template(context, get_translations().upgettext(string_context, string), variables)


@pass_context
def _template_npgettext(context, string_context, singular, plural, num, **variables):
    variables.setdefault("context", string_context)
    variables.setdefault("num", num)
    return _in_template(context, get_translations().unpgettext(string_context, singular, plural,
                                                               num), variables)


def install_message_numbers(app) -> None:
    """Route every translated message, in code and in templates, through ``fill``."""
    # Flask-Babel's default domain for this app, set once (it was set again on every request).
    babel = app.extensions["babel"]
    babel.instance.domain_instance = _Domain(domain=babel.default_domain)
    app.jinja_env.globals.update(gettext=_template_gettext, ngettext=_template_ngettext,
                                 pgettext=_template_pgettext, npgettext=_template_npgettext)


@bp.post("/language")
def set_language():
    """Switch the interface language and remember it in a cookie."""
    lang = request.form.get("lang", "")
    response = redirect(safe_next(request.form.get("next"), url_for("participants.landing")))
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(LOCALE_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
        participant = getattr(g, "participant", None)
        if participant is not None:
            participant.locale = lang
            db.session.commit()
        elif current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return response
