"""User (staff) and AuditEntry."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from consult.enums import StrEnum, enum_column
from consult.extensions import db
from consult.timeutil import utcnow


class Role(StrEnum):
    admin = "admin"  #: manages staff accounts and events
    facilitator = "facilitator"  #: runs the room
    analyst = "analyst"  #: reads results, read-only
    clerk = "clerk"  #: types paper ballots in the events they are on, nothing else


ROLE_LABELS = {
    Role.admin: _l("Administrator"),
    Role.facilitator: _l("Facilitator"),
    Role.analyst: _l("Analyst"),
    Role.clerk: _l("Clerk"),
}


class User(UserMixin, db.Model):
    """A staff account."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("locale IS NULL OR locale IN ('km', 'en')", name="locale_known"),
    )

    #: Surrogate key; audit entries keep pointing at it (accounts are deactivated, never
    #: deleted).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login name, stored in lower case.
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    #: Name shown in the interface ("Signed in as …"); the login name when none is given.
    display_name: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Salted Werkzeug hash; the password itself is never stored.
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: What the account may do; an admin may do everything (``User.can``).
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    #: Preferred interface language; NULL: follow the browser.
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    #: A deactivated account cannot sign in; its audit entries stay.
    active: Mapped[bool] = mapped_column(default=True)
    #: When the account was created (UTC).
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Last successful sign-in (UTC); NULL until the first.
    last_login_at: Mapped[datetime | None]
    #: Which sign-ins still count: every session carries the number it was started with
    #: (``get_id``), so raising it on sign-out or a password change ends every copy of the
    #: cookie, on every device, at once.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: what the session stores
        """Name the account and its session version, so a revoked session no longer loads."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """End every session of this account (each one holds the old ``session_version``)."""
        self.session_version += 1

    def can(self, *roles: Role) -> bool:
        """Return whether the user has one of ``roles`` (admin has every role)."""
        return self.role == Role.admin or self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class AuditEntry(db.Model):
    """Who did what, when: how a result came about."""

    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_event_id_created_at", "event_id", "created_at"),)

    #: Surrogate key. Entries are only added, except that failed sign-ins of one account in one
    #: minute share a row whose details count them (so a password guesser cannot flood the trail).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: When it happened (UTC).
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The staff user who acted; NULL for the system (a deadline passing) or a CLI run.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"),
                                                index=True)
    #: The event it concerns; NULL for staff-wide actions, and once the event is deleted (the
    #: entry stays).
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id", ondelete="SET NULL"))
    #: Dotted verb, e.g. ``round.open``, ``export.xlsx``, ``user.login``.
    action: Mapped[str] = mapped_column(sa.String(60))
    #: What it acted on: its table (``rounds``) and id.
    target_type: Mapped[str | None] = mapped_column(sa.String(40))
    #: Id of that row; no foreign key, so the entry outlives the row it names.
    target_id: Mapped[int | None]
    #: Anything else worth keeping (deadline, filters, file checksum…).
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    user: Mapped[User | None] = relationship()
