"""export jobs: large workbooks prepared off the request, their progress seen by every process

One row per workbook asked for (consult/results/jobs.py): who asked, its parameters (filters,
language, identifying columns), its state and heartbeat, its checksum once ready. A partial
unique index keeps one running job per person and parameters, so a double click, even one
answered by two processes, gets the same job.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 22:30:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

RUNNING = sa.text("state = 'running'")


def upgrade():
    op.create_table(
        "export_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=4), nullable=False),
        sa.Column("identifying", sa.Boolean(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("params_key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.Enum("running", "done", "failed", "expired", name="state",
                                   native_enum=False, create_constraint=True, length=7),
                  nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("done_rows", sa.Integer(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=True),
        sa.Column("download_name", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("downloaded_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("done_rows >= 0 AND total_rows >= 0",
                           name=op.f("ck_export_jobs_rows_not_negative")),
        sa.CheckConstraint("lang IN ('km', 'en', 'both')", name=op.f("ck_export_jobs_lang_known")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"],
                                name=op.f("fk_export_jobs_event_id_events"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_export_jobs_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_jobs")),
        sa.UniqueConstraint("token", name=op.f("uq_export_jobs_token")),
    )
    op.create_index(op.f("ix_export_jobs_event_id"), "export_jobs", ["event_id"], unique=False)
    op.create_index(op.f("ix_export_jobs_user_id"), "export_jobs", ["user_id"], unique=False)
    op.create_index("uq_export_jobs_running", "export_jobs", ["user_id", "params_key"],
                    unique=True, sqlite_where=RUNNING, postgresql_where=RUNNING)


def downgrade():
    op.drop_index("uq_export_jobs_running", table_name="export_jobs")
    op.drop_index(op.f("ix_export_jobs_user_id"), table_name="export_jobs")
    op.drop_index(op.f("ix_export_jobs_event_id"), table_name="export_jobs")
    op.drop_table("export_jobs")
