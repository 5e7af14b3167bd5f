"""Read-side questions about an event's rounds, all through ``Round.accepts_answers_at``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select

from consult.agenda.models import Round
from consult.extensions import db
from consult.timeutil import utcnow


def rounds_accepting_answers(event_id: int, now: datetime | None = None) -> list[Round]:
    """Return the event's rounds that take answers now, in agenda order."""
    return list(db.session.scalars(
        select(Round).where(Round.event_id == event_id,
                            Round.accepts_answers_at(now or utcnow()))
        .order_by(Round.position)
    ))


def has_overdue_rounds(event_id: int, now: datetime | None = None) -> bool:
    """Whether an open round of the event has passed its deadline (one indexed read)."""
    return bool(db.session.scalar(select(
        exists().where(Round.event_id == event_id, Round.overdue_at(now or utcnow())))))
