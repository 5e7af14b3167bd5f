"""Translated error pages (and JSON errors for scripts): never a traceback."""

from __future__ import annotations

import contextlib

from flask import Flask, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from consult.access import NeedsProfile, WrongCode
from consult.errors import ConsultError

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
    @app.errorhandler(WrongCode)
    def _wrong_code(error: WrongCode):
        from consult.participants.forms import JoinForm

        form = JoinForm(formdata=None)
        form.code.data = error.code
        form.code.errors = [
            _l("No consultation has the code “%(code)s”. Check the code on the screen and try "
               "again.", code=error.code)
        ]
        if wants_json():
            return render_error(404, form.code.errors[0])
        return render_template("participants/landing.html", form=form), 404

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
        app.logger.warning("Database unavailable on %s %s: %s", request.method, request.path,
                           error.orig)
        from consult.extensions import db

        with contextlib.suppress(OperationalError):
            db.session.rollback()
        response = render_error(503)
        response = app.make_response(response)
        response.headers["Retry-After"] = "2"
        return response

    @app.errorhandler(InternalServerError)
    def _server_error(error):
        from consult.extensions import db

        db.session.rollback()
        return render_error(500)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        from consult.extensions import db

        db.session.rollback()
        return render_error(500)
