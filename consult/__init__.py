"""Consult: Khmer/English multistakeholder consultations."""

from __future__ import annotations

import logging
import os

from flask import Flask
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine

from consult.extensions import babel, csrf, db, limiter, login_manager, migrate

log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Create the application; ``config`` overrides settings (tests pass their own)."""
    from config import INSTANCE_DIR, Config

    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    from consult.database import secure_instance_folder

    secure_instance_folder(app.instance_path)  # owner only: tokens, password hashes, the key
    if not app.config.get("SECRET_KEY"):
        from consult.security import load_or_create_secret_key

        app.config["SECRET_KEY"] = load_or_create_secret_key(app.instance_path)

    from consult.fastpath import FastPaths

    # Inside the proxy fix, so a fast path sees the scheme and host the phone used.
    app.wsgi_app = FastPaths(app, app.wsgi_app)
    if app.config.get("PROXY_FIX_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from consult.security import SessionInterface

    app.session_interface = SessionInterface()
    _guard_input(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)
    from consult.cli import register_cli
    from consult.error_pages import register_error_handlers

    register_error_handlers(app)
    register_cli(app)
    return app


def _guard_input(app: Flask) -> None:
    """Ids past the database's integers name no page; NUL bytes never reach a view.

    Set before the blueprints (their rules take the converter when added) and before the
    extensions (this hook then runs first, ahead of CSRF and the rate limits).
    """
    from consult.inputs import IdConverter, clean_request

    app.url_map.converters["int"] = IdConverter
    app.before_request(clean_request)


def _init_extensions(app: Flask) -> None:
    from consult.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to open this page.")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    csrf.init_app(app)
    limiter.init_app(app)
    # Import every model so metadata is complete for Alembic and create_all.
    from consult import models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from consult.accounts.views import bp as accounts_bp
    from consult.agenda.views import bp as agenda_bp
    from consult.events.views import bp as events_bp
    from consult.i18n import bp as i18n_bp
    from consult.participants.views import bp as participants_bp
    from consult.results.views import bp as results_bp
    from consult.room.views import bp as room_bp
    from consult.voting.views import bp as voting_bp

    app.register_blueprint(participants_bp)
    app.register_blueprint(voting_bp)
    app.register_blueprint(room_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(agenda_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(i18n_bp)


def _register_hooks(app: Flask) -> None:
    from jinja2 import pass_context

    from consult.access import load_participant, my_role_in
    from consult.i18n import (
        LANGUAGE_NAMES,
        current_lang,
        deadline_parts,
        format_dt,
        format_number,
        format_pct,
        install_message_numbers,
        khmer_digits,
        localize_digits,
        tr,
        tr_text,
    )
    from consult.results.figures import round_half_up, suppressed_text
    from consult.security import add_security_headers
    from consult.timeutil import utcnow

    app.before_request(load_participant)
    app.after_request(add_security_headers)

    @app.get("/healthz")
    def healthz():
        """Say the process answers (for a proxy's health check; the benchmarks' hello-world)."""
        return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}

    @app.context_processor
    def _template_helpers():
        return {
            "tr": tr,
            "tr_text": tr_text,
            "current_lang": current_lang,
            "format_dt": format_dt,
            "format_number": format_number,
            "format_pct": format_pct,
            "language_names": LANGUAGE_NAMES,
            "server_now": lambda: utcnow().isoformat(timespec="seconds") + "Z",
        }

    # Globals, not context: the macros of room/_deadline.html and _bars.html call them too.
    app.jinja_env.globals.update(deadline_parts=deadline_parts, suppressed_text=suppressed_text,
                                 round_half_up=round_half_up,
                                 event_role_of=my_role_in)
    app.jinja_env.filters["khmer_digits"] = khmer_digits
    # Bound to the context, so Jinja never folds a constant ('0123456789'|digits) once, when
    # it compiles the template, in the language of whichever page came first.
    app.jinja_env.filters["digits"] = pass_context(
        lambda _context, text, event=None: localize_digits(text, event))
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    install_message_numbers(app)


@sa_event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Turn on WAL, foreign keys, a busy timeout and durable commits for SQLite."""
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    from flask import current_app, has_app_context

    timeout = 5000
    synchronous = "FULL"
    if has_app_context():
        timeout = current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", timeout)
        synchronous = current_app.config.get("SQLITE_SYNCHRONOUS", synchronous)
    if synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        synchronous = "FULL"
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(timeout)}")
    cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
    cursor.close()
