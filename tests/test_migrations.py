"""Alembic migrations build the schema, tear it down, and agree with the models."""

from __future__ import annotations

from datetime import datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import column, func, insert, inspect, select, table

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


def _insert(conn, name: str, **values) -> None:
    # Lightweight tables: only these columns, whatever the models hold today.
    conn.execute(insert(table(name, *(column(key) for key in values))).values(**values))


def _rows(conn, name: str) -> int:
    return conn.execute(select(func.count()).select_from(table(name))).scalar_one()


def test_upgrade_keeps_the_votes_of_a_database_in_use(empty_database_url):
    """Upgrading from 0002 keeps every participant and response (no cascade on a table copy)."""
    app = create_app(app_config(SQLALCHEMY_DATABASE_URI=empty_database_url))
    now = datetime(2026, 11, 25, 9, 0)
    with app.app_context():
        upgrade(revision="0002")
        with db.engine.begin() as conn:
            _insert(conn, "events", id=1, title_en="e", title_km="e", description_en="",
                    description_km="", venue_en="", venue_km="", timezone="UTC",
                    join_code="ABC234", screen_token="s", join_mode="open", default_locale="km",
                    khmer_digits=False, status="live", min_sector_n=3, min_cell=3,
                    validate_pct=66, sector_floor_pct=50, contest_pct=50, spread_pct=30,
                    state_version=1, created_at=now, updated_at=now)
            _insert(conn, "sections", id=1, event_id=1, position=1, key="", title_en="s",
                    title_km="s", description_en="", description_km="")
            _insert(conn, "items", id=1, event_id=1, section_id=1, position=1, code="I1",
                    kind="agreement", prompt_en="p", prompt_km="p", detail_en="", detail_km="",
                    allow_comment=True)
            _insert(conn, "participants", id=1, event_id=1, token="t", public_code="P-1",
                    organisation="", locale="km", source="web", display_name="", joined_at=now)
            _insert(conn, "responses", id=1, participant_id=1, item_id=1, source="web", value=4,
                    revision=1, created_at=now, updated_at=now)
            # Staff and their trail: 0006 copies the users table (a CHECK changes).
            _insert(conn, "users", id=1, username="sokha", display_name="Sokha",
                    password_hash="x", role="facilitator", active=True, created_at=now)
            _insert(conn, "audit_entries", id=1, created_at=now, user_id=1, event_id=1,
                    action="round.open", details="{}")
        upgrade()
        with db.engine.connect() as conn:
            assert (_rows(conn, "participants"), _rows(conn, "responses")) == (1, 1)
            assert (_rows(conn, "users"), _rows(conn, "audit_entries")) == (1, 1)
            # 0005 put the facilitator on the event's team.
            assert _rows(conn, "event_staff") == 1
        db.session.remove()
        db.engine.dispose()
