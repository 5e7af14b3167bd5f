"""Secret key handling and the security headers on every response."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def load_or_create_secret_key(instance_path: str) -> str:
    """Return the secret key kept in ``instance/secret_key``, creating it once."""
    path = Path(instance_path) / "secret_key"
    try:
        key = path.read_text().strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Create exclusively: two workers starting together must agree on one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(100):  # the other process is writing it
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.01)
        raise RuntimeError(f"{path} exists but is empty") from None
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


#: On every response, pages and the fast paths' answers alike.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def add_security_headers(response):
    """Set CSP, nosniff, referrer policy and framing rules on every response."""
    headers = response.headers
    for name, value in SECURITY_HEADERS:
        headers.setdefault(name, value)
    return response


class Session(SecureCookieSession):
    """The signed-cookie session of a request that read the browser's cookie."""

    #: Templates ask this (``session.unopened``) before drawing a form that needs the session.
    unopened = False


class UnopenedSession(Session):
    """The empty session of a request that never read the cookie: never saved.

    Saving it would replace the browser's cookie, signing out the participant or staff member
    it held: an error page on these paths (a missing font, a wrong method) draws a form whose
    token would be stored in it.
    """

    unopened = True


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, left unopened on the requests that never read them.

    The status document (polled by every phone every 3 s), the health check and static files
    need no session: verifying and decoding the cookie was a fifth of a poll's cost, and with
    an empty session no participant is looked up either (``access.load_participant``).
    Nothing such a request does can change the cookie: its session is never saved.
    """

    session_class = Session

    def open_session(self, app, request):
        path = request.path
        if (path.endswith("/status.json") or path == "/healthz"
                or path.startswith(app.static_url_path + "/")):
            return UnopenedSession()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if isinstance(session, UnopenedSession):
            return
        super().save_session(app, session, response)
