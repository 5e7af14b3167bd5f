"""Locale choice, bilingual database text with fallback, Khmer digits."""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlsplit

from babel.dates import format_datetime as babel_format_datetime
from babel.dates import get_timezone
from babel.numbers import format_decimal as babel_format_decimal
from flask import Blueprint, current_app, g, has_request_context, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from consult.extensions import db

LOCALE_COOKIE = "consult_lang"
LANGUAGE_NAMES = {"km": "ខ្មែរ", "en": "English"}
_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
_ASCII_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """Pick the locale: switch cookie, then the person's preference, event, browser."""
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI, tests, background work
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in supported:
        return chosen
    participant = getattr(g, "participant", None)
    if participant is not None and participant.locale in supported:
        return participant.locale
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    event = getattr(g, "event", None)
    default = event.default_locale if event is not None else g.get("event_locale")
    if default in supported:
        return default
    return request.accept_languages.best_match(supported) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


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


def localize_digits(text, event=None) -> str:
    """Use Khmer digits when the page is Khmer and the event asks for them."""
    event = event if event is not None else getattr(g, "event", None)
    if event is not None and event.khmer_digits and current_lang() == "km":
        return khmer_digits(text)
    return str(text)


def format_dt(value, fmt: str = "medium", event=None) -> str:
    """Format a naive-UTC datetime in the event's time zone through Babel."""
    if value is None:
        return ""
    event, zone = _event_zone(event)
    text = babel_format_datetime(value.replace(tzinfo=UTC), fmt, tzinfo=zone, locale=get_locale())
    return localize_digits(text, event)


def _event_zone(event=None):
    """The event (given, else the current one) and its time zone (else the default zone)."""
    event = event if event is not None else getattr(g, "event", None)
    zone = event.timezone if event is not None else current_app.config["BABEL_DEFAULT_TIMEZONE"]
    return event, get_timezone(zone)


def format_clock(value, event=None) -> str:
    """The time of day ``HH:MM:SS`` in the event's time zone (what "Saved at" shows).

    The same text as Babel's ``HH:mm:ss`` pattern in both languages, without Babel's pattern
    machinery: it is worded on every vote.
    """
    event, zone = _event_zone(event)
    text = value.replace(tzinfo=UTC).astimezone(zone).strftime("%H:%M:%S")
    return localize_digits(text, event)


def format_number(value, event=None, digits: int | None = None) -> str:
    """Format a number through Babel, with Khmer digits when the event asks.

    ``digits`` fixes the decimals (means and scores read 3.90, not 3.9, beside 3.84).
    """
    pattern = None if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
    value = value if digits is None else round(value, digits)
    return localize_digits(babel_format_decimal(value, format=pattern, locale=get_locale()), event)


def format_pct(value, event=None, digits: int = 0) -> str:
    """Format a 0–100 percentage through Babel (``67%``), or an en dash when there is none.

    Rounded half up (62.5 → 63 %), as Excel shows the same cell: ``figures.round_half_up``.
    """
    from consult.results.figures import round_half_up

    if value is None:
        return "–"
    text = babel_format_decimal(round_half_up(value, digits), format="#,##0" + ("." + "0" * digits if
                                digits else ""), locale=get_locale())
    return localize_digits(text, event) + "%"


def _safe_next(target: str | None) -> str:
    """Only follow relative redirects on this site."""
    if not target:
        return url_for("participants.landing")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("participants.landing")
    return target


@bp.post("/language")
def set_language():
    """Switch the interface language and remember it in a cookie."""
    lang = request.form.get("lang", "")
    response = redirect(_safe_next(request.form.get("next")))
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
