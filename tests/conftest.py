"""Fixtures: a fresh app per test on a real database, emptied after each test.

The database is SQLite in a temporary file unless TEST_DATABASE_URL names another
(PostgreSQL in CI). The schema is built once per run; every test starts with empty tables.
"""

from __future__ import annotations

import contextvars
import os
import tempfile
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, text
from werkzeug.routing.rules import Rule

from consult import create_app
from consult.extensions import db
from consult.i18n import LOCALE_COOKIE
from tests import factories

_TMP = tempfile.mkdtemp(prefix="consult-tests-")
DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP}/test.db"
IS_POSTGRES = DATABASE_URL.startswith("postgresql")
#: For a test that never uses the database under test (its server runs on its own SQLite file,
#: or it reads files only): on PostgreSQL it would repeat the SQLite run exactly, so it is
#: skipped there.
SQLITE_RUN_ONLY = pytest.mark.skipif(
    IS_POSTGRES, reason="uses no database under test: the SQLite run covers it")


# Every test builds its own app, and two costs of that are the same in every app: werkzeug
# writes and compiles a Python function per URL rule (~455 rules), and Jinja compiles each
# template the test renders. Both are kept for the run, so an app costs ~50 ms, not ~150.
class _TemplateBytecode(BytecodeCache):
    """Jinja's own bytecode cache, in memory: keyed by template and checked against its source."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_BYTECODE = _TemplateBytecode()
_compile_builder = Rule._compile_builder
_builders: dict = {}


def _same_builder(self, append_unknown=True):
    """``Rule._compile_builder``, once per distinct input (the function is made from these)."""
    try:
        key = (self.rule, tuple(self._trace), tuple((self.defaults or {}).items()),
               tuple((name, type(conv)) for name, conv in self._converters.items()),
               append_unknown)
        return _builders[key]
    except TypeError:  # an unhashable default: build it as werkzeug does
        return _compile_builder(self, append_unknown)
    except KeyError:
        built = _builders[key] = _compile_builder(self, append_unknown)
        return built


Rule._compile_builder = _same_builder


def _test_app(config: dict):
    """``create_app`` with the suite's settings and shared template bytecode."""
    app = create_app(config)
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = TEMPLATE_BYTECODE
    return app


def app_config(**overrides) -> dict:
    """Return the settings every test app gets."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PUBLIC_URL": "http://192.0.2.10:8000",
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def _schema():
    """Create the schema once for the whole run (migrations are tested separately)."""
    app = create_app(app_config())
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _empty_tables() -> None:
    """Delete every row, children first; on PostgreSQL also restart the ids at 1.

    (``TRUNCATE … RESTART IDENTITY`` does the same but gives every table new files: ~6 times
    slower on tables this small, and it ran after every test.)
    """
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    if IS_POSTGRES:
        sequences = db.session.scalars(text(
            "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = current_schema()"
        )).all()
        if sequences:
            db.session.execute(text("SELECT " + ", ".join(
                f"setval('{name}', 1, false)" for name in sequences)))
    db.session.commit()


class IsolatedClient(FlaskClient):
    """A test client whose requests run outside the test's app context.

    Each request then gets its own app context, ``g`` and database session, as in
    production; afterwards the test's own session forgets what it had loaded.
    """

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)  # streamed bodies finish inside their context
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response


@pytest.fixture
def app(_schema, tmp_path: Path, request):
    """Return an app on the test database; its tables are emptied afterwards.

    ``@pytest.mark.config(KEY=value)`` on a test changes its app's settings.
    """
    marker = request.node.get_closest_marker("config")
    app = _test_app(app_config(**(marker.kwargs if marker else {})))
    app.instance_path = str(tmp_path / "instance")
    os.makedirs(app.instance_path, exist_ok=True)
    with app.app_context():
        yield app
        db.session.rollback()
        _empty_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A client that has chosen English, so tests can read messages; ``khmer_client`` has not."""
    client = app.test_client()
    client.set_cookie(LOCALE_COOKIE, "en")
    return client


@pytest.fixture
def khmer_client(app):
    """A client with no language chosen: it gets the app's default, Khmer."""
    return app.test_client()


@pytest.fixture
def other_app(app):
    """Make more app instances on the test database (other "processes"); closed afterwards."""
    made = []

    def build(**overrides):
        other = _test_app(app_config(**overrides))
        made.append(other)
        return other

    yield build
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def make(app):
    """The factories, bound to this test's app (``make.event(...)``)."""
    factories._off_team.clear()  # ids start again in each test's empty database
    return factories


def login(client, user, password: str = factories.DEFAULT_PASSWORD):
    """Sign ``user`` in through the real login form."""
    response = client.post("/staff/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.data[:500]
    return response


@pytest.fixture
def empty_database_url(tmp_path):
    """Yield the URL of a brand-new empty database of the kind under test."""
    if not IS_POSTGRES:
        yield f"sqlite:///{tmp_path}/empty.db"
        return
    import uuid

    name = f"consult_empty_{uuid.uuid4().hex[:10]}"
    admin = create_engine(DATABASE_URL.rsplit("/", 1)[0] + "/postgres",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def admin_engine():
    """An engine with rights to create databases (PostgreSQL only)."""
    if not IS_POSTGRES:
        pytest.skip("PostgreSQL only")
    url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def pytest_terminal_summary(terminalreporter):
    """Say loudly when the browser tests could not run."""
    from tests.browser.conftest import CHROMIUM, HAVE_CHROMIUM

    if not HAVE_CHROMIUM:
        terminalreporter.write_sep(
            "!", f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM} "
            "(apt-get install chromium, or set CHROMIUM_PATH)", red=True, bold=True)
