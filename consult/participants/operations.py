"""Joining an event and keeping the profile."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update

from consult.access import normalize_code
from consult.accounts.operations import record
from consult.agenda.models import Round
from consult.errors import ConsultError
from consult.events.models import Event, JoinMode, Sector
from consult.extensions import db
from consult.participants.models import PUBLIC_CODE_ALPHABET, Gender, Participant, Source, new_token
from consult.timeutil import utcnow
from consult.voting.models import Response


def profile_locked(event: Event) -> bool:
    """Return whether profiles are frozen: once a round has closed, groups must not move."""
    return bool(db.session.scalar(
        select(exists().where(Round.event_id == event.id, Round.closed_at.is_not(None)))
    ))


def join_with_profile(event: Event, *, sector_id: int, gender: str, organisation: str,
                      locale: str) -> Participant:
    """Create a participant who joined with the event's code, with their profile."""
    if not event.is_live:
        raise ConsultError(event.not_live_message(), 403)
    if event.join_mode == JoinMode.badge:
        raise ConsultError(
            _l("This event admits registered attendees only: please scan the QR code on your badge."),
            403)
    participant = Participant(event=event, source=Source.web)
    _apply_profile(participant, event, sector_id, gender, organisation, locale)
    db.session.add(participant)
    db.session.flush()
    return participant


def update_profile(participant: Participant, *, sector_id: int, gender: str, organisation: str,
                   locale: str) -> None:
    """Change a profile; refused once a round has closed (except a first filling)."""
    if not participant.event.is_live:
        raise ConsultError(participant.event.not_live_message(), 403)
    if participant.has_profile and profile_locked(participant.event):
        raise ConsultError(
            _l("Your profile can no longer be changed: a round has already closed."), 409)
    _apply_profile(participant, participant.event, sector_id, gender, organisation, locale)
    answers_follow_profile(participant)


def answers_follow_profile(participant: Participant) -> None:
    """Copy ``participant``'s sector and gender onto their answers (after a profile change).

    Answers carry a copy of the profile for fast tallies: whoever changes a profile (the
    participant, or staff correcting it) calls this, so the figures follow.
    """
    db.session.flush()
    db.session.execute(
        update(Response).where(Response.participant_id == participant.id)
        .values(sector_id=participant.sector_id, gender=participant.gender)
        .execution_options(synchronize_session=False)
    )


def _apply_profile(participant: Participant, event: Event, sector_id: int, gender: str,
                   organisation: str, locale: str) -> None:
    sector = db.session.get(Sector, sector_id)
    if sector is None or sector.event_id != event.id:
        raise ConsultError(_l("Please choose your sector from the list."))
    try:
        participant.gender = Gender(gender)
    except ValueError:
        raise ConsultError(_l("Please choose one of the answers for gender.")) from None
    if locale not in ("km", "en"):
        raise ConsultError(_l("Please choose a language."))
    participant.sector_id = sector.id
    participant.organisation = (organisation or "").strip()[:300]
    participant.locale = locale
    if participant.profile_completed_at is None:
        participant.profile_completed_at = utcnow()


def participant_by_token(token: str) -> Participant | None:
    """Find a participant by the token of a resume or badge link."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Participant).where(Participant.token == token))


def participant_by_public_code(event: Event, code: str) -> Participant | None:
    """Find a participant of ``event`` by their public code, typed any way (``p 7kq2m9``)."""
    code = normalize_code(code)  # drops the dash of "P-7KQ2M9"
    if len(code) == 7 and code.startswith("P"):
        code = code[1:]
    if len(code) != 6 or not set(code) <= set(PUBLIC_CODE_ALPHABET):
        return None
    return db.session.scalar(select(Participant).where(Participant.event_id == event.id,
                                                       Participant.public_code == f"P-{code}"))


def reissue_resume_link(participant: Participant, actor=None) -> Participant:
    """Give ``participant`` a new token: the old resume link, badge QR and cookies stop working."""
    participant.token = new_token()
    db.session.flush()
    # Never the token itself: the audit trail is read by analysts.
    record("participant.reissue_link", user=actor, event_id=participant.event_id,
           target=participant, public_code=participant.public_code)
    return participant
