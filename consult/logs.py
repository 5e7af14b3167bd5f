"""Log lines without secrets: no resume token, no projector key, no cookie.

A participant's resume link (``/r/<token>``) signs in as them, and the projector key (``?k=``)
opens the projector screen; both reached the server's access log (request line and Referer)
and the app's warnings. Every URL in a log line loses its query string and its ``/r/`` token:
the app's lines (consult/error_pages.py) and the server's (consult/server.py).
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
#: A resume link's token: the path segment after /r/.
_RESUME_TOKEN = re.compile(r"(/r/)[^/?#\s\"']+")
#: A query string, up to the end of the URL.
_QUERY = re.compile(r"\?[^\s\"']+")


def redact_url(text: str | None) -> str | None:
    """Return ``text`` with every resume token and query string of the URLs in it redacted."""
    if not text:
        return text
    text = _RESUME_TOKEN.sub(r"\1" + REDACTED, text)
    return _QUERY.sub("?" + REDACTED, text)


class RedactingFilter(logging.Filter):
    """Redact URLs in the message of every record that passes (the app's warnings, errors)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_url(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def add_redacting_filter(target) -> None:
    """Put a RedactingFilter on a logger or handler, unless it has one (setup can run twice)."""
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())

