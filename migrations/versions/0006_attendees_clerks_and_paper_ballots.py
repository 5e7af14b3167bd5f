"""attendees, clerks and paper ballots: void, names, e-mail, double entry, ballot rounds

- users.role and event_staff.role gain "clerk" (types paper ballots, nothing else);
- participants gain the Khmer name, an e-mail (a re-import's key) and a void (when, who, why);
- events gain ``double_entry``;
- a paper ballot belongs to a round (or the whole agenda): a ballot number names one person,
  typed once per round (and once for the whole agenda: a partial unique index, as NULL round
  ids are distinct in the unique constraint), so one participant may have several ballots;
- participants gain ``paper_number``, unique in the event: the ballot number they were typed
  under, so two rounds' ballots of one number confirmed at once make one participant.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 19:15:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ROLES_BEFORE = "role IN ('admin', 'facilitator', 'analyst')"
ROLES_AFTER = "role IN ('admin', 'facilitator', 'analyst', 'clerk')"
TEAM_BEFORE = "role IN ('facilitator', 'analyst')"
TEAM_AFTER = "role IN ('facilitator', 'analyst', 'clerk')"


def _replace_check(table: str, name: str, condition: str) -> None:
    # SQLite cannot alter a CHECK: batch mode copies the table (env.py turns foreign keys off
    # meanwhile); PostgreSQL drops and adds the constraint in place.
    with op.batch_alter_table(table, recreate="auto") as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
        batch_op.create_check_constraint(op.f(f"ck_{table}_{name}"), sa.text(condition))


def upgrade():
    _replace_check("users", "role", ROLES_AFTER)
    _replace_check("event_staff", "team_role_known", TEAM_AFTER)
    with op.batch_alter_table("events", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("double_entry", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table("participants") as batch_op:
        batch_op.add_column(sa.Column("display_name_km", sa.String(length=200), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("voided_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("voided_by_id", sa.Integer(), sa.ForeignKey(
            "users.id", name=op.f("fk_participants_voided_by_id_users"), ondelete="RESTRICT"),
            nullable=True))
        batch_op.add_column(sa.Column("void_reason", sa.String(length=500), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("paper_number", sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(op.f("uq_participants_event_id_paper_number"),
                                          ["event_id", "paper_number"])
    # Before 0006 a ballot made its participant and belonged to one: its number is theirs.
    op.execute("UPDATE participants SET paper_number = (SELECT paper_ballots.ballot_number "
               "FROM paper_ballots WHERE paper_ballots.participant_id = participants.id) "
               "WHERE source = 'paper'")
    with op.batch_alter_table("paper_ballots") as batch_op:
        batch_op.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_paper_ballots_round_id_rounds"), "rounds",
                                    ["round_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index(op.f("ix_paper_ballots_round_id"), ["round_id"], unique=False)
        batch_op.drop_constraint(op.f("uq_paper_ballots_event_id_ballot_number"), type_="unique")
        batch_op.create_unique_constraint(
            op.f("uq_paper_ballots_event_id_ballot_number_round_id"),
            ["event_id", "ballot_number", "round_id"])
        batch_op.drop_constraint(op.f("uq_paper_ballots_participant_id"), type_="unique")
        batch_op.create_index(op.f("ix_paper_ballots_participant_id"), ["participant_id"],
                              unique=False)
    # Outside the batch: its copy of the table would drop the index's WHERE.
    op.create_index("uq_paper_ballots_event_id_ballot_number_whole", "paper_ballots",
                    ["event_id", "ballot_number"], unique=True,
                    postgresql_where=sa.text("round_id IS NULL"),
                    sqlite_where=sa.text("round_id IS NULL"))


def downgrade():
    op.drop_index("uq_paper_ballots_event_id_ballot_number_whole", table_name="paper_ballots")
    with op.batch_alter_table("paper_ballots") as batch_op:
        batch_op.drop_index(op.f("ix_paper_ballots_participant_id"))
        batch_op.create_unique_constraint(op.f("uq_paper_ballots_participant_id"),
                                          ["participant_id"])
        batch_op.drop_constraint(op.f("uq_paper_ballots_event_id_ballot_number_round_id"),
                                 type_="unique")
        batch_op.create_unique_constraint(op.f("uq_paper_ballots_event_id_ballot_number"),
                                          ["event_id", "ballot_number"])
        batch_op.drop_index(op.f("ix_paper_ballots_round_id"))
        batch_op.drop_constraint(op.f("fk_paper_ballots_round_id_rounds"), type_="foreignkey")
        batch_op.drop_column("round_id")
    with op.batch_alter_table("participants") as batch_op:
        batch_op.drop_constraint(op.f("uq_participants_event_id_paper_number"), type_="unique")
        batch_op.drop_constraint(op.f("fk_participants_voided_by_id_users"), type_="foreignkey")
        for name in ("paper_number", "void_reason", "voided_by_id", "voided_at", "email", "display_name_km"):
            batch_op.drop_column(name)
    with op.batch_alter_table("events", recreate="never") as batch_op:
        batch_op.drop_column("double_entry")
    _replace_check("event_staff", "team_role_known", TEAM_BEFORE)
    _replace_check("users", "role", ROLES_BEFORE)
