"""Log lines without secrets: no resume token, no projector key, no cookie.

A participant's resume link (``/r/<token>``) signs in as them, and the projector key (``?k=``)
opens the projector screen; both reached gunicorn's access log (request line and Referer) and
the app's warnings. Every URL in a log line loses its query string and its ``/r/`` token.
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


#: Access-log atoms that hold a URL (gunicorn's names: request line, path, referer …).
URL_ATOMS = ("r", "U", "f", "{referer}i", "{location}o", "{raw_uri}e", "{path_info}e",
             "{request_uri}e", "{http_referer}e", "{script_name}e")
#: Access-log atoms dropped whole: the query string, cookies, credentials.
SECRET_ATOMS = ("q", "{query_string}e", "{cookie}i", "{set-cookie}o", "{authorization}i",
                "{http_cookie}e", "{http_authorization}e")


def add_redacting_filter(target) -> None:
    """Put a RedactingFilter on a logger or handler, unless it has one (setup can run twice)."""
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())


def redact_atoms(atoms: dict) -> dict:
    """Redact gunicorn's access-log atoms in place (and return them)."""
    for key in URL_ATOMS:
        value = atoms.get(key)
        if isinstance(value, str):
            atoms[key] = redact_url(value)
    for key in SECRET_ATOMS:
        if atoms.get(key):
            atoms[key] = REDACTED
    return atoms
