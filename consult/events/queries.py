"""Which events a staff member sees."""

from __future__ import annotations

from sqlalchemy import select

from consult.accounts.models import Role, User
from consult.events.models import Event, EventStaff
from consult.extensions import db


def staff_events(user: User) -> list[tuple[Event, Role]]:
    """The events ``user`` works on, newest first, each with their role in it.

    Admins see every event (as admin); facilitators and analysts the events whose team they
    are on (``access.event_role`` is the same rule for one event).
    """
    if user.role == Role.admin:
        events = db.session.scalars(select(Event).order_by(Event.created_at.desc(),
                                                           Event.id.desc()))
        return [(event, Role.admin) for event in events]
    rows = db.session.execute(
        select(Event, EventStaff.role).join(EventStaff, EventStaff.event_id == Event.id)
        .where(EventStaff.user_id == user.id)
        .order_by(Event.created_at.desc(), Event.id.desc()))
    return [(event, Role(role)) for event, role in rows]
