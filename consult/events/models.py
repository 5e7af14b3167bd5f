"""Event and Sector."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.enums import StrEnum, enum_column
from consult.extensions import db
from consult.timeutil import utcnow

if TYPE_CHECKING:
    from consult.accounts.models import User
    from consult.agenda.models import Item, Round, Section

#: Join codes avoid look-alike characters (0/O, 1/I/L) so they survive being read aloud.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_join_code(length: int = 6) -> str:
    """Return a random join code such as ``KH7Q2P``."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(length))


class EventStatus(StrEnum):
    draft = "draft"
    live = "live"
    archived = "archived"


#: How each status reads on staff pages.
STATUS_LABELS = {
    "draft": lazy_pgettext("event status", "Draft"),
    "live": lazy_pgettext("event status", "Live"),
    "archived": lazy_pgettext("event status", "Archived"),
}


class JoinMode(StrEnum):
    open = "open"  #: anyone with the join code
    badge = "badge"  #: only pre-registered attendees through their badge link


class Event(db.Model):
    """One consultation: a workshop or a written consultation."""

    __tablename__ = "events"
    __table_args__ = (
        sa.CheckConstraint("min_sector_n >= 1", name="min_sector_n_positive"),
        sa.CheckConstraint("min_cell >= 1", name="min_cell_positive"),
        sa.CheckConstraint(
            "validate_pct BETWEEN 0 AND 100 AND sector_floor_pct BETWEEN 0 AND 100 "
            "AND contest_pct BETWEEN 0 AND 100 AND spread_pct BETWEEN 0 AND 100",
            name="thresholds_are_percentages",
        ),
        sa.CheckConstraint("default_locale IN ('km', 'en')", name="default_locale_known"),
        sa.CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
                           name="dates_ordered"),
    )

    #: Surrogate key, in staff addresses; participants' addresses use the join code instead.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Title shown everywhere, in English (read through ``tr()``, like every ``*_en``/``*_km``
    #: pair: the other language stands in, marked, when one is empty).
    title_en: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Title shown everywhere, in Khmer.
    title_km: Mapped[str] = mapped_column(sa.String(300), default="")
    #: What the consultation is about, in English.
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    #: What the consultation is about, in Khmer.
    description_km: Mapped[str] = mapped_column(sa.Text, default="")
    #: Where it takes place, in English.
    venue_en: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Where it takes place, in Khmer.
    venue_km: Mapped[str] = mapped_column(sa.String(300), default="")
    #: First day, in the event's time zone; optional (a written consultation may have none).
    starts_on: Mapped[date | None]
    #: Last day; never before ``starts_on`` (check constraint).
    ends_on: Mapped[date | None]
    #: IANA time zone that dates and times are shown in.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Phnom_Penh")
    #: Short code participants type or scan to join (upper case, unique).
    join_code: Mapped[str] = mapped_column(sa.String(12), unique=True, default=new_join_code)
    #: Secret for the read-only projector link, so the projector needs no staff login.
    screen_token: Mapped[str] = mapped_column(
        sa.String(43), unique=True, default=lambda: secrets.token_urlsafe(32)
    )
    #: Who may join: anyone with the join code, or only pre-registered attendees by badge.
    join_mode: Mapped[JoinMode] = mapped_column(
        enum_column(JoinMode, "join_mode"), default=JoinMode.open
    )
    #: Language a newcomer sees first, unless the browser or a switch says otherwise.
    default_locale: Mapped[str] = mapped_column(sa.String(5), default="km")
    #: Show numbers with Khmer digits (០១២…) in Khmer pages.
    khmer_digits: Mapped[bool] = mapped_column(default=False)
    #: draft (being prepared) → live (participants join and vote) → archived (read-only).
    status: Mapped[EventStatus] = mapped_column(
        enum_column(EventStatus, "event_status"), default=EventStatus.draft
    )
    #: Consensus thresholds (DESIGN.md section 4), per event so a consortium can set its own.
    #: A sector is eligible for an item with at least this many answers with an opinion.
    min_sector_n: Mapped[int] = mapped_column(default=3)
    #: A published cell with fewer answers shows "n < 3" (with the default), never a
    #: percentage: small groups stay anonymous.
    min_cell: Mapped[int] = mapped_column(default=3)
    #: Overall % agree an item needs to be validated.
    validate_pct: Mapped[float] = mapped_column(default=66.0)
    #: % agree every eligible sector must reach for the item to be validated.
    sector_floor_pct: Mapped[float] = mapped_column(default=50.0)
    #: Overall % agree from which an item that divides sectors is contested, not merely
    #: not validated.
    contest_pct: Mapped[float] = mapped_column(default=50.0)
    #: Spread (highest minus lowest eligible sector's % agree) from which sectors disagree too
    #: much for the item to be validated.
    spread_pct: Mapped[float] = mapped_column(default=30.0)
    #: Paper ballots count only once two different clerks have typed them alike.
    double_entry: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Bumped on every change phones must notice (rounds opened, closed, revealed):
    #: the cheap ETag for the status document.
    state_version: Mapped[int] = mapped_column(default=1)
    #: When the event was created (UTC); the staff home lists events newest first.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the event's own row last changed (UTC): settings, status or a ``state_version``
    #: bump; votes do not touch it.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    sectors: Mapped[list[Sector]] = relationship(
        back_populates="event", order_by="Sector.position", cascade="all, delete-orphan",
        passive_deletes=True,
    )
    sections: Mapped[list[Section]] = relationship(
        back_populates="event", order_by="Section.position", cascade="all, delete-orphan",
        passive_deletes=True,
    )
    rounds: Mapped[list[Round]] = relationship(
        back_populates="event", order_by="Round.position", cascade="all, delete-orphan",
        passive_deletes=True,
    )
    items: Mapped[list[Item]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True,
        overlaps="items",
    )
    team: Mapped[list[EventStaff]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True,
    )

    @property
    def is_live(self) -> bool:
        """Participants join, fill profiles and vote, and rounds open, only in a live event.

        A draft is being prepared (staff may preview its pages); an archived event is
        read-only, its results and exports still available.
        """
        return self.status == EventStatus.live

    def not_live_message(self):
        """Why a participant action or a round change is refused in this event's status."""
        if self.status == EventStatus.archived:
            return _l("This consultation has ended. Thank you for taking part.")
        return _l("This consultation has not started yet. Please come back when it opens.")

    def set_status(self, status: EventStatus) -> None:
        """Move through draft → live → archived (and back to live); refuse other moves."""
        from consult.agenda.models import RoundState
        from consult.errors import InvalidTransition

        status = EventStatus(status)
        if status == self.status:
            return
        if status == EventStatus.draft and self.status != EventStatus.draft:
            raise InvalidTransition(_l("An event that has been live cannot become a draft again."))
        if status == EventStatus.archived and any(r.state == RoundState.open for r in self.rounds):
            raise InvalidTransition(_l("Close the open rounds before archiving the event."))
        self.status = status
        self.touch_state()

    def touch_state(self) -> None:
        """Mark that what phones and the projector show has changed."""
        self.state_version = (self.state_version or 0) + 1

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.join_code}>"


class Sector(db.Model):
    """A stakeholder group participants choose from, ordered within its event."""

    __tablename__ = "sectors"
    __table_args__ = (sa.UniqueConstraint("event_id", "position"),)

    #: Surrogate key; participants and their responses point at it.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The event whose participants choose it; deleted with it.
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    #: Order in the profile form and in result tables.
    position: Mapped[int]
    #: Name of the stakeholder group, in English.
    label_en: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Name of the stakeholder group, in Khmer.
    label_km: Mapped[str] = mapped_column(sa.String(200), default="")

    event: Mapped[Event] = relationship(back_populates="sectors")

    def __repr__(self) -> str:
        return f"<Sector {self.id} {self.label_en!r}>"


class EventStaff(db.Model):
    """A staff member on an event's team, with the role they have in that event.

    Facilitators and analysts see and work on only the events whose team they are on;
    admins are on every team without a row (``access.event_role``).
    """

    __tablename__ = "event_staff"
    __table_args__ = (
        sa.CheckConstraint("role IN ('facilitator', 'analyst', 'clerk')", name="team_role_known"),
    )

    #: The event; the membership goes with it.
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    #: The staff member (accounts are deactivated, never deleted).
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: What they do in this event: run the room (facilitator), read results (analyst) or
    #: type paper ballots (clerk).
    role: Mapped[str] = mapped_column(sa.String(20))
    #: When they were added (UTC).
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship(back_populates="team")
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<EventStaff event={self.event_id} user={self.user_id} {self.role}>"
