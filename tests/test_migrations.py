"""Alembic migrations build the schema, tear it down, and agree with the models."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from consult import create_app
from consult.extensions import db
from tests.conftest import DATABASE_URL, IS_POSTGRES, app_config


@pytest.fixture
def empty_database_url(tmp_path):
    """Yield the URL of a brand-new empty database of the kind under test."""
    if not IS_POSTGRES:
        yield f"sqlite:///{tmp_path}/migrations.db"
        return
    from sqlalchemy import create_engine, text

    name = f"consult_mig_{uuid.uuid4().hex[:10]}"
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


def _tables(app) -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade_and_models_match(empty_database_url):
    app = create_app(app_config(SQLALCHEMY_DATABASE_URI=empty_database_url))
    with app.app_context():
        upgrade()
        expected = {t.name for t in db.metadata.sorted_tables}
        assert _tables(app) == expected
        assert {"events", "sectors", "sections", "items", "rounds", "participants", "responses",
                "paper_ballots", "users", "audit_entries"} <= expected
        downgrade(revision="base")
        assert _tables(app) == set()
        upgrade()
        assert _tables(app) == expected
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        db.session.remove()
        db.engine.dispose()
