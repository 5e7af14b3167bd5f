"""Section, Item, ItemOption and Round, with the round state machine."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.enums import StrEnum, enum_column
from consult.errors import InvalidTransition
from consult.extensions import db
from consult.timeutil import utcnow

if TYPE_CHECKING:
    from consult.events.models import Event


class ItemKind(StrEnum):
    agreement = "agreement"  #: 5-point scale plus "no opinion"
    priority = "priority"  #: high / medium / low
    choice = "choice"  #: one of N options
    multi = "multi"  #: several of N options
    ranking = "ranking"  #: order the options, top-k
    text = "text"  #: an open answer


#: Kinds whose answers are options stored in response_choices.
OPTION_KINDS = frozenset({ItemKind.choice, ItemKind.multi, ItemKind.ranking})

#: Agreement scale: stored value → label. 0 is "no opinion": a response, not in percentages.
AGREEMENT_SCALE = {
    5: _l("Strongly agree"),
    4: _l("Agree"),
    3: _l("Neutral"),
    2: _l("Disagree"),
    1: _l("Strongly disagree"),
    0: _l("No opinion"),
}
NO_OPINION = 0
#: Priority scale: stored value = points (high 3, medium 2, low 1).
PRIORITY_SCALE = {3: _l("High"), 2: _l("Medium"), 1: _l("Low")}


class RoundState(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"


class Section(db.Model):
    """A group of items: a RAM dimension or a recommendation pillar."""

    __tablename__ = "sections"
    __table_args__ = (sa.UniqueConstraint("event_id", "position"),)

    #: Surrogate key; items point at it.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The event whose agenda it belongs to; deleted with it.
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    #: Order within the event's agenda.
    position: Mapped[int]
    #: Stable short key for imports and the codebook (``P1``).
    key: Mapped[str] = mapped_column(sa.String(20), default="")
    #: Heading of its items in results, in English (read through ``tr()``, like every
    #: ``*_en``/``*_km`` pair: the other language stands in, marked, when one is empty).
    title_en: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Heading of its items in results, in Khmer.
    title_km: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Optional introduction to the section, in English.
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    #: Optional introduction to the section, in Khmer.
    description_km: Mapped[str] = mapped_column(sa.Text, default="")

    event: Mapped[Event] = relationship(back_populates="sections")
    items: Mapped[list[Item]] = relationship(
        back_populates="section", order_by="Item.position", passive_deletes=True
    )


class Round(db.Model):
    """What a facilitator opens and closes: an ordered set of items."""

    __tablename__ = "rounds"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "position"),
        sa.CheckConstraint(
            "state != 'open' OR opened_at IS NOT NULL", name="open_has_opened_at"
        ),
        sa.CheckConstraint(
            "state != 'closed' OR closed_at IS NOT NULL", name="closed_has_closed_at"
        ),
    )

    #: Surrogate key; in the vote page's address (``/e/<code>/rounds/<id>``).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The event it belongs to; deleted with it.
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    #: Order on the agenda.
    position: Mapped[int]
    #: Name on the console, the waiting screen and the vote page, in English.
    title_en: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Name on the console, the waiting screen and the vote page, in Khmer.
    title_km: Mapped[str] = mapped_column(sa.String(300), default="")
    #: draft → open → closed, and closed → open again: ``open()``, ``close()`` and ``reopen()``
    #: refuse any other move; the deadline sweep closes an overdue round in one UPDATE.
    state: Mapped[RoundState] = mapped_column(
        enum_column(RoundState, "round_state"), default=RoundState.draft, index=True
    )
    #: When it was last opened (UTC).
    opened_at: Mapped[datetime | None]
    #: When it was last closed (UTC): the deadline itself when the deadline closed it.
    closed_at: Mapped[datetime | None]
    #: Optional deadline: past it the round counts as closed (UTC).
    closes_at: Mapped[datetime | None]
    #: Whether the projector may show this round's results.
    results_revealed: Mapped[bool] = mapped_column(default=False)
    #: When its results were last revealed (UTC): the projector shows the latest revealed round.
    revealed_at: Mapped[datetime | None]
    #: Optimistic lock: two facilitators pressing "close" at once cannot both succeed.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    event: Mapped[Event] = relationship(back_populates="rounds")
    items: Mapped[list[Item]] = relationship(
        back_populates="round", order_by="Item.round_position", passive_deletes=True
    )

    @hybrid_method
    def accepts_answers_at(self, now: datetime) -> bool:
        """The one rule for when a round takes answers: open, and before its deadline.

        Works on a loaded round and in SQL (``select(Round).where(Round.accepts_answers_at(t))``),
        so the vote upsert, the pages and the deadline sweep cannot disagree.
        """
        return self.state == RoundState.open and (self.closes_at is None or self.closes_at > now)

    @accepts_answers_at.expression
    def accepts_answers_at(cls, now):
        return sa.and_(cls.state == RoundState.open.value,
                       sa.or_(cls.closes_at.is_(None), cls.closes_at > now))

    @hybrid_method
    def overdue_at(self, now: datetime) -> bool:
        """Open but past its deadline: it counts as closed and the sweep will close it."""
        return self.state == RoundState.open and not self.accepts_answers_at(now)

    @overdue_at.expression
    def overdue_at(cls, now):
        return sa.and_(cls.state == RoundState.open.value, sa.not_(cls.accepts_answers_at(now)))

    @property
    def accepting_answers(self) -> bool:
        """Whether this round takes answers now."""
        return self.accepts_answers_at(utcnow())

    @hybrid_property
    def accepts_paper(self) -> bool:
        """Whether staff may type this round's paper ballots: once it has been opened.

        Ballots are filled while the round is open and typed afterwards, so a closed round
        takes them; a participant's own late vote stays refused (``accepts_answers_at``).
        Works in SQL too: the paper vote's upsert checks it in its one statement.
        """
        return self.state != RoundState.draft

    @accepts_paper.expression
    def accepts_paper(cls):
        return cls.state != RoundState.draft.value

    def open(self, closes_at: datetime | None = None, now: datetime | None = None) -> None:
        """Open a draft round; refuse if it is already open or closed."""
        if self.state != RoundState.draft:
            if self.state == RoundState.open:
                raise InvalidTransition(_l("This round is already open."))
            raise InvalidTransition(_l("This round is closed: reopen it instead."))
        self._start(closes_at, now)

    def reopen(self, closes_at: datetime | None = None, now: datetime | None = None) -> None:
        """Open a closed round again; answers given before are kept."""
        if self.state != RoundState.closed:
            raise InvalidTransition(_l("Only a closed round can be reopened."))
        self._start(closes_at, now)

    def _start(self, closes_at: datetime | None, now: datetime | None) -> None:
        now = now or utcnow()
        if closes_at is not None and closes_at <= now:
            raise InvalidTransition(_l("The deadline must be in the future."))
        if not self.event.is_live:
            raise InvalidTransition(self.event.not_live_message())
        self.state = RoundState.open
        self.opened_at = now
        self.closes_at = closes_at
        # A room voting again must not see the earlier results: reveal again after closing.
        self.results_revealed = False
        self.revealed_at = None
        self.event.touch_state()

    def close(self, now: datetime | None = None) -> None:
        """Close an open round; refuse any other state."""
        if self.state != RoundState.open:
            if self.state == RoundState.closed:
                raise InvalidTransition(_l("This round is already closed."))
            raise InvalidTransition(_l("This round has not been opened yet."))
        now = now or utcnow()
        # A round closed by its deadline closes at the deadline, not when noticed.
        self.closed_at = min(now, self.closes_at) if self.closes_at else now
        self.state = RoundState.closed
        self.event.touch_state()

    def extend(self, closes_at: datetime, now: datetime | None = None) -> None:
        """Move the deadline of an open round."""
        if self.state != RoundState.open:
            raise InvalidTransition(_l("Only an open round has a countdown."))
        if closes_at <= (now or utcnow()):
            raise InvalidTransition(_l("The deadline must be in the future."))
        self.closes_at = closes_at
        self.event.touch_state()

    def reveal(self, revealed: bool = True, now: datetime | None = None) -> None:
        """Show (or hide again) this round's results on the projector."""
        if revealed and self.state == RoundState.draft:
            raise InvalidTransition(_l("A round that has not been opened has no results."))
        self.results_revealed = revealed
        self.revealed_at = (now or utcnow()) if revealed else None
        self.event.touch_state()


class Item(db.Model):
    """One thing to respond to: a statement, a question, a recommendation."""

    __tablename__ = "items"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "code"),
        sa.UniqueConstraint("round_id", "round_position"),
        sa.UniqueConstraint("section_id", "position"),
        sa.CheckConstraint(
            "(round_id IS NULL) = (round_position IS NULL)", name="round_position_with_round"
        ),
        sa.CheckConstraint("top_k IS NULL OR top_k >= 1", name="top_k_positive"),
        sa.CheckConstraint("max_choices IS NULL OR max_choices >= 1", name="max_choices_positive"),
        sa.CheckConstraint("follows_item_id IS NULL OR follows_item_id != id", name="not_self_follow"),
    )

    #: Surrogate key; an answer is posted to ``/e/<code>/items/<id>/answer``.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Its event, also reachable through the section: codes are unique per event, and the
    #: "of this event or 404" loaders check it without a join.
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    #: The section it is grouped under; deleted with it.
    section_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sections.id", ondelete="CASCADE"), index=True
    )
    #: Order within its section.
    position: Mapped[int]
    #: The round it is put to (at most one); NULL while not scheduled.
    round_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("rounds.id", ondelete="SET NULL"), index=True
    )
    #: Order within its round.
    round_position: Mapped[int | None]
    #: Stable code for the codebook and exports (``R1-A``), unique within the event.
    code: Mapped[str] = mapped_column(sa.String(40))
    #: What answer it takes; decides the form on the vote page and which figures it gets.
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind, "item_kind"))
    #: The statement or question put to the room, in English.
    prompt_en: Mapped[str] = mapped_column(sa.Text, default="")
    #: The statement or question put to the room, in Khmer.
    prompt_km: Mapped[str] = mapped_column(sa.Text, default="")
    #: Optional explanation shown under the prompt, in English.
    detail_en: Mapped[str] = mapped_column(sa.Text, default="")
    #: Optional explanation shown under the prompt, in Khmer.
    detail_km: Mapped[str] = mapped_column(sa.Text, default="")
    #: Whether participants may add a comment.
    allow_comment: Mapped[bool] = mapped_column(default=True)
    #: For ``multi``: at most this many options (NULL: any number).
    max_choices: Mapped[int | None]
    #: For ``ranking``: how many places are ranked (NULL: all options).
    top_k: Mapped[int | None]
    #: An earlier item this one puts to the room again (Delphi-style follow-up).
    follows_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("items.id", ondelete="SET NULL"), index=True
    )

    event: Mapped[Event] = relationship(back_populates="items")
    section: Mapped[Section] = relationship(back_populates="items")
    round: Mapped[Round | None] = relationship(back_populates="items")
    options: Mapped[list[ItemOption]] = relationship(
        back_populates="item", order_by="ItemOption.position", cascade="all, delete-orphan",
        passive_deletes=True,
    )
    follows_item: Mapped[Item | None] = relationship(remote_side=[id])

    @property
    def uses_options(self) -> bool:
        return self.kind in OPTION_KINDS

    def __repr__(self) -> str:
        return f"<Item {self.id} {self.code} {self.kind}>"


class ItemOption(db.Model):
    """One bilingual option of a choice, multi or ranking item."""

    __tablename__ = "item_options"
    __table_args__ = (
        sa.UniqueConstraint("item_id", "position"),
        sa.UniqueConstraint("item_id", "code"),
    )

    #: Surrogate key; picks in response_choices point at it (exports use ``code``).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The item it belongs to; deleted with it.
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id", ondelete="CASCADE"))
    #: Order on the vote page and in result tables.
    position: Mapped[int]
    #: Stable code in exports and the codebook (``a``, ``b``… or a word).
    code: Mapped[str] = mapped_column(sa.String(40))
    #: What the participant picks, in English.
    label_en: Mapped[str] = mapped_column(sa.String(500), default="")
    #: What the participant picks, in Khmer.
    label_km: Mapped[str] = mapped_column(sa.String(500), default="")

    item: Mapped[Item] = relationship(back_populates="options")
