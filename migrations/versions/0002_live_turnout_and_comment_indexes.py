"""live turnout and comment indexes

The console and the projector poll a round's turnout (distinct participants by sector and
gender) and its latest comments while thousands vote; both read only these indexes now,
instead of every response row of the round.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:59:48.771205
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COMMENTED = sa.text("comment IS NOT NULL")


def upgrade():
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index("ix_responses_round_comments", ["round_id", "updated_at"],
                              unique=False, sqlite_where=COMMENTED, postgresql_where=COMMENTED)
        batch_op.create_index("ix_responses_turnout",
                              ["round_id", "sector_id", "gender", "participant_id"], unique=False)


def downgrade():
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index("ix_responses_turnout")
        batch_op.drop_index("ix_responses_round_comments", sqlite_where=COMMENTED,
                            postgresql_where=COMMENTED)
