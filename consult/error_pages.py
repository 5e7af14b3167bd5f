"""Translated error pages (and JSON errors for scripts): never a traceback."""

from __future__ import annotations

import contextlib

from flask import Flask, g, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from consult.access import NeedsProfile, WrongCode
from consult.errors import ConsultError
from consult.logs import add_redacting_filter, redact_url

#: Seconds a client is told to wait before sending again what a busy database refused (503).
BUSY_RETRY_AFTER = 2

#: Title and explanation per status code, in words a participant understands.
ERROR_TEXTS = {
    400: (
        _l("Bad request"),
        _l("The page could not understand what was sent. Please go back and try again."),
    ),
    403: (
        _l("Not allowed"),
        _l("You do not have permission to open this page."),
    ),
    404: (
        _l("Page not found"),
        _l("There is no page at this address. Check the link or the code."),
    ),
    405: (
        _l("Not allowed here"),
        _l("This page cannot be used that way. Please go back and use the buttons on the page."),
    ),
    409: (
        _l("Not possible now"),
        _l("This cannot be done in the current state."),
    ),
    413: (
        _l("Too large"),
        _l("What you sent is too large. Please send a smaller file."),
    ),
    429: (
        _l("Too many attempts"),
        _l("Please wait a moment, then try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An error occurred on our side. Your earlier answers are safe. Please try again."),
    ),
    503: (
        _l("Not saved, try again"),
        _l("The server is busy. Nothing was saved: please try again in a moment."),
    ),
}


def wants_json() -> bool:
    """Return whether the client asked for JSON (the page's scripts do)."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def render_error(code: int, message=None):
    """Render the error page (or JSON) for ``code`` in the current language."""
    title, explanation = ERROR_TEXTS.get(code, ERROR_TEXTS[500 if code >= 500 else 400])
    text = str(message) if message else str(explanation)
    if wants_json():
        response = jsonify(error=str(title), message=text, status=code)
        response.status_code = code
        return response
    return render_template("errors/error.html", code=code, title=title, message=text), code


def register_error_handlers(app: Flask) -> None:
    # No resume token or projector key in any line the app logs (consult/logs.py): on the
    # app's logger, and on Flask's handler, which the app's child loggers also reach.
    from flask.logging import default_handler

    for target in (app.logger, default_handler):
        add_redacting_filter(target)

    @app.errorhandler(WrongCode)
    def _wrong_code(error: WrongCode):
        # Every wrong code of every page counts here, and only wrong codes: a right one never
        # reaches this handler, so it always opens, however many typos came from the Wi-Fi.
        from consult.participants.forms import JoinForm
        from consult.ratelimit import TOO_MANY_WRONG_CODES, wrong_code_allowed

        allowed, retry_after = wrong_code_allowed()
        form = JoinForm(formdata=None)
        form.code.data = error.code
        if allowed:
            status = 404
            form.code.errors = [
                _l("No consultation has the code “%(code)s”. Check the code on the screen and "
                   "try again.", code=error.code)
            ]
        else:
            status = 429
            form.code.errors = [TOO_MANY_WRONG_CODES]
        if wants_json():
            response = app.make_response(render_error(status, form.code.errors[0]))
        else:
            response = app.make_response(
                (render_template("participants/landing.html", form=form), status))
        if not allowed:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(NeedsProfile)
    def _needs_profile(error: NeedsProfile):
        if wants_json():
            response = jsonify(error="profile", status=409,
                               message=str(_l("Please fill in your profile first.")))
            response.status_code = 409
            return response
        return redirect(url_for("participants.join_event", code=error.event.join_code))

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return render_error(400, _l("This form has expired. Please reload the page and try again."))

    @app.errorhandler(ConsultError)
    def _consult_error(error: ConsultError):
        return render_error(error.status_code, error.message)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(OperationalError)
    def _database_unavailable(error):
        # Locked past the busy timeout, or the server is gone: nothing was saved, say so.
        app.logger.warning("Database unavailable on %s %s: %s", request.method,
                           redact_url(request.path), error.orig)
        from consult.extensions import db

        with contextlib.suppress(OperationalError):
            db.session.rollback()
        response = render_error(503)
        response = app.make_response(response)
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
        g.retry_after = BUSY_RETRY_AFTER  # kept over the rate limiter's header (extensions.py)
        return response

    @app.errorhandler(InternalServerError)
    def _server_error(error):
        from consult.extensions import db

        db.session.rollback()
        return render_error(500)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, redact_url(request.path))
        from consult.extensions import db

        db.session.rollback()
        return render_error(500)
