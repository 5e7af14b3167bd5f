"""event team: which staff work on which event, and in what role

Facilitators and analysts see only the events whose team they are on (admins see all).
Existing facilitators and analysts are put on every existing event's team with their
account's role, so nobody loses access by upgrading.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 18:40:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "event_staff",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("role IN ('facilitator', 'analyst')",
                           name=op.f("ck_event_staff_team_role_known")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"],
                                name=op.f("fk_event_staff_event_id_events"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_event_staff_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id", "user_id", name=op.f("pk_event_staff")),
    )
    op.create_index(op.f("ix_event_staff_user_id"), "event_staff", ["user_id"], unique=False)
    op.execute(
        "INSERT INTO event_staff (event_id, user_id, role, added_at) "
        "SELECT events.id, users.id, users.role, CURRENT_TIMESTAMP FROM events, users "
        "WHERE users.role IN ('facilitator', 'analyst')"
    )


def downgrade():
    op.drop_index(op.f("ix_event_staff_user_id"), table_name="event_staff")
    op.drop_table("event_staff")
