"""The vote page's fast path: the page every phone loads when a round opens.

``GET /e/<code>/rounds/<id>`` from a phone whose session holds its participant and a form token:
one statement reads the event, the participant and the round at once (``page_query``), the
language rule (``i18n.choose_locale``) and the page's cache key (``page_cache.key_of``) pick
the round's cached skeleton, a second statement reads the participant's answers
(``voting.queries.stored_answers_query``), and the skeleton is filled with the values of
``page_cache.answer_values`` and ``slot_values``: the very page the view's cache gives
(tests/test_fastpage.py compares them byte for byte), without a request context.

Anything else goes to the view: no skeleton cached yet (the view renders and caches it), a
session with anything beyond the participant and its form token (a flashed message, a staff
sign-in), a staff sign-in cookie, a query string, an event that is not live, a round past its
deadline (the view closes it), a draft round, a participant without a profile or voided, a
path the view would read another way.
"""

from __future__ import annotations

import logging
import re
from functools import cache

from werkzeug.http import parse_cookie

from consult.security import SECURITY_HEADERS

log = logging.getLogger(__name__)

PAGE_PATH = re.compile(r"/e/([A-Za-z0-9]{1,12})/rounds/([1-9][0-9]{0,17})")
#: What a phone's session holds (Flask-Login marks it ``_fresh: False``; the view would write
#: that mark into a session without it).
_PHONE_KEYS = frozenset({"_fresh", "_permanent"})


@cache
def page_query():
    """Event, participant and round of a vote page, by join code, token and round id.

    The status poll's statement (``version_query``: state version, language, status, a round
    past its deadline) with the participant and the round joined, and whether the round takes
    answers asked of the one rule (``Round.accepts_answers_at``) in SQL.
    """
    from sqlalchemy import bindparam

    from consult.agenda.models import Round
    from consult.events.models import Event
    from consult.participants.models import Participant
    from consult.participants.status import version_query

    now = bindparam("now", type_=Round.closes_at.type)
    return (version_query()
            .add_columns(Event.id, Event.updated_at, Event.timezone,
                         Participant.id, Participant.locale, Participant.profile_completed_at,
                         Round.id, Round.version, Round.state, Round.closes_at,
                         Round.accepts_answers_at(now))
            .join(Participant, Participant.event_id == Event.id)
            .join(Round, Round.event_id == Event.id)
            .where(Participant.token == bindparam("token"), Participant.voided_at.is_(None),
                   Round.id == bindparam("round_id")))


def vote_page(fast, environ, code: str, round_id: int):
    """``(status, headers, body)`` of the vote page, or None when the view must answer."""
    try:
        return _page(fast, environ, code.upper(), round_id)
    except Exception:  # nothing was written: the view answers (and logs what it meets)
        log.warning("fast vote page: an error; the view answers", exc_info=True)
        return None


def _page(fast, environ, code: str, round_id: int):
    from consult.access import PARTICIPANT_SESSION_KEY
    from consult.agenda.models import RoundState
    from consult.events.models import EventStatus
    from consult.i18n import LOCALE_COOKIE, choose_locale
    from consult.timeutil import utcnow
    from consult.voting.page_cache import UNCUT, key_of, page_cache, saved_label, slot_values
    from consult.voting.queries import grouped_answers

    app = fast.app
    config = app.config
    script_root = environ.get("SCRIPT_NAME", "")
    if environ.get("QUERY_STRING") or not script_root.isascii():
        return None
    if fast.staff_cookie(environ):
        return None
    cache_ = page_cache(app)
    ready = fast.statements()
    if cache_ is None or ready is None:
        return None
    cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
    signing = fast.signing()
    session = signing.session(cookies.get(config["SESSION_COOKIE_NAME"]))
    if not session:
        return None
    token = session.get(PARTICIPANT_SESSION_KEY)
    form_token = session.get(signing.csrf_key)
    if not (isinstance(token, str) and isinstance(form_token, str)):
        return None  # no participant, or the view would write a new form token
    if session.get("_fresh", False) is not False or any(
            key not in _PHONE_KEYS and key not in (PARTICIPANT_SESSION_KEY, signing.csrf_key)
            for key in session):
        return None  # a flashed message, a staff sign-in: the view's
    if "_fresh" not in session and fast.session_protection():
        return None  # the view marks the session (and sends the cookie)
    row = ready.read_one(ready.page, {"code": code, "token": token, "round_id": round_id,
                                      "now": utcnow()})
    if row is None:
        return None  # not this event's participant or round, or a read failed
    (state_version, default_locale, status, overdue, event_id, updated_at, timezone,
     participant_id, person_locale, profiled, round_id, round_version, state, closes_at,
     is_open) = row
    if (status != EventStatus.live or overdue or profiled is None
            or state == RoundState.draft):
        return None
    lang = choose_locale(config, cookies.get(LOCALE_COOKIE), person_locale, default_locale,
                         environ.get("HTTP_ACCEPT_LANGUAGE"))
    skeleton = cache_.get(key_of(round_id, round_version, event_id, state_version, updated_at,
                                 lang, bool(is_open), closes_at, timezone,
                                 script_root.rstrip("/")))
    if skeleton is None or skeleton is UNCUT:
        return None  # the view renders it (and caches it for the next phone)
    rows = ready.read_all(ready.answers, {"participant_id": participant_id,
                                          "round_id": round_id})
    if rows is None:
        return None
    body = skeleton.filled(
        grouped_answers(rows),
        slot_values(signing.csrf_token(form_token), environ.get("PATH_INFO", "")),
        fast.translated(lang, saved_label)).encode()
    return "200 OK", [("Content-Type", "text/html; charset=utf-8"),
                      ("Content-Length", str(len(body))), *SECURITY_HEADERS,
                      ("Vary", "Cookie")], body
