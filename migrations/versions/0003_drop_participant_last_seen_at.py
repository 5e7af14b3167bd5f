"""drop participant last_seen_at

Nothing ever wrote or read ``participants.last_seen_at``: a column that is always NULL only
misleads whoever reads the schema.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 15:45:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    # Never copy the table (batch mode's default on SQLite): the app turns SQLite's foreign
    # keys on, so dropping the old ``participants`` would cascade to every response. The
    # column is in no index or constraint: SQLite (3.35+) and PostgreSQL drop it in place.
    with op.batch_alter_table("participants", recreate="never") as batch_op:
        batch_op.drop_column("last_seen_at")


def downgrade():
    with op.batch_alter_table("participants", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
