"""Who may do what: staff roles, the participant from the cookie, loaders that 404."""

from __future__ import annotations

from functools import wraps

import flask_babel
from flask import abort, g, session
from flask_login import current_user, login_required
from sqlalchemy import select

from consult.accounts.models import Role, User
from consult.extensions import db, login_manager

#: Session key holding the participant's token (the session cookie is signed).
PARTICIPANT_SESSION_KEY = "participant"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


def roles_required(*roles: Role):
    """Let in signed-in staff with one of ``roles`` (admins always); 403 others."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not current_user.can(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def load_participant() -> None:
    """Put the participant named by the signed session cookie in ``g.participant``."""
    from consult.participants.models import Participant

    # Start every request clean, even when an app context outlives it (tests, CLI).
    g.participant = None
    g.event = None
    flask_babel.refresh()
    token = session.get(PARTICIPANT_SESSION_KEY)
    if token:
        g.participant = db.session.scalar(select(Participant).where(Participant.token == token))


def get_or_404(model, ident):
    """Load a row by primary key or answer 404."""
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def event_by_code_or_404(code: str):
    """Load an event by its join code (case-insensitive) and set ``g.event``."""
    from consult.events.models import Event

    event = db.session.scalar(select(Event).where(Event.join_code == code.strip().upper()))
    if event is None:
        abort(404)
    g.event = event
    return event


def participant_for(event):
    """Return the participant in the cookie if they belong to ``event``."""
    participant = g.get("participant")
    return participant if participant is not None and participant.event_id == event.id else None


def sign_in_participant(participant) -> None:
    """Remember ``participant`` in this browser (signed session cookie)."""
    session[PARTICIPANT_SESSION_KEY] = participant.token
    session.permanent = True
    g.participant = participant
