"""Alembic migrations build the schema, tear it down, and agree with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from consult import create_app
from consult.extensions import db
from tests.conftest import app_config


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
