"""Read-side SQL for staff management and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, func, or_, select

from consult.accounts.models import AuditEntry, User
from consult.events.models import Event, EventStaff
from consult.extensions import db

#: Action families the audit pages filter by: exact action names and name prefixes. A family
#: may share actions with another (an item deleted is both an agenda edit and a deletion).
FAMILIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "signins": (("user.login", "user.login_failed", "user.logout"), ()),
    "rounds": ((), ("round.",)),
    "agenda": ((), ("agenda.",)),
    "exports": ((), ("export.",)),
    "settings": (("event.create", "event.edit", "event.sectors", "event.duplicate",
                  "event.status", "event.thresholds", "event.team"), ()),
    "deletions": (("event.delete", "agenda.section_delete", "agenda.round_delete",
                   "agenda.item_delete"), ()),
    "comments": ((), ("comment.",)),
    "participants": ((), ("participant.", "attendee.")),
    "paper": ((), ("paper.",)),
    "accounts": (("user.create", "user.password", "user.password_reset", "user.role",
                  "user.deactivate", "user.reactivate"), ()),
}
#: Entries on one page of the audit trail.
PER_PAGE = 100
#: The event filter of the global page: entries of no event (sign-ins, accounts, deletions).
STAFF_WIDE = -1


@dataclass(frozen=True)
class AuditFilters:
    """What the audit pages narrow the trail to; None is "all".

    ``event_id``: one event's entries (``STAFF_WIDE``: entries of no event). ``since`` and
    ``until`` are UTC instants, ``until`` excluded.
    """

    event_id: int | None = None
    family: str | None = None
    user_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def where(self) -> list:
        """The SQL conditions of these filters."""
        conditions = []
        if self.event_id == STAFF_WIDE:
            conditions.append(AuditEntry.event_id.is_(None))
        elif self.event_id is not None:
            conditions.append(AuditEntry.event_id == self.event_id)
        if self.family is not None:
            names, prefixes = FAMILIES.get(self.family, ((), ()))
            alternatives = [AuditEntry.action.in_(names)] if names else []
            alternatives += [AuditEntry.action.startswith(p, autoescape=True) for p in prefixes]
            conditions.append(or_(*alternatives) if alternatives else false())
        if self.user_id is not None:
            conditions.append(AuditEntry.user_id == self.user_id)
        if self.since is not None:
            conditions.append(AuditEntry.created_at >= self.since)
        if self.until is not None:
            conditions.append(AuditEntry.created_at < self.until)
        return conditions


@dataclass(frozen=True)
class AuditRow:
    """One entry with the names a reader needs: who acted, on which event."""

    entry: AuditEntry
    username: str | None
    event: Event | None


def audit_entries(filters: AuditFilters, page: int | None = None) -> list[AuditRow]:
    """The entries matching ``filters``, newest first: one page of ``PER_PAGE``, or all (CSV)."""
    stmt = (select(AuditEntry, User.username, Event)
            .outerjoin(User, User.id == AuditEntry.user_id)
            .outerjoin(Event, Event.id == AuditEntry.event_id)
            .where(*filters.where())
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()))
    if page is not None:
        stmt = stmt.limit(PER_PAGE).offset((max(page, 1) - 1) * PER_PAGE)
    return [AuditRow(entry, username, event)
            for entry, username, event in db.session.execute(stmt)]


def audit_count(filters: AuditFilters) -> int:
    """How many entries match ``filters`` (for the pages)."""
    return db.session.scalar(select(func.count(AuditEntry.id)).where(*filters.where()))


def audit_users(event_id: int | None = None) -> list[User]:
    """The staff who appear in the trail (of one event, or anywhere), by user name."""
    acting = select(AuditEntry.user_id).where(AuditEntry.user_id.is_not(None))
    if event_id is not None:
        acting = acting.where(AuditEntry.event_id == event_id)
    return list(db.session.scalars(select(User).where(User.id.in_(acting.distinct()))
                                   .order_by(User.username)))


def staff_list() -> list[tuple[User, list[tuple[Event, str]]]]:
    """Every staff account, by user name, with the events whose team they are on."""
    users = db.session.scalars(select(User).order_by(User.username)).all()
    teams: dict[int, list[tuple[Event, str]]] = {user.id: [] for user in users}
    rows = db.session.execute(
        select(EventStaff.user_id, Event, EventStaff.role)
        .join(Event, Event.id == EventStaff.event_id)
        .order_by(Event.created_at.desc(), Event.id.desc()))
    for user_id, event, role in rows:
        teams.setdefault(user_id, []).append((event, role))
    return [(user, teams[user.id]) for user in users]


def all_events() -> list[Event]:
    """Every event, newest first (to put a new account on teams, to filter the trail)."""
    return list(db.session.scalars(select(Event).order_by(Event.created_at.desc(),
                                                          Event.id.desc())))
