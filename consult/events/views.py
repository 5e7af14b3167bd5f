"""Events in the browser (admin): create, edit, sectors, team, duplicate, delete, settings."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from consult.access import (
    event_or_404,
    roles_required,
    sector_or_404,
    staff_user_or_none,
    team_member_or_none,
)
from consult.accounts.models import ROLE_LABELS, Role, User
from consult.errors import ConsultError
from consult.events import operations
from consult.events.forms import DeleteForm, DuplicateForm, EventForm, SectorForm, StatusForm, TeamForm, ThresholdsForm
from consult.events.models import STATUS_LABELS, Event, EventStaff
from consult.events.operations import THRESHOLD_FIELDS, change_status, update_thresholds
from consult.extensions import db
from consult.results.jobs import sweep_files

bp = Blueprint("events", __name__, url_prefix="/staff/events")


def _form_values(form) -> dict:
    return {name: form[name].data for name in operations.EVENT_FIELDS}


def _show_problems(form, error: ConsultError) -> None:
    """Put an operation's refusal under the fields it concerns (or atop the form)."""
    problems = getattr(error, "problems", None) or {"": error.message}
    for name, message in problems.items():
        if name in form:
            form[name].errors = [*form[name].errors, str(message)]
        else:
            form.form_errors.append(str(message))


def _flash_errors(form) -> None:
    """Flash each invalid field's errors (the page that follows shows a fresh form)."""
    for errors in form.errors.values():
        flash(" ".join(map(str, errors)), "error")


def _new_event_defaults() -> dict:
    """What a new event's form starts with: the columns' defaults and a fresh join code."""
    columns = Event.__table__.c
    values = {name: columns[name].default.arg for name in THRESHOLD_FIELDS
              if name != "khmer_digits"}
    return {**values, "khmer_digits": True, "timezone": "Asia/Phnom_Penh",
            "join_code": operations.unused_join_code(), "join_mode": "open",
            "default_locale": "km"}


def _render_form(form, event=None):
    return render_template("events/event_form.html", form=form, event=event,
                           timezones=operations.timezone_names(),
                           status_form=StatusForm(status=event.status.value) if event else None,
                           status_labels=STATUS_LABELS), (400 if form.errors else 200)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.admin)
def new_event():
    """Create a draft event, with the default sectors."""
    form = EventForm(data=None if request.method == "POST" else _new_event_defaults())
    if form.validate_on_submit():
        try:
            event = operations.add_event(current_user, **_form_values(form))
        except ConsultError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("Event created as a draft. Check its sectors, then build its agenda."),
                  "success")
            return redirect(url_for("events.edit_sectors", event_id=event.id))
    return _render_form(form)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@roles_required(Role.admin)
def edit_event(event_id: int):
    """Edit every field of an event."""
    event = event_or_404(event_id)
    data = None
    if request.method != "POST":
        data = {name: getattr(event, name) for name in operations.EVENT_FIELDS}
        data["join_mode"] = event.join_mode.value
    form = EventForm(data=data)
    if form.validate_on_submit():
        try:
            operations.edit_event(event, current_user, **_form_values(form))
        except ConsultError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("Event saved."), "success")
            return redirect(url_for("events.edit_event", event_id=event.id))
    return _render_form(form, event)


@bp.route("/<int:event_id>/settings", methods=["GET", "POST"])
@roles_required(Role.admin)
def edit_settings(event_id: int):
    """Edit the consensus thresholds and number display of an event."""
    event = event_or_404(event_id)
    form = ThresholdsForm(obj=event)
    if form.validate_on_submit():
        try:
            update_thresholds(event, current_user, **{n: getattr(form, n).data
                                                      for n in THRESHOLD_FIELDS})
        except ConsultError as error:
            db.session.rollback()
            form.contest_pct.errors = [str(error.message)]
        else:
            db.session.commit()
            flash(_("Settings saved."), "success")
            return redirect(url_for("events.edit_settings", event_id=event.id))
    return render_template("events/event_settings.html", event=event, form=form,
                           status_form=StatusForm(status=event.status.value)), (
        400 if form.errors else 200)


@bp.post("/<int:event_id>/status")
@roles_required(Role.admin)
def change_event_status(event_id: int):
    """Make an event live, or archive it (draft → live → archived)."""
    event = event_or_404(event_id)
    form = StatusForm()
    # The edit page sends its admin back there; the settings page is the default.
    back = url_for("events.edit_event" if request.form.get("back") == "edit"
                   else "events.edit_settings", event_id=event.id) + "#status"
    if not form.validate_on_submit():
        flash(" ".join(map(str, form.status.errors)) or _("Please choose a status."), "error")
        return redirect(back)
    try:
        change_status(event, current_user, form.status.data)
    except ConsultError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Status saved."), "success")
    return redirect(back)


@bp.route("/<int:event_id>/sectors", methods=["GET", "POST"])
@roles_required(Role.admin)
def edit_sectors(event_id: int):
    """Add, rename, reorder and delete the sectors participants choose from."""
    event = event_or_404(event_id)
    form = SectorForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            action = form.action.data
            try:
                if action == "add":
                    operations.add_sector(event, current_user, form.label_en.data,
                                          form.label_km.data)
                else:
                    sector = sector_or_404(event, form.sector_id.data)
                    if action == "rename":
                        operations.rename_sector(event, sector, current_user,
                                                 form.label_en.data, form.label_km.data)
                    elif action == "delete":
                        operations.delete_sector(event, sector, current_user)
                    else:
                        operations.move_sector(event, sector, current_user,
                                               -1 if action == "up" else 1)
            except ConsultError as error:
                db.session.rollback()
                flash(str(error.message), "error")
                status = error.status_code
            else:
                db.session.commit()
                flash(_("Sectors saved."), "success")
                return redirect(url_for("events.edit_sectors", event_id=event.id))
        else:
            status = 400
            _flash_errors(form)
    in_use = {s.id for s in event.sectors if operations.sector_in_use(s)}
    return render_template("events/event_sectors.html", event=event, in_use=in_use,
                           form=SectorForm(formdata=None)), status


@bp.route("/<int:event_id>/team", methods=["GET", "POST"])
@roles_required(Role.admin)
def edit_team(event_id: int):
    """Put staff on the event's team as facilitator or analyst, change roles, remove them.

    Admin-only, viewing included: the team page lists accounts, which is account management.
    """
    event = event_or_404(event_id)
    form = TeamForm()
    status = 200
    if form.validate_on_submit():
        user = staff_user_or_none(form.user_id.data)
        member = team_member_or_none(event, user)
        role = None if form.action.data == "remove" else form.role.data
        if user is None or not user.active or user.role == Role.admin:
            message, status = _("Please choose a staff member from the list."), 400
        elif form.action.data != "add" and member is None:
            message, status = _("This staff member is not on the team."), 400
        elif role is not None and role not in operations.TEAM_ROLES:
            message, status = _("Please choose a role."), 400
        else:
            operations.set_team_role(event, user, role, current_user)
            db.session.commit()
            flash(_("Team saved."), "success")
            return redirect(url_for("events.edit_team", event_id=event.id))
        flash(message, "error")
    elif request.method == "POST":
        status = 400
        _flash_errors(form)
    members = db.session.execute(
        select(EventStaff, User).join(User, User.id == EventStaff.user_id)
        .where(EventStaff.event_id == event.id).order_by(User.username)).all()
    on_team = {user.id for _member, user in members}
    candidates = [u for u in db.session.scalars(
        select(User).where(User.active.is_(True), User.role != Role.admin)
        .order_by(User.username)) if u.id not in on_team]
    return render_template("events/event_team.html", event=event, members=members,
                           candidates=candidates, role_labels=ROLE_LABELS,
                           form=TeamForm(formdata=None)), status


@bp.route("/<int:event_id>/duplicate", methods=["GET", "POST"])
@roles_required(Role.admin)
def duplicate_event(event_id: int):
    """Copy an event as a draft template: settings, sectors, agenda; no participants."""
    event = event_or_404(event_id)
    form = DuplicateForm(data=None if request.method == "POST" else
                         {"title_en": event.title_en, "title_km": event.title_km})
    if form.validate_on_submit():
        try:
            copy = operations.duplicate_event(event, current_user, title_en=form.title_en.data,
                                              title_km=form.title_km.data)
        except ConsultError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("Copy made as a draft, with a new join code. Rename it and set its "
                    "dates here."), "success")
            return redirect(url_for("events.edit_event", event_id=copy.id))
    return render_template("events/event_duplicate.html", event=event, form=form,
                           counts=operations.event_counts(event)), (400 if form.errors else 200)


@bp.route("/<int:event_id>/delete", methods=["GET", "POST"])
@roles_required(Role.admin)
def delete_event(event_id: int):
    """Delete an event with all its data, once the admin has typed its join code."""
    event = event_or_404(event_id)
    form = DeleteForm()
    status = 200
    if form.validate_on_submit():
        title = event.title_en or event.title_km
        try:
            operations.delete_event(event, current_user, form.join_code.data)
        except ConsultError as error:
            db.session.rollback()
            _show_problems(form, error)
            status = error.status_code
        else:
            db.session.commit()
            # Its prepared workbooks too, now, not at the next export's sweep: the rows that
            # owned them went with the event.
            sweep_files()
            flash(_("The event %(title)s and all its data were deleted.", title=title),
                  "success")
            return redirect(url_for("accounts.home"))
    elif form.errors:
        status = 400
    return render_template("events/event_delete.html", event=event, form=form,
                           counts=operations.event_counts(event)), status
