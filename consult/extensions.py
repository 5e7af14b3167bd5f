"""Flask extensions, created unbound and initialised in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

import consult.ratelimit  # noqa: F401 - registers the sqlite:// rate-limit storage

#: Stable constraint names, so migrations agree on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _limiter_key() -> str:
    """Key a limit by the participant of the session cookie, else by the client's address.

    Staff are not keyed by account: only participant actions (voting) use this default key,
    and sign-in and join failures have keys of their own.
    """
    from flask import g, request

    participant = getattr(g, "participant", None)
    if participant is not None:
        return f"p:{participant.id}"
    return f"ip:{request.remote_addr}"


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
class _Limiter(Limiter):
    """Flask-Limiter, whose Retry-After header is only on answers that ask to come back.

    With RATELIMIT_HEADERS_ENABLED it put ``Retry-After`` (the end of the limit's window) on
    every answer of a limited route: 60 s on a vote that went through, and 49–55 s on a 503
    "database busy" that should say a few seconds.
    """

    def init_app(self, app, *args, **kwargs):
        # Flask runs after-request hooks last-registered first: this one, registered before
        # the limiter's own, sees the headers the limiter wrote.
        app.after_request(_retry_after_only_on_refusals)
        super().init_app(app, *args, **kwargs)


def _retry_after_only_on_refusals(response):
    """Keep ``Retry-After`` on 429 and 503 only; a handler's ``g.retry_after`` wins."""
    from flask import g

    wanted = g.pop("retry_after", None)
    if wanted is not None:
        response.headers["Retry-After"] = str(wanted)
    elif response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


limiter = _Limiter(key_func=_limiter_key, default_limits=[])
