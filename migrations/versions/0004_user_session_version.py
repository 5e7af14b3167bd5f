"""user session_version: staff sessions that end

Every staff session stores the account's ``session_version`` when it starts; signing out or
changing the password raises it, which ends every copy of the cookie.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 16:30:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    # Add in place, never by copying the table (batch mode's default on SQLite): audit entries
    # point at ``users``, and a copy would drop and recreate the table they reference.
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False,
                                      server_default="1"))


def downgrade():
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.drop_column("session_version")
