"""Fast paths for the requests 10,000 phones send most: the status poll, the vote page, the vote.

A WSGI layer in front of the Flask app. It answers the common case of each with the app's own
rules and nothing else, and hands every other request — and every unusual case of these —
to the app unchanged, where the normal view answers it (and words any refusal):

* ``GET /e/<code>/status.json`` with ``If-None-Match``: one indexed read of the event's row
  (``participants.status.version_query``), the language rule (``i18n.choose_locale``) and the
  ETag rule (``status_etag``), then ``304 Not Modified`` — no request context, no session, no
  ORM. A poll whose document changed, an unknown or draft event, a round past its deadline (the
  view closes it) or a browser with a staff sign-in cookie go to the view.
* ``POST /e/<code>/items/<id>/answer`` (the vote page's script): the session cookie read with
  Flask's own serializer, the CSRF token checked as Flask-WTF checks it (a test holds the two
  to the same answers), the participant and item read on the driver's connection,
  ``parse_answer``, the vote limit (``ratelimit.vote_allowed``), the language rule, the view's
  "Saved at" message; the vote written by the group committer (consult/voting/committer.py)
  and answered only once its transaction is durable. Any refusal — no profile, another
  event's item, a closed round, an answer that does not fit, the limit — goes to the view,
  which answers it as always.
* ``GET /e/<code>/rounds/<id>``: the vote page from its cached skeleton, filled without a
  request context (consult/fastpage.py).

``FAST_PATHS = False`` turns them all off (every request then takes the normal view).
"""

from __future__ import annotations

import hmac
import io
import logging
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask_login.config import COOKIE_NAME
from itsdangerous import BadSignature
from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_cookie, parse_etags, quote_etag

from consult.fastpage import PAGE_PATH, page_query, vote_page
from consult.security import SECURITY_HEADERS

log = logging.getLogger(__name__)

STATUS_PATH = re.compile(r"/e/([A-Za-z0-9]{1,12})/status\.json")
VOTE_PATH = re.compile(r"/e/([A-Za-z0-9]{1,12})/items/([1-9][0-9]{0,17})/answer")
#: A vote's form is a few hundred bytes; a larger body is the view's to read.
MAX_VOTE_BODY = 16 * 1024
#: Where a vote the fast path counted against the limit leaves the verdict for the view.
LIMIT_VERDICT = "consult.vote_limit"


class FastPaths:
    """Wraps ``app.wsgi_app``; see the module's docstring."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self._ready: _Statements | None = None
        self._lock = threading.Lock()
        self._signing: _Signing | None = None
        self._saved_at: dict[str, str] = {}
        self._saved_label: dict[str, str] = {}

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        path = environ.get("PATH_INFO", "")
        if method == "GET" and path.endswith("/status.json"):
            match = STATUS_PATH.fullmatch(path)
            if match and self.app.config["FAST_PATHS"]:
                headers = self._not_modified(environ, match.group(1))
                if headers is not None:
                    start_response("304 NOT MODIFIED", headers)
                    return [b""]
        elif method == "GET" and "/rounds/" in path:
            match = PAGE_PATH.fullmatch(path)
            if match and self.app.config["FAST_PATHS"]:
                page = vote_page(self, environ, match.group(1), int(match.group(2)))
                if page is not None:
                    status, headers, body = page
                    start_response(status, headers)
                    return [body]
        elif method == "POST" and path.endswith("/answer"):
            match = VOTE_PATH.fullmatch(path)
            if match and self.app.config["FAST_PATHS"]:
                response = self._vote(environ, match.group(1), int(match.group(2)))
                if isinstance(response, tuple):  # the common case: a stored vote's JSON
                    status, headers, body = response
                    start_response(status, headers)
                    return [body]
                if response is not None:
                    return response(environ, start_response)
        return self.wsgi_app(environ, start_response)

    # --- shared set-up -----------------------------------------------------------------------

    def statements(self) -> _Statements | None:
        """The compiled statements and per-thread connections (built on the first request);
        None where each connection would be a database of its own (SQLite in memory)."""
        ready = self._ready
        if ready is None:
            with self._lock:
                if self._ready is None:
                    with self.app.app_context():
                        self._ready = _Statements.build()
                ready = self._ready
        return ready or None

    # --- the status poll ---------------------------------------------------------------------

    def _not_modified(self, environ, code: str) -> list[tuple[str, str]] | None:
        """The headers of a 304 for this poll, or None when the view must answer it."""
        from consult.events.models import EventStatus
        from consult.i18n import LOCALE_COOKIE, choose_locale
        from consult.participants.status import STATUS_HEADERS, status_etag
        from consult.timeutil import utcnow

        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if not if_none_match:
            return None
        cookies = environ.get("HTTP_COOKIE", "")
        config = self.app.config
        if config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in cookies:
            return None  # a staff sign-in the view would load: the staff member's language
        ready = self.statements()
        if ready is None:
            return None
        row = ready.read_one(ready.status, {"code": code.upper(), "now": utcnow()})
        if row is None:
            return None
        version, event_locale, status, overdue = row
        if status == EventStatus.draft.value or overdue:
            return None
        chosen = parse_cookie(cookies).get(LOCALE_COOKIE) if LOCALE_COOKIE in cookies else None
        etag = status_etag(version, choose_locale(config, chosen, None, event_locale,
                                                  environ.get("HTTP_ACCEPT_LANGUAGE")))
        if not parse_etags(if_none_match).contains(etag):
            return None
        return [("ETag", quote_etag(etag)), *STATUS_HEADERS, *SECURITY_HEADERS]

    # --- the vote ----------------------------------------------------------------------------

    def _vote(self, environ, code: str, item_id: int):
        """The response to a vote, or None when the view must answer it (body left readable)."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if not 0 < length <= MAX_VOTE_BODY:
            return None
        body = environ["wsgi.input"].read(length)
        try:
            if len(body) != length:
                return _handed("a body shorter than its length")
            try:
                vote = self._prepare(environ, body, code.upper(), item_id)
            except Exception:  # nothing is stored yet: the view answers (and logs) it
                log.warning("fast vote: an error before the write; the view answers",
                            exc_info=True)
                return None
            return self._cast(environ, *vote) if vote is not None else None
        finally:
            environ["wsgi.input"] = io.BytesIO(body)  # for the view, when it answers

    def _cast(self, environ, voter, item, answer, lang: str):
        """Store the prepared vote through the group committer and answer as the view does."""
        from consult.error_pages import render_error
        from consult.i18n import format_clock
        from consult.timeutil import utcnow
        from consult.voting.committer import CommitUnknown, committer

        app = self.app
        now = utcnow()
        # Worded before the write, as the view does.
        message = self.saved_at(lang) % {"time": format_clock(now, voter, lang)}
        try:
            receipt = committer(app).cast(voter, item, answer, now)
        except (TimeoutError, CommitUnknown):  # outcome unknown: not tried again (the phone
            with app.request_context(environ):  # sends it anew); the view's 503
                return app.process_response(app.make_response(render_error(503)))
        except Exception:  # refused, or not stored: the view tries again and words it
            log.debug("fast vote handed to the view", exc_info=True)
            return None
        answer = {"saved": True, "revision": receipt.revision, "message": message}
        body = (app.json.dumps(answer, separators=(",", ":")) + "\n").encode()  # as jsonify
        return "200 OK", [("Content-Type", app.json.mimetype), ("Content-Length", str(len(body))),
                          *SECURITY_HEADERS, ("Vary", "Cookie")], body

    def _prepare(self, environ, body: bytes, code: str, item_id: int):
        """The voter, item, answer and language of a vote the fast path can take; else None."""
        from consult.access import PARTICIPANT_SESSION_KEY
        from consult.errors import ConsultError
        from consult.i18n import LOCALE_COOKIE, choose_locale
        from consult.inputs import cleaned_form, needs_cleaning
        from consult.ratelimit import vote_allowed
        from consult.voting.views import answer_from_form

        config = self.app.config
        if environ.get("QUERY_STRING"):
            return _handed("a query string")
        if environ.get("wsgi.url_scheme") == "https":
            return _handed("https: the view checks the Referer too")  # Flask-WTF's SSL rule
        if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            return _handed("not a URL-encoded form")
        signing = self.signing()
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        session = signing.session(cookies.get(config["SESSION_COOKIE_NAME"]))
        token = session.get(PARTICIPANT_SESSION_KEY) if session else None
        if not token or not isinstance(token, str):
            return _handed("no participant in the session")
        try:  # as Werkzeug reads a URL-encoded form
            form = MultiDict(parse_qsl(body.decode(), keep_blank_values=True, errors="strict"))
        except (UnicodeDecodeError, ValueError):
            return _handed("a form Werkzeug would read another way")
        if needs_cleaning(form):  # the one input rule: no NUL, no field without a name
            form = cleaned_form(form)
        if config["WTF_CSRF_ENABLED"] and config["WTF_CSRF_CHECK_DEFAULT"]:
            submitted = form.get(config["WTF_CSRF_FIELD_NAME"])
            for header in config["WTF_CSRF_HEADERS"]:
                submitted = submitted or environ.get("HTTP_" + header.upper().replace("-", "_"))
            if not signing.csrf_valid(session, submitted):
                return _handed("CSRF")
        ready = self.statements()
        if ready is None:
            return _handed("no fast reads on this database")
        row = ready.read_one(ready.voter, {"token": token})
        if row is None:
            return _handed("no such participant")
        voter = Voter(*row)
        if voter.join_code != code or voter.event_status != "live" or voter.profiled is None:
            return _handed("another event, not live or no profile")
        item_row = ready.read_one(ready.item, {"item_id": item_id, "event_id": voter.event_id})
        if item_row is None:
            return _handed("no such item of the event")
        item = VoteItem.from_row(item_row, ready)
        if item is None or item.round_id is None:
            return _handed("item not on a round")
        try:
            answer = answer_from_form(item, form)
        except ConsultError:
            return _handed("answer does not fit")
        if answer.is_empty:
            return _handed("empty")
        ready_limit = vote_allowed(voter.id, config)
        # Counted once: the view, if it answers, reads this verdict instead of counting again
        # (a key a client cannot send: headers arrive as HTTP_…).
        environ[LIMIT_VERDICT] = ready_limit
        if not ready_limit[0]:
            return _handed("over the limit")
        lang = choose_locale(config, cookies.get(LOCALE_COOKIE), voter.locale,
                             voter.default_locale, environ.get("HTTP_ACCEPT_LANGUAGE"))
        return voter, item, answer, lang

    def signing(self) -> _Signing:
        """The app's cookie and CSRF signatures (built once)."""
        if self._signing is None:
            self._signing = _Signing(self.app)
        return self._signing

    def saved_at(self, lang: str) -> str:
        """The view's "Saved at" message in ``lang`` (translated once per process)."""
        text = self._saved_at.get(lang)
        if text is None:
            from flask_babel import force_locale

            from consult.voting.views import SAVED_AT

            with self.app.test_request_context(), force_locale(lang):
                text = self._saved_at[lang] = str(SAVED_AT)
        return text


    def saved_label(self, lang: str) -> str:
        """The vote page's "Saved" status in ``lang`` (translated once per process)."""
        text = self._saved_label.get(lang)
        if text is None:
            from flask_babel import force_locale

            from consult.voting.page_cache import saved_label

            with self.app.test_request_context(), force_locale(lang):
                text = self._saved_label[lang] = saved_label()
        return text

    def session_protection(self) -> bool:
        """Whether Flask-Login marks each session it checks (``_fresh``)."""
        mode = self.app.config.get("SESSION_PROTECTION",
                                   self.app.login_manager.session_protection)
        return mode in ("basic", "strong")


class _Signing:
    """Flask's session cookie and Flask-WTF's CSRF token, read as the app reads them.

    Verifying a signature (an HMAC over a key derived anew, and Flask's tagged JSON) cost
    ~0.12 ms; a phone sends the same cookie and token with every vote, so what a signed value
    says is remembered once it has been verified (the signing time too: the age limit is
    checked on every use).
    """

    #: Signed values remembered at most (two per phone: its cookie and its token).
    REMEMBERED = 50_000

    def __init__(self, app):
        from itsdangerous import URLSafeTimedSerializer

        self.session_serializer = app.session_interface.get_signing_serializer(app)
        self.session_max_age = app.permanent_session_lifetime.total_seconds()
        # Flask-WTF's own construction (flask_wtf.csrf.validate_csrf); a test holds the two to
        # the same answers.
        self.csrf_serializer = URLSafeTimedSerializer(
            app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key, salt="wtf-csrf-token")
        self.csrf_time_limit = app.config.get("WTF_CSRF_TIME_LIMIT", 3600)
        self.csrf_key = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        self._known: dict[tuple[str, str], tuple[object, float]] = {}

    def _loads(self, kind: str, serializer, signed: str, max_age):
        known = self._known.get((kind, signed))
        if known is None:
            value, signed_at = serializer.loads(signed, max_age=max_age, return_timestamp=True)
            if len(self._known) >= self.REMEMBERED:
                self._known.clear()
            known = self._known[(kind, signed)] = (value, signed_at.timestamp())
        elif max_age is not None and time.time() - known[1] > max_age:
            raise BadSignature("expired")
        return known[0]

    def csrf_token(self, secret: str) -> str:
        """The signed form token of a session's secret, as Flask-WTF's ``generate_csrf``."""
        return self.csrf_serializer.dumps(secret)

    def session(self, cookie: str | None) -> dict | None:
        """The session a cookie holds (None for none, a bad signature or an old cookie)."""
        if not cookie:
            return None
        try:
            return self._loads("session", self.session_serializer, cookie, self.session_max_age)
        except BadSignature:
            return None

    def csrf_valid(self, session: dict, submitted: str | None) -> bool:
        """Flask-WTF's rule: the token is signed by this app and is the session's own."""
        expected = session.get(self.csrf_key)
        if not submitted or not expected:
            return False
        try:
            token = self._loads("csrf", self.csrf_serializer, submitted, self.csrf_time_limit)
        except BadSignature:
            return False
        return isinstance(token, str) and hmac.compare_digest(expected, token)


def _handed(reason: str) -> None:
    """Hand the request to the view (logged at debug level, for finding why)."""
    log.debug("vote handed to the view: %s", reason)


@dataclass
class Voter:
    """The participant of a vote and their event, as the vote and the rules read them."""

    id: int
    event_id: int
    locale: str
    sector_id: int | None
    gender_value: str | None
    source_value: str
    profiled: object
    join_code: str
    event_status: str
    timezone: str
    khmer_digits: bool
    default_locale: str

    has_profile = True  # only a profiled participant reaches the committer

    @property
    def gender(self):
        from consult.participants.models import Gender

        return Gender(self.gender_value) if self.gender_value else None

    @property
    def source(self):
        from consult.participants.models import Source

        return Source(self.source_value)


@dataclass
class VoteOption:
    id: int
    code: str


@dataclass
class VoteItem:
    """An item as ``parse_answer`` and ``cast_vote`` read it."""

    id: int
    event_id: int
    round_id: int | None
    kind: object
    allow_comment: bool
    max_choices: int | None
    top_k: int | None
    options: list[VoteOption]

    @property
    def uses_options(self) -> bool:
        from consult.agenda.models import OPTION_KINDS

        return self.kind in OPTION_KINDS

    @classmethod
    def from_row(cls, row, ready: _Statements) -> VoteItem | None:
        from consult.agenda.models import OPTION_KINDS, ItemKind

        id_, event_id, round_id, kind, allow_comment, max_choices, top_k = row
        kind = ItemKind(kind)
        options = []
        if kind in OPTION_KINDS:
            rows = ready.read_all(ready.options, {"item_id": id_})
            if rows is None:
                return None
            options = [VoteOption(*r) for r in rows]
        return cls(id_, event_id, round_id, kind, bool(allow_comment), max_choices, top_k,
                   options)


class _Statements:
    """The fast paths' statements, compiled for the app's database, and their connections."""

    def __init__(self, connections, **statements):
        self.connections = connections
        self.__dict__.update(statements)

    @classmethod
    def build(cls) -> _Statements | bool:
        from sqlalchemy import bindparam, select

        from consult.agenda.models import Item, ItemOption
        from consult.events.models import Event
        from consult.extensions import db
        from consult.participants.models import Participant
        from consult.participants.status import version_query
        from consult.rawsql import RawStatement, ThreadConnections
        from consult.voting.queries import stored_answers_query

        url = db.engine.url
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            return False  # a connection per thread would be a database of its own
        dialect = db.engine.dialect
        voter = select(
            Participant.id, Participant.event_id, Participant.locale, Participant.sector_id,
            Participant.gender, Participant.source, Participant.profile_completed_at,
            Event.join_code, Event.status, Event.timezone, Event.khmer_digits,
            Event.default_locale,
        ).join(Event, Event.id == Participant.event_id).where(
            Participant.token == bindparam("token"), Participant.voided_at.is_(None))
        item = select(Item.id, Item.event_id, Item.round_id, Item.kind, Item.allow_comment,
                      Item.max_choices, Item.top_k).where(
            Item.id == bindparam("item_id"), Item.event_id == bindparam("event_id"))
        options = select(ItemOption.id, ItemOption.code).where(
            ItemOption.item_id == bindparam("item_id")).order_by(ItemOption.position)
        return cls(ThreadConnections(db.engine),
                   status=RawStatement(version_query(), dialect),
                   voter=RawStatement(voter, dialect), item=RawStatement(item, dialect),
                   options=RawStatement(options, dialect),
                   page=RawStatement(page_query(), dialect, typed=True),
                   answers=RawStatement(stored_answers_query(), dialect))

    def read_one(self, statement, values):
        """The first row, or None for none and for a database error (the view then answers)."""
        return self._read(statement, values, one=True)

    def read_all(self, statement, values):
        """Every row, or None for a database error."""
        return self._read(statement, values, one=False)

    def _read(self, statement, values, one: bool):
        try:
            cursor = self.connections.get().cursor()
            try:
                statement.run(cursor, values)
                if one:
                    return statement.row(cursor.fetchone())
                return [statement.row(row) for row in cursor.fetchall()]
            finally:
                cursor.close()
        except Exception:  # the view will meet the same problem and answer it properly
            log.warning("fast path read failed; the view answers", exc_info=True)
            self.connections.drop()
            return None
