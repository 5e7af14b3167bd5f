"""Who may do what: staff roles, the participant from the cookie, and every loader of a row.

Views load what a URL or a form names through these functions only, so "the event of this
code" or "a round of this event" means the same everywhere: ``*_or_404`` answers 404 for a
row that is not there or not the event's, ``*_or_none`` returns None (the view says why).
"""

from __future__ import annotations

import re
import time
from functools import wraps

import flask_babel
from flask import abort, current_app, g, session
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from consult.accounts.models import Role, User
from consult.errors import ConsultError
from consult.events.models import EventStatus
from consult.extensions import db, login_manager
from consult.inputs import MAX_ID

#: Session key holding the participant's token (the session cookie is signed).
PARTICIPANT_SESSION_KEY = "participant"
#: Session key holding when the staff member signed in (Unix time): their sign-in lasts
#: STAFF_SESSION_HOURS though the cookie it shares with a participant lasts months.
STAFF_LOGIN_AT_KEY = "staff_login_at"
#: Join codes are at most this long (``Event.join_code``); longer input is never looked up.
MAX_CODE_LENGTH = 12


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """Load the session's staff member, unless the session was ended or its day is over.

    The session holds ``"<id>:<session_version>"`` (``User.get_id``): signing out or changing
    the password raises the version, so every copy of an older cookie loads nobody.
    """
    match = re.fullmatch(r"([0-9]{1,18}):([0-9]{1,18})", str(user_id))
    if match is None or not _staff_session_within_limit():
        return None  # no version (a cookie from before them), or the working day is over
    user = db.session.get(User, int(match[1]))
    if user is None or not user.active or user.session_version != int(match[2]):
        return None
    return user


def _staff_session_within_limit() -> bool:
    """Whether the staff sign-in stored in the session is less than STAFF_SESSION_HOURS old."""
    signed_in_at = session.get(STAFF_LOGIN_AT_KEY)
    if not isinstance(signed_in_at, int | float) or isinstance(signed_in_at, bool):
        return False
    age = time.time() - signed_in_at
    return -60 < age < current_app.config["STAFF_SESSION_HOURS"] * 3600


def _drop_csrf_token() -> None:
    """Forget the form token, so the next page gets a new one (flask_wtf makes it anew)."""
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(name, None)
    g.pop(name, None)


def sign_in_staff(user: User) -> None:
    """Start a staff session in this browser: a new form token, the time, the session version."""
    _drop_csrf_token()  # a token planted or read before sign-in is worth nothing after it
    login_user(user)
    session[STAFF_LOGIN_AT_KEY] = int(time.time())


def sign_out_staff() -> None:
    """End the staff session in this browser (the participant, if any, stays)."""
    logout_user()
    session.pop(STAFF_LOGIN_AT_KEY, None)


def event_role(user, event_id: int) -> Role | None:
    """The role ``user`` has in event ``event_id``: admin on every event; else their team role.

    The one rule for who works on which event: facilitators and analysts see and act on only
    the events whose team they are on (DESIGN.md section 1).
    """
    from consult.events.models import EventStaff

    if user is None or not user.is_authenticated or not user.active:
        return None
    if user.role == Role.admin:
        return Role.admin
    role = db.session.scalar(select(EventStaff.role).where(EventStaff.event_id == event_id,
                                                           EventStaff.user_id == user.id))
    return Role(role) if role is not None else None


def my_role_in(event) -> Role | None:
    """The signed-in staff member's role in ``event`` (which pages of it templates link)."""
    return event_role(current_user, event.id)


def can_in(event_id: int, *roles: Role, user=None) -> bool:
    """Whether ``user`` (the signed-in one by default) has one of ``roles`` in this event."""
    role = event_role(current_user if user is None else user, event_id)
    return role is not None and (role == Role.admin or role in roles)


def roles_required(*roles: Role):
    """Let in signed-in staff with one of ``roles`` (admins always); 403 others.

    A view whose URL names an event (``event_id``) checks the role the user has in that
    event's team, so staff of another event are refused too.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            event_id = kwargs.get("event_id")
            allowed = (can_in(event_id, *roles) if event_id is not None
                       else current_user.can(*roles))
            if not allowed:
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


def _or_404(row):
    """Return ``row``, or answer 404 when there is none."""
    if row is None:
        abort(404)
    return row


def _get(model, ident):
    """Load a row by primary key; None for no row, and for an id no row can have.

    A submitted id past ``MAX_ID`` names nothing (PostgreSQL would refuse to compare it).
    """
    if not isinstance(ident, int) or not 0 < ident <= MAX_ID:
        return None
    return db.session.get(model, ident)


def _of_event(model, event, ident):
    """Load a row of ``model`` that belongs to ``event``; None for none or another event's."""
    row = _get(model, ident)
    return row if row is not None and row.event_id == event.id else None


def normalize_code(raw: str | None) -> str:
    """Upper-case a typed join code, drop spaces and dashes, turn Khmer digits into ASCII."""
    from consult.i18n import ascii_digits

    return re.sub(r"[\s\-]+", "", ascii_digits(raw or "")).upper()


def find_event(code: str | None):
    """Return the event with this join code (typed any way a person types it), or None."""
    from consult.events.models import Event

    code = normalize_code(code)
    if not code or len(code) > MAX_CODE_LENGTH:
        return None
    return db.session.scalar(select(Event).where(Event.join_code == code))


class WrongCode(Exception):
    """No event has the code in the URL or the form (shown as the landing page, 404)."""

    def __init__(self, code: str | None):
        super().__init__(code)
        self.code = normalize_code(code)[:MAX_CODE_LENGTH]


class NeedsProfile(Exception):
    """A participant page was asked for before the profile was filled."""

    def __init__(self, event):
        super().__init__(event.join_code)
        self.event = event


def _loaded(event, overdue: bool | None = None):
    """Remember the request's event, first closing its rounds whose deadline has passed.

    This is the one place the deadline sweep runs: whichever request notices first closes
    the round (DESIGN.md section 2), so every page after it sees the round closed. A caller
    that has just read whether a round is overdue passes it as ``overdue``.
    """
    from consult.agenda.operations import close_overdue_rounds
    from consult.agenda.queries import has_overdue_rounds
    from consult.database import write_turn

    g.event = event
    if overdue if overdue is not None else has_overdue_rounds(event.id):
        with write_turn():
            close_overdue_rounds(event.id)
            db.session.commit()
    return event


def event_or_404(event_id: int):
    """Load an event by id for a staff page (404 when there is none) and set ``g.event``."""
    from consult.events.models import Event

    return _loaded(_or_404(_get(Event, event_id)))


def event_by_code_or_404(code: str, *, overdue: bool | None = None):
    """Load the event of a join code in a URL or form, and set ``g.event``; WrongCode else.

    ``overdue``: whether one of its rounds is past its deadline, when the caller knows already.
    """
    event = find_event(code)
    if event is None:
        raise WrongCode(code)
    return _loaded(event, overdue)


def on_team(event) -> bool:
    """Whether the signed-in staff member works on ``event`` (they may preview its draft)."""
    return event_role(current_user, event.id) is not None


def participant_event_or_404(code: str, *, joining: bool = False):
    """Load an event for a participant page: a draft is for staff only; a newcomer joins
    only a live event (an archived one stays readable to those who took part)."""
    event = event_by_code_or_404(code)
    admit(event, joining=joining)
    return event


def admit(event, *, joining: bool = False) -> None:
    """Refuse a participant page of ``event`` its status does not allow (403 with the reason)."""
    if event.is_live or (event.status == EventStatus.draft and on_team(event)):
        return
    if event.status == EventStatus.draft or joining:
        raise ConsultError(event.not_live_message(), 403)


def round_or_404(event, round_id: int, *, opened: bool = False):
    """Load a round of ``event`` (404 for another event's); ``opened``: never a draft round."""
    from consult.agenda.models import RoundState

    round_ = _or_404(round_or_none(event, round_id))
    if opened and round_.state == RoundState.draft:
        abort(404)
    return round_


def round_or_none(event, round_id: int | None):
    """Load a round of ``event`` chosen in a form; None for none or another event's."""
    from consult.agenda.models import Round

    return _of_event(Round, event, round_id)


def section_or_404(event, section_id: int):
    """Load a section of ``event``; 404 for another event's."""
    return _or_404(section_or_none(event, section_id))


def section_or_none(event, section_id: int | None):
    """Load a section of ``event`` chosen in a form; None for none or another event's."""
    from consult.agenda.models import Section

    return _of_event(Section, event, section_id)


def item_or_404(event, item_id: int):
    """Load an item of ``event``; 404 for another event's."""
    return _or_404(item_or_none(event, item_id))


def item_or_none(event, item_id: int | None):
    """Load an item of ``event`` chosen in a form; None for none or another event's."""
    from consult.agenda.models import Item

    return _of_event(Item, event, item_id)


def sector_or_404(event, sector_id: int | None):
    """Load a sector of ``event`` named in a form; 404 for none or another event's."""
    from consult.events.models import Sector

    return _or_404(_of_event(Sector, event, sector_id))


def response_or_404(event, response_id: int, *, with_comment: bool = False):
    """Load a response to an item of ``event``; ``with_comment``: only one that has a comment."""
    from consult.voting.models import Response

    response = _or_404(_get(Response, response_id))
    if response.item.event_id != event.id or (with_comment and response.comment is None):
        abort(404)
    return response


def paper_ballot_or_404(event, ballot_id: int):
    """Load a typed paper ballot of ``event``; 404 for another event's."""
    from consult.voting.models import PaperBallot

    return _or_404(_of_event(PaperBallot, event, ballot_id))


def export_job_or_404(event, token: str):
    """Load the signed-in staff member's own export job of ``event``; 404 for anyone else's.

    A job's file may name people (identifying columns): another staff member, an admin too,
    gets 404 as for a job that is not there.
    """
    from consult.results.jobs import TOKEN, ExportJob

    if not TOKEN.fullmatch(token or ""):
        abort(404)
    job = db.session.scalar(select(ExportJob).where(ExportJob.token == token))
    if job is None or job.event_id != event.id or job.user_id != current_user.id:
        abort(404)
    return job


def participant_or_404(event, participant_id: int):
    """Load a participant of ``event`` for a staff page; 404 for another event's."""
    from consult.participants.models import Participant

    return _or_404(_of_event(Participant, event, participant_id))


def staff_user_or_404(user_id: int) -> User:
    """Load a staff account by id (admin pages); 404 when there is none."""
    return _or_404(staff_user_or_none(user_id))


def staff_user_or_none(user_id: int | None) -> User | None:
    """Load a staff account chosen in a form; None when there is none."""
    return _get(User, user_id)


def team_member_or_none(event, user: User | None):
    """Load ``user``'s place on ``event``'s team; None when they are not on it."""
    from consult.events.models import EventStaff

    return db.session.get(EventStaff, (event.id, user.id)) if user is not None else None


def participant_for(event):
    """Return the participant in the cookie if they belong to ``event``."""
    participant = g.get("participant")
    return participant if participant is not None and participant.event_id == event.id else None


def participant_or_profile(event):
    """Return the event's participant in the cookie; without a profile, go and fill it."""
    participant = participant_for(event)
    if participant is None or not participant.has_profile:
        raise NeedsProfile(event)
    return participant


def sign_in_participant(participant) -> None:
    """Remember ``participant`` in this browser (signed session cookie)."""
    session[PARTICIPANT_SESSION_KEY] = participant.token
    session.permanent = True
    g.participant = participant


def sign_out_participant() -> None:
    """Forget the participant in this browser ("this is not my phone"); staff stay signed in."""
    session.pop(PARTICIPANT_SESSION_KEY, None)
    g.participant = None
