"""Landing page, joining an event, the profile, the waiting screen and its status document."""

from __future__ import annotations

import functools
import re

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from consult.access import participant_for, sign_in_participant
from consult.agenda.models import Round, RoundState
from consult.agenda.operations import close_overdue_rounds
from consult.database import write_turn
from consult.events.models import Event
from consult.extensions import db, limiter
from consult.i18n import ascii_digits, current_lang, tr_text
from consult.network import public_base_url
from consult.participants.forms import JoinForm, ProfileForm
from consult.participants.operations import (
    join_with_profile,
    participant_by_token,
    profile_locked,
    update_profile,
)
from consult.qr import qr_svg
from consult.timeutil import utcnow

bp = Blueprint("participants", __name__)

#: Wrong codes per address: only failures count, so a room joining together is never blocked.
JOIN_FAILURE_LIMIT = "20 per minute"


def normalize_code(raw: str) -> str:
    """Upper-case a typed code, drop spaces and dashes, turn Khmer digits into ASCII."""
    return re.sub(r"[\s\-]+", "", ascii_digits(raw or "")).upper()


def find_event(code: str) -> Event | None:
    """Return the event with this (normalised) join code, if any."""
    if not code or len(code) > 12:
        return None
    return db.session.scalar(select(Event).where(Event.join_code == code))


def event_or_wrong_code(code: str) -> Event:
    """Load the event of a code in a URL, or show the landing page with a message."""
    event = find_event(normalize_code(code))
    if event is None:
        raise WrongCode(code)
    g.event = event
    return event


class WrongCode(Exception):
    def __init__(self, code: str):
        self.code = normalize_code(code)[:12]


@bp.app_errorhandler(WrongCode)
def _wrong_code(error: WrongCode):
    form = JoinForm(formdata=None)
    form.code.data = error.code
    form.code.errors = [
        _("No consultation has the code “%(code)s”. Check the code on the screen and try again.",
          code=error.code)
    ]
    return render_template("participants/landing.html", form=form), 404


def _failed_join(response) -> bool:
    return response.status_code == 404


@bp.get("/")
def landing():
    """Show the page where a participant types a join code."""
    return render_template("participants/landing.html", form=JoinForm())


@bp.post("/join")
@limiter.limit(JOIN_FAILURE_LIMIT, key_func=lambda: f"join:{request.remote_addr}",
               deduct_when=_failed_join)
def join():
    """Find the event for a typed join code and go to it."""
    form = JoinForm()
    if not form.validate_on_submit():
        return render_template("participants/landing.html", form=form), 400
    event = event_or_wrong_code(form.code.data)
    return redirect(url_for("participants.join_event", code=event.join_code))


@bp.get("/j/<code>")
@limiter.limit(JOIN_FAILURE_LIMIT, key_func=lambda: f"join:{request.remote_addr}",
               deduct_when=_failed_join)
def join_event(code: str):
    """Open an event from its QR code or link: the profile form, or the waiting screen."""
    event = event_or_wrong_code(code)
    if code != event.join_code:
        return redirect(url_for("participants.join_event", code=event.join_code))
    participant = participant_for(event)
    if participant is not None and participant.has_profile:
        return redirect(url_for("participants.wait", code=event.join_code))
    return _render_profile(event, participant, _profile_form(event, participant))


@bp.get("/r/<token>")
def resume(token: str):
    """Come back as the same participant (resume link or badge QR) on any device."""
    participant = participant_by_token(token)
    if participant is None:
        return render_template("participants/link_invalid.html"), 404
    sign_in_participant(participant)
    target = "wait" if participant.has_profile else "profile"
    response = redirect(url_for(f"participants.{target}", code=participant.event.join_code))
    response.headers["Referrer-Policy"] = "no-referrer"
    if participant.locale:  # the status document reads the language from this cookie
        _set_locale_cookie(response, participant.locale)
    return response


def _profile_form(event, participant, formdata=None) -> ProfileForm:
    form = ProfileForm(formdata=formdata, obj=None)
    form.set_sectors(event.sectors, lambda s: tr_text(s, "label"))
    if formdata is None:
        if participant is not None and participant.sector_id:
            form.sector.data = participant.sector_id
            form.gender.data = participant.gender.value if participant.gender else None
            form.organisation.data = participant.organisation
            form.locale.data = participant.locale
        else:
            form.locale.data = current_lang()
    return form


def _render_profile(event, participant, form, status=200):
    locked = participant is not None and participant.has_profile and profile_locked(event)
    resume_url = None
    if participant is not None and participant.has_profile:
        resume_url = public_base_url(current_app) + url_for("participants.resume",
                                                            token=participant.token)
    return render_template(
        "participants/participant_profile.html", event=event, form=form, participant=participant,
        locked=locked, resume_url=resume_url, resume_qr=qr_svg(resume_url) if resume_url else None,
    ), status


@bp.route("/e/<code>/profile", methods=["GET", "POST"])
def profile(code: str):
    """Fill or change the profile: sector, organisation, gender, language."""
    event = event_or_wrong_code(code)
    participant = participant_for(event)
    if request.method == "GET":
        return _render_profile(event, participant, _profile_form(event, participant))
    form = _profile_form(event, participant, formdata=request.form)
    if not form.validate_on_submit():
        return _render_profile(event, participant, form, 400)
    fields = {"sector_id": form.sector.data, "gender": form.gender.data,
              "organisation": form.organisation.data or "", "locale": form.locale.data}
    first_time = participant is None or not participant.has_profile
    with write_turn():
        if participant is None:
            participant = join_with_profile(event, **fields)
        else:
            update_profile(participant, **fields)
        db.session.commit()
    sign_in_participant(participant)
    response = redirect(url_for("participants.wait", code=event.join_code))
    # The language chosen in the profile wins over an earlier switch.
    _set_locale_cookie(response, participant.locale)
    flash(_("Thank you. You are registered.") if first_time else _("Your profile is saved."),
          "success")
    return response


def _set_locale_cookie(response, lang: str) -> None:
    from consult.i18n import LOCALE_COOKIE

    response.set_cookie(LOCALE_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                        httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])


def open_rounds(event: Event) -> list[Round]:
    """Return the event's open rounds, closing first any whose deadline has passed."""
    now = utcnow()
    rounds = db.session.scalars(
        select(Round).where(Round.event_id == event.id, Round.state == RoundState.open.value)
        .order_by(Round.position)
    ).all()
    if any(r.past_deadline(now) for r in rounds):
        close_overdue_rounds(event.id, now)
        db.session.commit()
        rounds = [r for r in rounds if not r.past_deadline(now)]
    return rounds


def require_participant(event: Event):
    """Return the event's participant in the cookie; without a profile, go fill it."""
    participant = participant_for(event)
    if participant is None or not participant.has_profile:
        raise NeedsProfile(event)
    return participant


class NeedsProfile(Exception):
    def __init__(self, event: Event):
        self.event = event


@bp.app_errorhandler(NeedsProfile)
def _needs_profile(error: NeedsProfile):
    from consult.error_pages import wants_json

    if wants_json():
        response = jsonify(error="profile", message=_("Please fill in your profile first."),
                           status=409)
        response.status_code = 409
        return response
    return redirect(url_for("participants.join_event", code=error.event.join_code))


@bp.get("/e/<code>/wait")
def wait(code: str):
    """Show the waiting screen: the open rounds, as soon as they open."""
    event = event_or_wrong_code(code)
    participant = require_participant(event)
    return render_template("participants/participant_wait.html", event=event,
                           participant=participant, rounds=open_rounds(event),
                           version=event.state_version)


@functools.cache
def _version_query():
    """The event's state version, language and whether a round is past its deadline (built once)."""
    from sqlalchemy import bindparam

    overdue = select(Round.id).where(
        Round.event_id == Event.id, Round.state == RoundState.open.value,
        Round.closes_at <= bindparam("now", type_=Round.closes_at.type)).exists()
    return select(Event.state_version, Event.default_locale, overdue).where(
        Event.join_code == bindparam("code"))


@bp.get("/e/<code>/status.json")
@limiter.exempt  # read-only and cheap; every phone polls it
def status(code: str):
    """Return the small status document phones poll (ETag: the event's state version)."""
    code = normalize_code(code)
    # The cheap path, taken by nearly every poll: one indexed row, then 304 Not Modified.
    row = db.session.execute(_version_query(), {"code": code, "now": utcnow()}).first()
    if row is None:
        return jsonify(error="not_found", status=404), 404
    version, g.event_locale, has_overdue = row
    etag = f"{version}-{current_lang()}"
    if has_overdue or not request.if_none_match.contains(etag):
        event = g.event = find_event(code)
        rounds = open_rounds(event)  # closes overdue rounds, which bumps the version
        etag = f"{event.state_version}-{current_lang()}"
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
    else:
        response = jsonify(
            version=event.state_version,
            rounds=[{
                "id": r.id,
                "title": tr_text(r, "title"),
                "url": url_for("voting.vote_page", code=event.join_code, round_id=r.id),
                "closes_at": r.closes_at.isoformat() + "Z" if r.closes_at else None,
            } for r in rounds],
        )
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response
