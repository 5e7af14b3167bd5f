"""The status poll's fast path: ``GET /e/<code>/status.json``, every phone every 3 s.

One indexed read of the event's row (``participants.status.version_query``), the language rule
(``i18n.choose_locale``) and the ETag rule (``status_etag``) give the ETag the view would give,
with no request context, no session and no ORM. Then:

* the phone has that ETag (``If-None-Match``): ``304 Not Modified``, as the view answers;
* it has not (a round just opened, a first poll): the document the view wrote for that ETag,
  kept once per process. The ETag names all the document says (the event's state version and
  the language), so the kept bytes are the view's answer, headers included, until it changes;
  the first poll of a new ETag goes to the view, and its answer is kept.

A poll of an unknown or draft event, with a round past its deadline (the view closes it), or
from a browser with a staff sign-in cookie (the staff member's language) goes to the view.
"""

from __future__ import annotations

import re

from werkzeug.http import parse_cookie, parse_etags, quote_etag

from consult.security import SECURITY_HEADERS

STATUS_PATH = re.compile(r"/e/([A-Za-z0-9]{1,12})/status\.json")
#: Documents kept per process: two languages × a few versions × the events of the day.
DOCUMENTS_KEPT = 256


def poll(fast, environ, start_response, code: str):
    """Answer a status poll (WSGI)."""
    from consult.participants.status import STATUS_HEADERS

    code = code.upper()
    etag = _etag(fast, environ, code)
    if etag is None:
        return fast.wsgi_app(environ, start_response)
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match and parse_etags(if_none_match).contains(etag):
        start_response("304 NOT MODIFIED",
                       [("ETag", quote_etag(etag)), *STATUS_HEADERS, *SECURITY_HEADERS])
        return [b""]
    key = (code, etag, environ.get("SCRIPT_NAME", ""))
    kept = fast.documents.get(key)
    if kept is not None:
        status, headers, body = kept
        start_response(status, list(headers))
        return [body]
    return _keep(fast, environ, start_response, key, quote_etag(etag))


def _etag(fast, environ, code: str) -> str | None:
    """The ETag the view would give this poll; None when the view must answer it."""
    from consult.events.models import EventStatus
    from consult.i18n import LOCALE_COOKIE, choose_locale
    from consult.participants.status import status_etag
    from consult.timeutil import utcnow

    if fast.staff_cookie(environ):
        return None
    cookies = environ.get("HTTP_COOKIE", "")
    ready = fast.statements()
    if ready is None:
        return None
    row = ready.read_one(ready.status, {"code": code, "now": utcnow()})
    if row is None:
        return None
    version, event_locale, status, overdue = row
    if status == EventStatus.draft.value or overdue:
        return None
    chosen = parse_cookie(cookies).get(LOCALE_COOKIE) if LOCALE_COOKIE in cookies else None
    return status_etag(version, choose_locale(fast.app.config, chosen, None, event_locale,
                                              environ.get("HTTP_ACCEPT_LANGUAGE")))


def _keep(fast, environ, start_response, key: tuple, etag: str):
    """Let the view answer; keep its document when it is the one ``etag`` names."""
    answer = {}

    def seen(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers
        return start_response(status, headers, exc_info)

    chunks = fast.wsgi_app(environ, seen)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    headers = answer.get("headers", [])
    if (answer.get("status", "").startswith("200 ") and (("ETag", etag) in headers)
            and not any(name.lower() == "set-cookie" for name, _ in headers)):
        fast.documents.put(key, (answer["status"], tuple(headers), body))
    return [body]
