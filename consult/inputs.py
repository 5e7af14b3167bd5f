"""Untrusted input at the edge: ids in URLs, NUL bytes, request bodies, redirect targets.

Each rule here is the one place for it. Every ``<int:…>`` in a route, every submitted name and
value, and every "next" address passes through these, so a view never meets a value the
database cannot store or a browser would read as another site.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

#: The largest id looked up: PostgreSQL's INTEGER (SQLite's holds more; no row gets there).
MAX_ID = 2**31 - 1
#: A redirect target longer than this is not one of our pages.
MAX_NEXT_LENGTH = 2000


class IdConverter(IntegerConverter):
    """An ``<int:…>`` URL part: a number past ``MAX_ID`` names no page (404), as in the
    database (PostgreSQL would refuse to compare it, SQLite to bind it)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        limit = MAX_ID if max is None or max > MAX_ID else max
        super().__init__(map, fixed_digits, min, limit, signed)


def cleaned_form(data: ImmutableMultiDict) -> ImmutableMultiDict:
    return ImmutableMultiDict([(key.replace("\x00", ""), value.replace("\x00", ""))
                               for key, value in data.items(multi=True)
                               if isinstance(key, str) and isinstance(value, str)])


def needs_cleaning(data) -> bool:
    # A multipart part whose header is broken has no name (None): it is no field of ours.
    return any(not isinstance(key, str) or not isinstance(value, str) or "\x00" in key
               or "\x00" in value for key, value in data.items(multi=True))


def clean_request() -> None:
    """Drop NUL bytes from every submitted name and value, and fields without a name; refuse a
    JSON body (before_request).

    No browser sends a NUL and PostgreSQL cannot store one (SQLite would): free text keeps
    everything else that was typed, and a code, token or name with a NUL in it reads as the
    same value without it — the same on both databases. Every page takes plain forms, so a
    JSON body (which Flask-WTF would read as form data of any shape) is refused with 415.
    """
    if request.view_args and any("\x00" in v for v in request.view_args.values()
                                 if isinstance(v, str)):
        for key, value in request.view_args.items():
            if isinstance(value, str):
                request.view_args[key] = value.replace("\x00", "")
    if request.args and needs_cleaning(request.args):
        request.args = cleaned_form(request.args)
        request.__dict__.pop("values", None)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.is_json:
        abort(415)
    if request.form and needs_cleaning(request.form):
        request.form = cleaned_form(request.form)
        request.__dict__.pop("values", None)


def submitted_number(raw: str | None, *, digits: int = 11) -> int | None:
    """Read a number sent in a form or a query string: at most ``digits`` ASCII digits.

    Anything else is None, never an error: ``"²".isdigit()`` is true, yet ``int("²")`` fails.
    """
    raw = raw or ""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= digits else None


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is a path on this site, else ``default`` (for redirects).

    Refused: another host in any spelling a browser follows (``//x``, ``/\\x``, ``https:x``),
    control characters (a CR/LF would split the header; browsers drop tabs, so ``/\\t/x`` is
    ``//x``), and what urlsplit cannot read (``//[``).
    """
    if not target or len(target) > MAX_NEXT_LENGTH:
        return default
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return default
    try:
        parts = urlsplit(target)
    except ValueError:
        return default
    if parts.scheme or parts.netloc:
        return default
    return target
