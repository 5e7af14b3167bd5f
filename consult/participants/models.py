"""Participant: one person at one event, anonymous by default."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.enums import StrEnum, enum_column
from consult.extensions import db
from consult.timeutil import utcnow

if TYPE_CHECKING:
    from consult.events.models import Event, Sector

#: Alphabet of the anonymised participant codes in exports.
PUBLIC_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class Gender(StrEnum):
    woman = "woman"
    man = "man"
    another = "another"
    undisclosed = "undisclosed"  #: prefer not to say


GENDER_LABELS = {
    Gender.woman: _l("Woman"),
    Gender.man: _l("Man"),
    Gender.another: _l("Another gender"),
    Gender.undisclosed: _l("Prefer not to say"),
}


class Source(StrEnum):
    web = "web"  #: joined with the event's code
    badge = "badge"  #: pre-registered, joined through a personal badge link
    paper = "paper"  #: typed in from a paper ballot


def new_token() -> str:
    """Return an unguessable participant token (256 bits)."""
    return secrets.token_urlsafe(32)


def new_public_code() -> str:
    """Return an anonymised code for exports (``P-7KQ2M9``)."""
    return "P-" + "".join(secrets.choice(PUBLIC_CODE_ALPHABET) for _ in range(6))


class Participant(db.Model):
    """One person at one event; known by a token, never by a password."""

    __tablename__ = "participants"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "public_code"),
        sa.UniqueConstraint("event_id", "badge_number"),
        sa.UniqueConstraint("event_id", "paper_number"),
        sa.CheckConstraint("locale IN ('km', 'en')", name="locale_known"),
        sa.Index("ix_participants_event_id_sector_id_gender", "event_id", "sector_id", "gender"),
    )

    #: Surrogate key, never shown: exports show ``public_code``, the cookie carries ``token``.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The one event this person takes part in; another event's pages do not know them.
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    #: Secret that the participant's cookie and resume link carry.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_token)
    #: Anonymised code shown to analysts instead of any name.
    public_code: Mapped[str] = mapped_column(sa.String(12), default=new_public_code)
    #: Sector chosen in the profile; NULL until the profile is filled.
    sector_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sectors.id", deferrable=True, initially="DEFERRED")
    )
    #: Organisation as typed (free text, optional).
    organisation: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Gender chosen in the profile ("prefer not to say" is an answer); NULL until then.
    gender: Mapped[Gender | None] = mapped_column(enum_column(Gender, "gender"))
    #: Preferred language of the interface.
    locale: Mapped[str] = mapped_column(sa.String(5), default="km")
    #: How they came: with the join code, through a badge link, or typed from a paper ballot.
    source: Mapped[Source] = mapped_column(enum_column(Source, "participant_source"),
                                           default=Source.web)
    #: For pre-registered attendees only (badges); never shown next to a vote. The name in
    #: Latin script (or the only one given).
    display_name: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The attendee's name in Khmer script, for the badge; empty when not given.
    display_name_km: Mapped[str] = mapped_column(sa.String(200), default="",
                                                 server_default="")
    #: Pre-registered attendee's e-mail: with the badge number, the key a re-import matches.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    #: Number printed on a pre-registered attendee's badge, unique within the event.
    badge_number: Mapped[str | None] = mapped_column(sa.String(40))
    #: The ballot number a paper participant was typed under, unique within the event: one
    #: ballot number is one person, whichever round's ballot was counted first; NULL otherwise.
    paper_number: Mapped[str | None] = mapped_column(sa.String(40))
    #: When the participant first arrived (UTC), before any profile.
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the profile form was first completed; NULL until then.
    profile_completed_at: Mapped[datetime | None]
    #: When a facilitator voided this participant (a test phone, a duplicate): their answers
    #: leave every figure while this is set; NULL when they count.
    voided_at: Mapped[datetime | None]
    #: Who voided them.
    voided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id",
                                                                   ondelete="RESTRICT"))
    #: Why, as the facilitator wrote it (kept in the audit trail too).
    void_reason: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")

    event: Mapped[Event] = relationship()
    sector: Mapped[Sector | None] = relationship()

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    @property
    def has_profile(self) -> bool:
        return self.profile_completed_at is not None

    def void(self, user, reason: str) -> None:
        """Take this participant's answers out of every figure; refused if already voided."""
        from consult.errors import InvalidTransition

        if self.is_voided:
            raise InvalidTransition(_l("This participant is already voided."))
        self.voided_at = utcnow()
        self.voided_by_id = user.id if user is not None else None
        self.void_reason = reason
        # Every figure changes: the console and the projector show it at their next poll.
        self.event.touch_state()

    def restore(self) -> None:
        """Count this participant's answers again; refused unless voided."""
        from consult.errors import InvalidTransition

        if not self.is_voided:
            raise InvalidTransition(_l("This participant is not voided."))
        self.voided_at = None
        self.voided_by_id = None
        self.void_reason = ""
        self.event.touch_state()

    def __repr__(self) -> str:
        return f"<Participant {self.id} {self.public_code}>"
