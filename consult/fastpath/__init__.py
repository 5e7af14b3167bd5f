"""Fast paths for the requests 10,000 phones send most: the status poll, the vote page, the vote.

A WSGI layer in front of the Flask app. It answers the common case of each with the app's own
rules and nothing else, and hands every other request — and every unusual case of these —
to the app unchanged, where the normal view answers it (and words any refusal):

* ``GET /e/<code>/status.json``: one indexed read of the event's row, the language rule and
  the ETag rule, then ``304 Not Modified``, or the document the view wrote for that ETag
  (``status.py``).
* ``POST /e/<code>/items/<id>/answer`` (the vote page's script): checked with the app's own
  rules and stored by the group committer, answered once durable (``vote.py``).
* ``GET /e/<code>/rounds/<id>``: the vote page from its cached skeleton, filled without a
  request context (``page.py``).

``FAST_PATHS = False`` turns them all off (every request then takes the normal view).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask_login.config import COOKIE_NAME

from consult.fastpath.page import PAGE_PATH, vote_page
from consult.fastpath.reads import Signing, Statements
from consult.fastpath.status import DOCUMENTS_KEPT, STATUS_PATH, poll
from consult.fastpath.vote import VOTE_PATH, vote
from consult.voting.page_cache import PageCache


class FastPaths:
    """Wraps ``app.wsgi_app``; see the module's docstring."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self._ready: Statements | None = None
        self._lock = threading.Lock()
        self._signing: Signing | None = None
        self._translated: dict[tuple, str] = {}
        #: The status documents the view wrote, by join code, ETag and script root.
        self.documents = PageCache(DOCUMENTS_KEPT)

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        path = environ.get("PATH_INFO", "")
        if not self.app.config["FAST_PATHS"]:
            return self.wsgi_app(environ, start_response)
        answer = None
        if method == "GET" and path.endswith("/status.json"):
            if match := STATUS_PATH.fullmatch(path):
                return poll(self, environ, start_response, match.group(1))
        elif method == "GET" and "/rounds/" in path and (match := PAGE_PATH.fullmatch(path)):
            answer = vote_page(self, environ, match.group(1), int(match.group(2)))
        elif method == "POST" and path.endswith("/answer") and (
                match := VOTE_PATH.fullmatch(path)):
            answer = vote(self, environ, match.group(1), int(match.group(2)))
        if isinstance(answer, tuple):  # the common case: (status, headers, body)
            status, headers, body = answer
            start_response(status, headers)
            return [body]
        if answer is not None:  # a response of the app's own (the vote's 503)
            return answer(environ, start_response)
        return self.wsgi_app(environ, start_response)

    # --- shared set-up -----------------------------------------------------------------------

    def statements(self) -> Statements | None:
        """The compiled statements and per-thread connections (built on the first request);
        None where each connection would be a database of its own (SQLite in memory)."""
        ready = self._ready
        if ready is None:
            with self._lock:
                if self._ready is None:
                    with self.app.app_context():
                        self._ready = Statements.build()
                ready = self._ready
        return ready or None

    def signing(self) -> Signing:
        """The app's cookie and CSRF signatures (built once)."""
        if self._signing is None:
            self._signing = Signing(self.app)
        return self._signing

    def translated(self, lang: str, words: Callable[[], str]) -> str:
        """What ``words()`` says in ``lang`` (asked once per process and language): the
        view's "Saved at" message, the page's "Saved" status."""
        key = (words, lang)
        text = self._translated.get(key)
        if text is None:
            from flask_babel import force_locale

            with self.app.test_request_context(), force_locale(lang):
                text = self._translated[key] = words()
        return text

    def staff_cookie(self, environ) -> bool:
        """Whether the browser holds a staff sign-in cookie (the view would load the staff
        member: their header, their language)."""
        return (self.app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
                in environ.get("HTTP_COOKIE", ""))

    def session_protection(self) -> bool:
        """Whether Flask-Login marks each session it checks (``_fresh``)."""
        mode = self.app.config.get("SESSION_PROTECTION",
                                   self.app.login_manager.session_protection)
        return mode in ("basic", "strong")
