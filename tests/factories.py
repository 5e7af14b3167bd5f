"""Factories for test data: ``make_event(**kw)`` and friends, flushed, not committed."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from consult.accounts.models import Role, User
from consult.agenda.models import Item, ItemKind, ItemOption, Round, Section
from consult.events.models import Event, EventStaff, EventStatus
from consult.events.operations import create_event
from consult.extensions import db
from consult.participants.models import Gender, Participant
from consult.voting.models import Response

DEFAULT_PASSWORD = "correct horse battery"
_seq = itertools.count(1)


#: Users ``user(..., team=False)`` made: kept off the teams of events made later too.
_off_team: set[int] = set()


def event(**kw):
    """Create an event with the default sectors, every staff member on its team.

    Staff made by ``user()`` are on every event's team unless made with ``team=False``: most
    tests are about something else than who is on which team.
    """
    n = next(_seq)
    kw.setdefault("title_en", f"Test workshop {n}")
    kw.setdefault("title_km", f"សិក្ខាសាលាសាកល្បង {n}")
    kw.setdefault("status", EventStatus.live)
    obj = create_event(**kw)
    for staff in db.session.scalars(select(User).where(User.role != Role.admin)):
        if staff.id not in _off_team:
            team_member(obj, staff)
    return obj


def team_member(event, user, role=None):
    """Put ``user`` on ``event``'s team, with their account's role unless ``role`` is given."""
    db.session.add(EventStaff(event_id=event.id, user_id=user.id,
                              role=str(role or user.role)))
    db.session.flush()


def section(event, **kw):
    kw.setdefault("position", len(event.sections) + 1)
    kw.setdefault("title_en", f"Section {kw['position']}")
    kw.setdefault("title_km", f"ផ្នែកទី {kw['position']}")
    obj = Section(event=event, **kw)
    db.session.add(obj)
    db.session.flush()
    return obj


def round(event, **kw):
    kw.setdefault("position", len(event.rounds) + 1)
    kw.setdefault("title_en", f"Round {kw['position']}")
    kw.setdefault("title_km", f"ជុំទី {kw['position']}")
    obj = Round(event=event, **kw)
    db.session.add(obj)
    db.session.flush()
    return obj


def item(event, section=None, round=None, kind=ItemKind.agreement, options=(), **kw):
    section = section or (event.sections[0] if event.sections else globals()["section"](event))
    n = next(_seq)
    kw.setdefault("position", len(section.items) + 1)
    kw.setdefault("code", f"I{n}")
    kw.setdefault("prompt_en", f"Statement {n}")
    kw.setdefault("prompt_km", f"សេចក្តីថ្លែង {n}")
    if round is not None:
        kw.setdefault("round_position", len(round.items) + 1)
    obj = Item(event=event, section=section, round=round, kind=ItemKind(kind), **kw)
    for position, (code, label_en, label_km) in enumerate(options, start=1):
        obj.options.append(ItemOption(position=position, code=code, label_en=label_en,
                                      label_km=label_km))
    db.session.add(obj)
    db.session.flush()
    return obj


def participant(event, sector=None, gender=Gender.woman, **kw):
    from consult.timeutil import utcnow

    sector = sector if sector is not None else event.sectors[0]
    kw.setdefault("profile_completed_at", utcnow())
    obj = Participant(event=event, sector=sector, gender=gender, **kw)
    db.session.add(obj)
    db.session.flush()
    return obj


def response(participant, item, value=4, **kw):
    obj = Response(participant=participant, item=item, round_id=item.round_id,
                   sector_id=participant.sector_id, gender=participant.gender,
                   source=participant.source, value=value, **kw)
    db.session.add(obj)
    db.session.flush()
    return obj


def user(role=Role.facilitator, username=None, password=DEFAULT_PASSWORD, team=True, **kw):
    """Create a staff account; ``team``: put it on every event's team (see ``event``)."""
    from werkzeug.security import generate_password_hash

    obj = User(username=username or f"{role}{next(_seq)}", role=Role(role), **kw)
    # A cheap hash keeps the suite fast; the app's own default is tested in test_login.
    obj.password_hash = generate_password_hash(password, method="pbkdf2:sha256:1")
    db.session.add(obj)
    db.session.flush()
    if obj.role == Role.admin:
        return obj
    if not team:
        _off_team.add(obj.id)
        return obj
    for each in db.session.scalars(select(Event)):
        team_member(each, obj)
    return obj
