"""Landing page, joining an event, the profile, the waiting screen and its status document."""

from __future__ import annotations

import functools

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
from flask_login import current_user
from sqlalchemy import select

from consult.access import (
    admit,
    event_by_code_or_404,
    event_or_404,
    normalize_code,
    participant_event_or_404,
    participant_for,
    participant_or_profile,
    roles_required,
    sign_in_participant,
    sign_out_participant,
)
from consult.accounts.models import Role
from consult.agenda.models import Round
from consult.agenda.queries import rounds_accepting_answers
from consult.database import write_turn
from consult.events.models import Event, EventStatus
from consult.extensions import db, limiter
from consult.i18n import current_lang, tr_text
from consult.network import public_url
from consult.participants.forms import JoinForm, ProfileForm, ReissueLinkForm
from consult.participants.operations import (
    join_with_profile,
    participant_by_public_code,
    participant_by_token,
    profile_locked,
    reissue_resume_link,
    update_profile,
)
from consult.qr import qr_svg
from consult.timeutil import utcnow

bp = Blueprint("participants", __name__)

@bp.get("/")
def landing():
    """Show the page where a participant types a join code."""
    return render_template("participants/landing.html", form=JoinForm())


@bp.post("/join")
def join():
    """Find the event for a typed join code and go to it."""
    form = JoinForm()
    if not form.validate_on_submit():
        return render_template("participants/landing.html", form=form), 400
    event = event_by_code_or_404(form.code.data)
    return redirect(url_for("participants.join_event", code=event.join_code))


# Wrong codes are limited per address where they are answered (consult/error_pages.py),
# never before the view: a right code from a busy Wi-Fi address always opens.
@bp.get("/j/<code>")
def join_event(code: str):
    """Open an event from its QR code or link: the profile form, or the waiting screen."""
    event = participant_event_or_404(code)
    if code != event.join_code:
        return redirect(url_for("participants.join_event", code=event.join_code))
    participant = participant_for(event)
    if participant is not None and participant.has_profile:
        return redirect(url_for("participants.wait", code=event.join_code))
    admit(event, joining=True)
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
        resume_url = public_url("participants.resume", token=participant.token)
    return render_template(
        "participants/participant_profile.html", event=event, form=form, participant=participant,
        locked=locked, resume_url=resume_url, resume_qr=qr_svg(resume_url) if resume_url else None,
    ), status


@bp.route("/e/<code>/profile", methods=["GET", "POST"])
def profile(code: str):
    """Fill or change the profile: sector, organisation, gender, language."""
    event = participant_event_or_404(code)
    participant = participant_for(event)
    if participant is None or not participant.has_profile:
        admit(event, joining=True)
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


@bp.post("/e/<code>/leave")
def leave_event(code: str):
    """Forget the participant in this browser ("this is not my phone"); their answers stay."""
    event_by_code_or_404(code)
    sign_out_participant()
    flash(_("You have left this consultation on this device. Your answers are kept: open your "
            "resume link to come back."), "info")
    return redirect(url_for("participants.landing"))


@bp.route("/staff/events/<int:event_id>/resume-link", methods=["GET", "POST"])
@roles_required(Role.facilitator)
def reissue_link(event_id: int):
    """Give a participant, named by their code, a new resume link; the old one stops working."""
    event = event_or_404(event_id)
    form = ReissueLinkForm()
    if form.validate_on_submit():
        participant = participant_by_public_code(event, form.public_code.data)
        if participant is None:
            form.public_code.errors = [_("No participant of this event has the code “%(code)s”.",
                                         code=form.public_code.data.strip()[:20])]
        else:
            with write_turn():
                reissue_resume_link(participant, actor=current_user._get_current_object())
                db.session.commit()
            resume_url = public_url("participants.resume", token=participant.token)
            response = make_response(render_template(
                "participants/participant_resume_link.html", event=event, form=None,
                participant=participant, resume_url=resume_url, resume_qr=qr_svg(resume_url)))
            # The page carries a secret: keep it out of caches and of the next page's Referer.
            response.headers["Cache-Control"] = "no-store"
            response.headers["Referrer-Policy"] = "no-referrer"
            return response
    return render_template("participants/participant_resume_link.html", event=event, form=form,
                           participant=None), 400 if form.errors else 200


def _set_locale_cookie(response, lang: str) -> None:
    from consult.i18n import LOCALE_COOKIE

    response.set_cookie(LOCALE_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                        httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])


@bp.get("/e/<code>/wait")
def wait(code: str):
    """Show the waiting screen: the open rounds, as soon as they open."""
    event = participant_event_or_404(code)
    participant = participant_or_profile(event)
    return render_template("participants/participant_wait.html", event=event,
                           participant=participant, rounds=rounds_accepting_answers(event.id))


@functools.cache
def _version_query():
    """The event's state version, language and whether a round is past its deadline (built once)."""
    from sqlalchemy import bindparam

    overdue = select(Round.id).where(
        Round.event_id == Event.id,
        Round.overdue_at(bindparam("now", type_=Round.closes_at.type))).exists()
    return select(Event.state_version, Event.default_locale, Event.status, overdue).where(
        Event.join_code == bindparam("code"))


def _unknown_code():
    """Answer a status poll for a code no live event has; it counts as a wrong code."""
    from consult.ratelimit import TOO_MANY_WRONG_CODES, wrong_code_allowed

    allowed, retry_after = wrong_code_allowed()
    if allowed:
        return jsonify(error="not_found", status=404), 404
    return (jsonify(error="too_many_wrong_codes", status=429, message=str(TOO_MANY_WRONG_CODES)),
            429, {"Retry-After": str(retry_after)})


@bp.get("/e/<code>/status.json")
@limiter.exempt  # read-only and cheap; every phone polls it
def status(code: str):
    """Return the small status document phones poll (ETag: the event's state version)."""
    code = normalize_code(code)
    # The cheap path, taken by nearly every poll: one indexed row, then 304 Not Modified.
    row = db.session.execute(_version_query(), {"code": code, "now": utcnow()}).first()
    if row is None or row.status == EventStatus.draft:
        return _unknown_code()
    version, g.event_locale, _status, has_overdue = row
    etag = f"{version}-{current_lang()}"
    if has_overdue or not request.if_none_match.contains(etag):
        # Closes the overdue rounds the row reported, which bumps the version.
        event = event_by_code_or_404(code, overdue=has_overdue)
        rounds = rounds_accepting_answers(event.id)
        etag = f"{event.state_version}-{current_lang()}"
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
    else:
        response = jsonify(
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
