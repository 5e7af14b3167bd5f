"""The status document's rules: the one row a poll reads, its ETag and its caching headers.

Shared by the status view (consult/participants/views.py) and the poll's fast path
(consult/fastpath/), which answers "not modified" without Flask.
"""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, select

#: Every status answer, 200 or 304: revalidate each time, per cookie and language.
STATUS_HEADERS = (("Cache-Control", "no-cache"), ("Vary", "Cookie, Accept-Language"))


@functools.cache
def version_query():
    """The event's state version, language, status and whether a round is past its deadline,
    by join code (built once)."""
    from consult.agenda.models import Round
    from consult.events.models import Event

    overdue = select(Round.id).where(
        Round.event_id == Event.id,
        Round.overdue_at(bindparam("now", type_=Round.closes_at.type))).correlate(Event).exists()
    return select(Event.state_version, Event.default_locale, Event.status, overdue).where(
        Event.join_code == bindparam("code"))


def status_etag(version: int, lang: str) -> str:
    """The document's ETag: it changes with the event's state and with the page language."""
    return f"{version}-{lang}"
