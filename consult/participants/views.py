"""Landing page, joining an event, the profile, the waiting screen and its status document."""

from __future__ import annotations

import io

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
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from consult.access import (
    admit,
    event_by_code_or_404,
    event_or_404,
    normalize_code,
    participant_event_or_404,
    participant_for,
    participant_or_404,
    participant_or_profile,
    roles_required,
    round_or_404,
    sign_in_participant,
    sign_out_participant,
)
from consult.accounts.models import Role
from consult.agenda.queries import rounds_accepting_answers
from consult.database import write_turn
from consult.events.models import EventStatus
from consult.extensions import db, limiter
from consult.i18n import current_lang, tr_text
from consult.network import public_url
from consult.participants import printing
from consult.participants.forms import (
    AttendeeForm,
    AttendeeImportForm,
    JoinForm,
    ProfileForm,
    ReasonForm,
    ReissueLinkForm,
)
from consult.participants.operations import (
    join_with_profile,
    participant_by_public_code,
    participant_by_token,
    profile_locked,
    reissue_resume_link,
    update_profile,
)
from consult.participants.status import STATUS_HEADERS, status_etag, version_query
from consult.qr import qr_svg
from consult.spreadsheet import XLSX_MIMETYPE
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
    row = db.session.execute(version_query(), {"code": code, "now": utcnow()}).first()
    if row is None or row.status == EventStatus.draft:
        return _unknown_code()
    version, g.event_locale, _status, has_overdue = row
    etag = status_etag(version, current_lang())
    if has_overdue or not request.if_none_match.contains(etag):
        # Closes the overdue rounds the row reported, which bumps the version.
        event = event_by_code_or_404(code, overdue=has_overdue)
        rounds = rounds_accepting_answers(event.id)
        etag = status_etag(event.state_version, current_lang())
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
    response.headers.update(STATUS_HEADERS)
    return response


# --- Printing: badges, the join poster, paper ballots and their blank spreadsheet ----------
# (consult/participants/printing.py; facilitators and admins of the event.) The poster and the
# ballots are GET forms, so a printout's address can be bookmarked and printed again; badges
# carry sign-in links, so printing them is a POST from the Print page (CSRF) that is audited.


def _printables(event, badge_form=None, poster_form=None, ballot_form=None, status=200):
    return render_template(
        "participants/print_menu.html", event=event,
        badge_form=badge_form or printing.BadgeForm(formdata=None),
        poster_form=poster_form or printing.PosterForm(formdata=None),
        ballot_form=ballot_form or printing.BallotForm(formdata=None, count="50"),
        attendees=len(printing.badge_attendees(event))), status


def _ballot_choice(event):
    """The ballot form read from the query, and the round it names (None: whole agenda)."""
    form = printing.BallotForm(formdata=request.args)
    if not form.validate():
        return form, None, False
    round_id = form.round_id()
    return form, round_or_404(event, round_id) if round_id else None, True


@bp.get("/staff/events/<int:event_id>/print")
@roles_required(Role.facilitator)
def list_printables(event_id: int):
    """List what can be printed for the event (badges, poster, ballots), with their options."""
    return _printables(event_or_404(event_id))


@bp.post("/staff/events/<int:event_id>/print/badges")
@roles_required(Role.facilitator)
def print_badges(event_id: int):
    """Print the attendees' badges, eight to an A4 sheet, each with its personal QR code."""
    event = event_or_404(event_id)
    form = printing.BadgeForm()
    if not form.validate_on_submit():
        return _printables(event, badge_form=form, status=400)
    selection = form.selection()
    attendees = printing.badge_attendees(event, **selection)
    badges = []
    for person in attendees:
        url = public_url("participants.resume", token=person.token)
        badges.append({"person": person, "url": url, "qr": qr_svg(url)})
    with write_turn():
        printing.record_badges_printed(event, attendees, current_user._get_current_object(),
                                       start=selection["start"], end=selection["end"],
                                       ids=form.ids.data)
        db.session.commit()
    response = make_response(render_template(
        "participants/print_badges.html", event=event, paper="A4",
        pages=printing.in_pages(badges, printing.BADGES_PER_PAGE),
        title=printing.pair(event, "title")))
    # Every badge carries a sign-in link: keep the page out of caches and Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/staff/events/<int:event_id>/print/poster")
@roles_required(Role.facilitator)
def print_poster(event_id: int):
    """Print the join poster (A4, or A3 with ?size=a3): the big QR code and the join code."""
    event = event_or_404(event_id)
    form = printing.PosterForm(formdata=request.args)
    if not form.validate():
        return _printables(event, poster_form=form, status=400)
    join_url = public_url("participants.join_event", code=event.join_code)
    address = public_url("participants.landing")
    lines = [printing.both(message, address=address, code=event.join_code)
             for message in printing.POSTER_LINES]
    return render_template(
        "participants/print_poster.html", event=event, size=form.size.data,
        paper=form.size.data.upper(),
        join_url=join_url, qr=qr_svg(join_url), lines=lines,
        title=printing.pair(event, "title"), heading=printing.both(printing.POSTER_HEADING),
        code_label=printing.both(printing.POSTER_CODE_LABEL))


@bp.get("/staff/events/<int:event_id>/print/ballots")
@roles_required(Role.facilitator)
def print_ballots(event_id: int):
    """Print paper ballots of a round or the whole agenda, each copy numbered, in both
    languages, every box showing the digit a clerk types."""
    event = event_or_404(event_id)
    form, round_, valid = _ballot_choice(event)
    if not valid:
        return _printables(event, ballot_form=form, status=400)
    texts = {key: printing.both(message) for key, message in printing.BALLOT_TEXTS.items()}
    return render_template(
        "participants/print_ballots.html", event=event, round=round_, paper="A4",
        pair=printing.pair,
        rounds=printing.ballot_rounds(event, round_), numbers=form.numbers(), texts=texts,
        sectors=printing.sector_boxes(event), genders=printing.gender_boxes(),
        title=printing.pair(event, "title"),
        heading=printing.joined(texts["ballot"], printing.pair(round_, "title")
                                if round_ is not None else texts["whole"]))


@bp.get("/staff/events/<int:event_id>/print/ballots.xlsx")
@roles_required(Role.facilitator)
def download_ballot_sheet(event_id: int):
    """Download the blank spreadsheet for ballots typed elsewhere (a round or the agenda)."""
    event = event_or_404(event_id)
    form, round_, valid = _ballot_choice(event)
    if not valid:
        return _printables(event, ballot_form=form, status=400)
    data = printing.ballot_workbook(event, printing.ballot_rounds(event, round_))
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=printing.sheet_filename(event, round_), max_age=0)


# --- Attendees (staff) --------------------------------------------------------------------
# Names and e-mails are personal data: the event's facilitators and admins see them here;
# analysts work on the anonymised exports (public codes) and get 403; so does a clerk.


def _attendee_form(event, participant=None, formdata=None) -> AttendeeForm:
    from consult.participants.attendees import data_of

    form = AttendeeForm(formdata=formdata)
    form.set_choices(event.sectors, lambda s: tr_text(s, "label"),
                     required=participant is not None and participant.has_profile)
    if formdata is None:
        data = data_of(participant) if participant is not None else None
        form.display_name.data = data.display_name if data else ""
        form.display_name_km.data = data.display_name_km if data else ""
        form.organisation.data = data.organisation if data else ""
        form.sector.data = data.sector_id or 0 if data else 0
        form.gender.data = data.gender.value if data and data.gender else ""
        form.locale.data = data.locale if data else event.default_locale
        form.badge_number.data = data.badge_number or "" if data else ""
        form.email.data = data.email or "" if data else ""
    return form


def _attendee_data(form: AttendeeForm):
    from consult.participants.attendees import AttendeeData, clean_badge, clean_email
    from consult.participants.models import Gender

    return AttendeeData(
        display_name=(form.display_name.data or "").strip(),
        display_name_km=(form.display_name_km.data or "").strip(),
        organisation=(form.organisation.data or "").strip(), sector_id=form.sector.data or None,
        gender=Gender(form.gender.data) if form.gender.data else None, locale=form.locale.data,
        badge_number=clean_badge(form.badge_number.data), email=clean_email(form.email.data))


def _attendee_problems(event, form, data, participant=None) -> bool:
    """Put on the form what the operation would refuse: no name, no key, a key taken."""
    from consult.participants.attendees import key_problems
    from consult.participants.models import Source

    badge = participant is None or participant.source == Source.badge
    if badge and not (data.display_name or data.display_name_km):
        form.display_name.errors = [_("Give the attendee's name (in Latin script, in Khmer or "
                                      "both).")]
    if participant is None and data.badge_number is None and data.email is None:
        form.badge_number.errors = [_("Give a badge number or an e-mail: a re-import finds the "
                                      "attendee by them.")]
    for name, message in key_problems(event, data, participant).items():
        form[name].errors = [message]
    return any(f.errors for f in form)


@bp.get("/staff/events/<int:event_id>/attendees")
@roles_required(Role.facilitator)
def list_attendees(event_id: int):
    """List the event's participants: who, by which route, profile, voided; search; counts."""
    import math

    from consult.participants.attendees import (
        PER_PAGE,
        attendee_count,
        attendee_rows,
        route_counts,
    )
    from consult.participants.forms import AttendeeSearchForm
    from consult.participants.models import GENDER_LABELS
    from consult.results.forms import SOURCE_LABELS

    event = event_or_404(event_id)
    form = AttendeeSearchForm(request.args)
    text = (form.q.data or "")[:100]
    source = request.args.get("source") or None
    total = attendee_count(event, text, source)
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    link_args = {"event_id": event.id, **({"q": text} if text else {}),
                 **({"source": source} if source else {})}
    return render_template("participants/attendee_list.html", event=event, form=form,
                           rows=attendee_rows(event, text, source, page), total=total,
                           page=page, pages=pages, counts=route_counts(event), source=source,
                           searched=bool(text or source), link_args=link_args,
                           sectors={s.id: s for s in event.sectors},
                           source_labels=SOURCE_LABELS, gender_labels=GENDER_LABELS)


@bp.route("/staff/events/<int:event_id>/attendees/new", methods=["GET", "POST"])
@roles_required(Role.facilitator)
def add_attendee(event_id: int):
    """Register one attendee by hand."""
    from consult.participants.attendees import add_attendee as add

    event = event_or_404(event_id)
    form = _attendee_form(event, formdata=request.form if request.method == "POST" else None)
    if request.method == "POST":
        data = _attendee_data(form) if form.validate_on_submit() else None
        if data is not None and not _attendee_problems(event, form, data):
            with write_turn():
                participant = add(event, current_user._get_current_object(), data)
                db.session.commit()
            flash(_("The attendee is registered."), "success")
            return redirect(url_for("participants.edit_attendee", event_id=event.id,
                                    participant_id=participant.id))
    status = 400 if form.errors or any(f.errors for f in form) else 200
    return render_template("participants/attendee_form.html", event=event, form=form,
                           participant=None), status


@bp.route("/staff/events/<int:event_id>/attendees/<int:participant_id>",
          methods=["GET", "POST"])
@roles_required(Role.facilitator)
def edit_attendee(event_id: int, participant_id: int):
    """Correct a participant's profile and details (a wrong sector); their answers follow."""
    from consult.participants.attendees import edit_attendee as edit

    event = event_or_404(event_id)
    participant = participant_or_404(event, participant_id)
    form = _attendee_form(event, participant,
                          formdata=request.form if request.method == "POST" else None)
    if request.method == "POST":
        data = _attendee_data(form) if form.validate_on_submit() else None
        if data is not None and not _attendee_problems(event, form, data, participant):
            with write_turn():
                changes = edit(participant, current_user._get_current_object(), data)
                db.session.commit()
            flash(_("Saved.") if changes else _("Nothing was changed."), "success")
            return redirect(url_for("participants.edit_attendee", event_id=event.id,
                                    participant_id=participant.id))
    return _render_attendee(event, participant, form, ReasonForm(formdata=None),
                            400 if any(f.errors for f in form) else 200)


def _render_attendee(event, participant, form, reason_form, status=200):
    from consult.access import staff_user_or_none
    from consult.results.forms import SOURCE_LABELS

    voided_by = staff_user_or_none(participant.voided_by_id)
    return render_template("participants/attendee_form.html", event=event, form=form,
                           participant=participant, reason_form=reason_form,
                           source_label=SOURCE_LABELS[participant.source],
                           voided_by=voided_by.username if voided_by else None), status


def _void_or_restore(event_id: int, participant_id: int, operation, done: str):
    event = event_or_404(event_id)
    participant = participant_or_404(event, participant_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _render_attendee(event, participant, _attendee_form(event, participant), form, 400)
    with write_turn():
        operation(participant, current_user._get_current_object(), form.reason.data)
        db.session.commit()
    flash(done, "success")
    return redirect(url_for("participants.edit_attendee", event_id=event.id,
                            participant_id=participant.id))


@bp.post("/staff/events/<int:event_id>/attendees/<int:participant_id>/void")
@roles_required(Role.facilitator)
def void_participant(event_id: int, participant_id: int):
    """Void a participant (a test phone, a duplicate): their answers leave every figure."""
    from consult.participants.attendees import void_participant as void

    return _void_or_restore(event_id, participant_id, void,
                            _("Voided: their answers count in no figure."))


@bp.post("/staff/events/<int:event_id>/attendees/<int:participant_id>/restore")
@roles_required(Role.facilitator)
def restore_participant(event_id: int, participant_id: int):
    """Restore a voided participant: their answers count again."""
    from consult.participants.attendees import restore_participant as restore

    return _void_or_restore(event_id, participant_id, restore,
                            _("Restored: their answers count again."))


@bp.route("/staff/events/<int:event_id>/attendees/import", methods=["GET", "POST"])
@roles_required(Role.facilitator)
def import_attendees(event_id: int):
    """Register attendees from a spreadsheet: every problem listed, or all imported."""
    from consult.participants.attendees import import_attendees as run_import
    from consult.spreadsheet import MAX_FILE_BYTES, MAX_ROWS, ImportRefused

    event = event_or_404(event_id)
    form = AttendeeImportForm()
    problems, status = [], 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            with write_turn():
                result = run_import(event, current_user._get_current_object(),
                                    upload.read(MAX_FILE_BYTES + 1),
                                    filename=upload.filename or "")
                db.session.commit()
        except ImportRefused as error:
            problems, status = error.problems, 400
        else:
            flash(_("Imported: %(created)s new attendee(s), %(updated)s updated, %(unchanged)s "
                    "unchanged.", created=result.created, updated=result.updated,
                    unchanged=result.unchanged), "success")
            return redirect(url_for("participants.list_attendees", event_id=event.id))
    elif form.errors:
        status = 400
    return render_template("participants/attendee_import.html", event=event, form=form,
                           problems=problems, max_rows=MAX_ROWS), status


@bp.get("/staff/events/<int:event_id>/attendees/template.xlsx")
@roles_required(Role.facilitator)
def download_attendee_template(event_id: int):
    """Download a blank attendee sheet, with examples and this event's sectors."""
    import io

    from consult.participants.attendees import template_workbook

    event = event_or_404(event_id)
    return send_file(io.BytesIO(template_workbook(event)), mimetype=XLSX_MIMETYPE,
                     as_attachment=True, download_name=f"attendees-{event.join_code}.xlsx")
