"""Response, ResponseChoice and PaperBallot."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.enums import StrEnum, enum_column
from consult.extensions import db
from consult.participants.models import Gender, Source
from consult.timeutil import utcnow

if TYPE_CHECKING:
    from consult.accounts.models import User
    from consult.agenda.models import Item, ItemOption
    from consult.participants.models import Participant


class Response(db.Model):
    """One participant's answer to one item; re-submitting updates it."""

    __tablename__ = "responses"
    __table_args__ = (
        sa.UniqueConstraint("participant_id", "item_id"),
        # Covering index for tallies: item first, then the grouping columns, then the value,
        # then the participant (every tally leaves out the voided ones by participant id).
        sa.Index("ix_responses_tally", "item_id", "sector_id", "gender", "source", "value",
                 "participant_id"),
        # Live turnout of a round (who answered, by sector and gender) from the index alone.
        sa.Index("ix_responses_turnout", "round_id", "sector_id", "gender", "participant_id"),
        # The console's latest comments of a round, without reading the rows that have none.
        sa.Index("ix_responses_round_comments", "round_id", "updated_at",
                 sqlite_where=sa.text("comment IS NOT NULL"),
                 postgresql_where=sa.text("comment IS NOT NULL")),
        sa.CheckConstraint("value IS NULL OR value BETWEEN 0 AND 5", name="value_on_scale"),
        sa.CheckConstraint("revision >= 1", name="revision_positive"),
        sa.CheckConstraint(
            "(comment_hidden_at IS NULL) = (comment_hidden_by_id IS NULL)",
            name="hidden_by_and_at_together",
        ),
    )

    #: Surrogate key; the natural key is (participant_id, item_id).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Who answered; one answer per participant and item, so re-submitting updates it.
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    #: What was answered.
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id", ondelete="CASCADE"))
    #: The round the answer was given in (kept if the item is later moved).
    round_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("rounds.id", ondelete="SET NULL"), index=True
    )
    #: Copies of the participant's profile, so tallies group without a join.
    sector_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sectors.id", deferrable=True, initially="DEFERRED")
    )
    #: The participant's gender, copied like ``sector_id``.
    gender: Mapped[Gender | None] = mapped_column(enum_column(Gender, "response_gender"))
    #: The participant's source, copied: exports mark paper votes without a join.
    source: Mapped[Source] = mapped_column(enum_column(Source, "response_source"),
                                           default=Source.web)
    #: Agreement 1–5 (0 = no opinion) or priority points 1–3; NULL for other kinds.
    value: Mapped[int | None]
    #: The answer of a ``text`` item.
    text_value: Mapped[str | None] = mapped_column(sa.Text)
    #: Optional comment on the item, as written; NULL when none.
    comment: Mapped[str | None] = mapped_column(sa.Text)
    #: Comment locale as the participant wrote it (their interface language then).
    comment_locale: Mapped[str | None] = mapped_column(sa.String(5))
    #: Set when a facilitator hides the comment from published views (never deleted).
    comment_hidden_at: Mapped[datetime | None]
    #: The facilitator who hid it; set together with ``comment_hidden_at`` (check constraint).
    comment_hidden_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    #: How many times the answer was saved; 1 for a first answer.
    revision: Mapped[int] = mapped_column(default=1)
    #: When the answer was first saved (UTC).
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When it was last saved (UTC); the console lists the latest comments by it.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    participant: Mapped[Participant] = relationship()
    item: Mapped[Item] = relationship()
    choices: Mapped[list[ResponseChoice]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ResponseChoice.rank",
    )
    comment_hidden_by: Mapped[User | None] = relationship()


class ResponseChoice(db.Model):
    """An option picked in a choice, multi or ranking answer (rank for ranking)."""

    __tablename__ = "response_choices"
    __table_args__ = (
        sa.UniqueConstraint("response_id", "rank"),
        sa.CheckConstraint("rank IS NULL OR rank >= 1", name="rank_positive"),
        sa.Index("ix_response_choices_option_id_rank", "option_id", "rank"),
    )

    #: The answer this pick belongs to; deleted with it.
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    #: The option picked; with ``response_id`` the key, so an option is picked once per answer.
    option_id: Mapped[int] = mapped_column(
        sa.ForeignKey("item_options.id", ondelete="CASCADE"), primary_key=True
    )
    #: Position in a ranking (1 = first); NULL for choice and multi.
    rank: Mapped[int | None]

    response: Mapped[Response] = relationship(back_populates="choices")
    option: Mapped[ItemOption] = relationship()


class BallotStatus(StrEnum):
    entered = "entered"  #: typed once; waits for a second typing when double entry is on
    mismatch = "mismatch"  #: two typings differ; a facilitator must resolve it
    confirmed = "confirmed"  #: counted: a Participant with source ``paper`` exists


class PaperBallot(db.Model):
    """One printed ballot as typed by a clerk (and, with double entry, by a second)."""

    __tablename__ = "paper_ballots"
    __table_args__ = (
        # A ballot number names one person on paper; each round's ballot of theirs is typed
        # once (round_id NULL: one ballot for the whole agenda).
        sa.UniqueConstraint("event_id", "ballot_number", "round_id"),
        # ... and its ballot of the whole agenda once: NULLs are distinct in the constraint above.
        sa.Index("uq_paper_ballots_event_id_ballot_number_whole", "event_id", "ballot_number",
                 unique=True, postgresql_where=sa.text("round_id IS NULL"),
                 sqlite_where=sa.text("round_id IS NULL")),
        sa.CheckConstraint(
            "status != 'confirmed' OR participant_id IS NOT NULL", name="confirmed_has_participant"
        ),
        sa.CheckConstraint(
            "second_entered_by_id IS NULL OR second_entered_by_id != entered_by_id",
            name="second_clerk_differs",
        ),
    )

    #: Surrogate key; clerks know a ballot by its ``ballot_number``.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The event whose ballot it is; deleted with it.
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    #: Number printed on the ballot: one person's number, the same on each round's ballot.
    ballot_number: Mapped[str] = mapped_column(sa.String(40))
    #: The round whose items the ballot carries; NULL for a ballot of the whole agenda.
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"),
                                                 index=True)
    #: First typing: {"sector_id", "organisation", "gender", "locale", "answers": {item_id: …}}.
    first_entry: Mapped[dict] = mapped_column(sa.JSON)
    #: The clerk who typed it first.
    entered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    #: When it was first typed (UTC).
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Second typing by another clerk (double entry), same shape as the first.
    second_entry: Mapped[dict | None] = mapped_column(sa.JSON)
    #: The second clerk; never the first (check constraint), so a typing error shows.
    second_entered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    #: When it was typed the second time (UTC).
    second_entered_at: Mapped[datetime | None]
    #: entered → confirmed, or mismatch until a facilitator resolves it; only a confirmed
    #: ballot counts.
    status: Mapped[BallotStatus] = mapped_column(
        enum_column(BallotStatus, "ballot_status"), default=BallotStatus.entered
    )
    #: The participant the ballot's number became once confirmed (the same one for each round's
    #: ballot of that number).
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participants.id", deferrable=True, initially="DEFERRED"), index=True
    )
    #: Who confirmed it (a matching second typing, or a facilitator resolving a mismatch).
    confirmed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    #: When it was confirmed and began to count (UTC).
    confirmed_at: Mapped[datetime | None]

    entered_by: Mapped[User] = relationship(foreign_keys=[entered_by_id])
    second_entered_by: Mapped[User | None] = relationship(foreign_keys=[second_entered_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    participant: Mapped[Participant | None] = relationship()
