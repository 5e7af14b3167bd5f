"""What the fast paths read: the app's signed cookie and form token, and the database.

``Signing`` reads Flask's session cookie and Flask-WTF's CSRF token as the app does;
``Statements`` holds the fast paths' statements, compiled once for the app's database
(consult/rawsql.py), and a driver connection per thread to run them on.
"""

from __future__ import annotations

import hmac
import logging
import time

from itsdangerous import BadSignature

from consult.voting.page_cache import PageCache

log = logging.getLogger(__name__)


class Signing:
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
        #: (kind, signed value) → (what it says, when it was signed).
        self._known = PageCache(self.REMEMBERED)

    def _loads(self, kind: str, serializer, signed: str, max_age):
        known = self._known.get((kind, signed))
        if known is None:
            value, signed_at = serializer.loads(signed, max_age=max_age, return_timestamp=True)
            known = (value, signed_at.timestamp())
            self._known.put((kind, signed), known)
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


class Statements:
    """The fast paths' statements, compiled for the app's database, and their connections."""

    def __init__(self, connections, **statements):
        self.connections = connections
        self.__dict__.update(statements)

    @classmethod
    def build(cls) -> Statements | bool:
        from sqlalchemy import bindparam, select

        from consult.agenda.models import Item, ItemOption
        from consult.events.models import Event
        from consult.extensions import db
        from consult.fastpath.page import page_query
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
