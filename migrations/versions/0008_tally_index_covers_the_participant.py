"""tally index covers the participant

Every tally leaves out voided participants (``participant_id NOT IN (…)``), so the tally
index without the participant sent each counted answer back to its table row: at 160,000
answers a live count read every row. With ``participant_id`` last, the index alone answers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 01:10:00.000000
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BEFORE = ["item_id", "sector_id", "gender", "source", "value"]


def upgrade():
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index("ix_responses_tally")
        batch_op.create_index("ix_responses_tally", [*BEFORE, "participant_id"], unique=False)


def downgrade():
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index("ix_responses_tally")
        batch_op.create_index("ix_responses_tally", BEFORE, unique=False)
