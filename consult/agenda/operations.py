"""Opening, closing and revealing rounds; each change is audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.exc import StaleDataError

from consult.accounts.models import User
from consult.accounts.operations import record
from consult.agenda.models import Round, RoundState
from consult.errors import InvalidTransition
from consult.events.models import Event
from consult.extensions import db
from consult.timeutil import utcnow

MAX_COUNTDOWN_MINUTES = 24 * 60 * 60  # sixty days: a written consultation
#: How long after a facilitator's close the console offers to undo it.
UNDO_CLOSE_WINDOW = timedelta(minutes=1)


def _deadline(minutes: int | None, now: datetime) -> datetime | None:
    if minutes is None:
        return None
    if not 1 <= minutes <= MAX_COUNTDOWN_MINUTES:
        raise InvalidTransition(_l("The countdown must be between 1 minute and 60 days."))
    return (now + timedelta(minutes=minutes)).replace(microsecond=0)


def _flush() -> None:
    """Flush, turning a lost race with another facilitator into a clear refusal."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise InvalidTransition(
            _l("Someone else changed this round at the same moment. Please look again.")
        ) from None


def open_round(round_: Round, user: User | None, minutes: int | None = None,
               now: datetime | None = None) -> None:
    """Open a draft or closed round, with an optional countdown in minutes."""
    from consult.agenda.editing import open_problems

    now = now or utcnow()
    reopening = round_.state == RoundState.closed
    if round_.state != RoundState.open and round_.event.is_live:
        # The agenda builder's guard: no empty round, no prompt missing in the default language
        # (after the refusals the round itself gives, so a closed event still says so).
        problems = open_problems(round_)
        if problems:
            raise InvalidTransition(" ".join(problems))
    if reopening:
        round_.reopen(_deadline(minutes, now), now)
    else:
        round_.open(_deadline(minutes, now), now)
    _flush()
    record("round.reopen" if reopening else "round.open", user=user, event_id=round_.event_id,
           target=round_, closes_at=round_.closes_at.isoformat() if round_.closes_at else None)


def close_round(round_: Round, user: User | None, now: datetime | None = None) -> None:
    """Close an open round now."""
    round_.close(now)
    _flush()
    record("round.close", user=user, event_id=round_.event_id, target=round_)


def extend_round(round_: Round, user: User | None, minutes: int,
                 now: datetime | None = None) -> None:
    """Set the countdown of an open round to end ``minutes`` from now."""
    now = now or utcnow()
    round_.extend(_deadline(minutes, now), now)
    _flush()
    record("round.extend", user=user, event_id=round_.event_id, target=round_,
           closes_at=round_.closes_at.isoformat())


def can_undo_close(round_: Round, now: datetime | None = None) -> bool:
    """Whether a facilitator closed this round less than a minute ago (not its deadline).

    A close by the deadline sweep sets ``closed_at`` to the deadline itself; a facilitator's
    close comes before the deadline, or the round had none.
    """
    now = now or utcnow()
    return (round_.state == RoundState.closed and round_.closed_at is not None
            and now - round_.closed_at <= UNDO_CLOSE_WINDOW
            and (round_.closes_at is None or round_.closed_at < round_.closes_at))


def undo_close(round_: Round, user: User | None, now: datetime | None = None) -> None:
    """Reopen a round closed by mistake, with the deadline it had if that is still ahead."""
    now = now or utcnow()
    if not can_undo_close(round_, now):
        raise InvalidTransition(_l("This close can no longer be undone: reopen the round "
                                   "instead."))
    closes_at = round_.closes_at if round_.closes_at and round_.closes_at > now else None
    round_.reopen(closes_at, now)
    _flush()
    record("round.undo_close", user=user, event_id=round_.event_id, target=round_,
           closes_at=closes_at.isoformat() if closes_at else None)


def reveal_round(round_: Round, user: User | None, revealed: bool = True,
                 now: datetime | None = None) -> None:
    """Show or hide a round's results on the projector."""
    round_.reveal(revealed, now)
    _flush()
    record("round.reveal" if revealed else "round.hide_results", user=user,
           event_id=round_.event_id, target=round_)


def close_overdue_rounds(event_id: int, now: datetime | None = None) -> list[int]:
    """Close the event's open rounds whose deadline has passed; audit each close once.

    The one deadline sweep: ``access`` runs it whenever a request loads an event that has an
    overdue round. One UPDATE decides: whichever request runs it first closes the round, the
    others find nothing left to close.
    """
    now = now or utcnow()
    closed = db.session.execute(
        update(Round)
        .where(Round.event_id == event_id, Round.overdue_at(now))
        .values(state=RoundState.closed.value, closed_at=Round.closes_at,
                version=Round.version + 1)
        .returning(Round.id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    if closed:
        db.session.execute(update(Event).where(Event.id == event_id)
                           .values(state_version=Event.state_version + 1)
                           .execution_options(synchronize_session=False))
        for round_id in closed:
            record("round.close", event_id=event_id, target_type="rounds", target_id=round_id,
                   reason="deadline")
        db.session.expire_all()
    return closed
