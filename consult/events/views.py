"""Event settings (admin)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.access import event_or_404, roles_required
from consult.accounts.models import Role
from consult.errors import ConsultError
from consult.events.forms import StatusForm, ThresholdsForm
from consult.events.operations import THRESHOLD_FIELDS, change_status, update_thresholds
from consult.extensions import db

bp = Blueprint("events", __name__, url_prefix="/staff/events/<int:event_id>")


@bp.route("/settings", methods=["GET", "POST"])
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


@bp.post("/status")
@roles_required(Role.admin)
def change_event_status(event_id: int):
    """Make an event live, or archive it (draft → live → archived)."""
    event = event_or_404(event_id)
    form = StatusForm()
    if not form.validate_on_submit():
        flash(" ".join(map(str, form.status.errors)) or _("Please choose a status."), "error")
        return redirect(url_for("events.edit_settings", event_id=event.id) + "#status")
    try:
        change_status(event, current_user, form.status.data)
    except ConsultError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Status saved."), "success")
    return redirect(url_for("events.edit_settings", event_id=event.id) + "#status")
