"""The vote's fast path: ``POST /e/<code>/items/<id>/answer``, the vote page's script.

The session cookie read with Flask's own serializer, the CSRF token checked as Flask-WTF checks
it (a test holds the two to the same answers), the participant and item read on the driver's
connection, ``parse_answer``, the vote limit (``ratelimit.vote_allowed``), the language rule,
the view's "Saved at" message; the vote written by the group committer
(consult/voting/committer.py) and answered only once its transaction is durable. Any refusal —
no profile, another event's item, a closed round, an answer that does not fit, the limit — goes
to the view, which answers it as always.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_cookie

from consult.security import SECURITY_HEADERS

if TYPE_CHECKING:
    from consult.fastpath.reads import Statements

log = logging.getLogger(__name__)

VOTE_PATH = re.compile(r"/e/([A-Za-z0-9]{1,12})/items/([1-9][0-9]{0,17})/answer")
#: A vote's form is a few hundred bytes; a larger body is the view's to read.
MAX_VOTE_BODY = 16 * 1024
#: Where a vote the fast path counted against the limit leaves the verdict for the view.
LIMIT_VERDICT = "consult.vote_limit"


def _saved_at() -> str:
    from consult.voting.views import SAVED_AT

    return str(SAVED_AT)


def vote(fast, environ, code: str, item_id: int):
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
            prepared = _prepare(fast, environ, body, code.upper(), item_id)
        except Exception:  # nothing is stored yet: the view answers (and logs) it
            log.warning("fast vote: an error before the write; the view answers",
                        exc_info=True)
            return None
        return _cast(fast, environ, *prepared) if prepared is not None else None
    finally:
        environ["wsgi.input"] = io.BytesIO(body)  # for the view, when it answers


def _cast(fast, environ, voter, item, answer, lang: str):
    """Store the prepared vote through the group committer and answer as the view does."""
    from consult.error_pages import render_error
    from consult.i18n import format_clock
    from consult.timeutil import utcnow
    from consult.voting.committer import CommitUnknown, committer

    app = fast.app
    now = utcnow()
    # Worded before the write, as the view does.
    message = fast.translated(lang, _saved_at) % {"time": format_clock(now, voter, lang)}
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


def _prepare(fast, environ, body: bytes, code: str, item_id: int):
    """The voter, item, answer and language of a vote the fast path can take; else None."""
    from consult.access import PARTICIPANT_SESSION_KEY
    from consult.errors import ConsultError
    from consult.i18n import LOCALE_COOKIE, choose_locale
    from consult.inputs import cleaned_form, needs_cleaning
    from consult.ratelimit import vote_allowed
    from consult.voting.views import answer_from_form

    config = fast.app.config
    if environ.get("QUERY_STRING"):
        return _handed("a query string")
    if environ.get("wsgi.url_scheme") == "https":
        return _handed("https: the view checks the Referer too")  # Flask-WTF's SSL rule
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return _handed("not a URL-encoded form")
    signing = fast.signing()
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
    ready = fast.statements()
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
    def from_row(cls, row, ready: Statements) -> VoteItem | None:
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
