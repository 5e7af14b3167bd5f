"""Staff sign-in and the staff home page."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

from babel.dates import get_timezone
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.access import (
    event_or_404,
    roles_required,
    sign_in_staff,
    sign_out_staff,
    staff_user_or_404,
)
from consult.accounts.audit import (
    FAMILY_LABELS,
    action_label,
    csv_chunks,
    readable_details,
    target_label,
)
from consult.accounts.forms import (
    AuditFilterForm,
    ChangePasswordForm,
    LoginForm,
    NewStaffForm,
    RoleForm,
)
from consult.accounts.models import ROLE_LABELS, Role
from consult.accounts.operations import (
    AccountError,
    authenticate,
    change_password,
    change_role,
    create_staff,
    reset_password,
    set_active,
    sign_out,
)
from consult.accounts.queries import (
    PER_PAGE,
    AuditFilters,
    all_events,
    audit_count,
    audit_entries,
    audit_users,
    staff_list,
)
from consult.errors import ConsultError
from consult.events.models import STATUS_LABELS
from consult.events.queries import staff_events
from consult.extensions import db, limiter
from consult.i18n import format_list
from consult.inputs import safe_next
from consult.timeutil import utcnow

bp = Blueprint("accounts", __name__, url_prefix="/staff")


#: Failed sign-ins a minute on one account, from any number of addresses.
LOGIN_ACCOUNT_LIMIT = "10 per minute"
#: Failed sign-ins a minute from one address, on any number of accounts.
LOGIN_ADDRESS_LIMIT = "30 per minute"


def _login_account_key() -> str:
    """Key the account limit by the user name as sign-in compares it."""
    return f"login-account:{request.form.get('username', '').strip().lower()[:80]}"


def _login_address_key() -> str:
    return f"login-address:{request.remote_addr}"


def _failed_login(response) -> bool:
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_ACCOUNT_LIMIT, key_func=_login_account_key, methods=["POST"],
               deduct_when=_failed_login)
@limiter.limit(LOGIN_ADDRESS_LIMIT, key_func=_login_address_key, methods=["POST"],
               deduct_when=_failed_login)
def login():
    """Sign a staff member in."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        db.session.commit()
        if user is not None:
            sign_in_staff(user)
            return redirect(safe_next(request.args.get("next"), url_for("accounts.home")))
        form.password.errors = [_("The user name or password is wrong.")]
    return render_template("accounts/user_login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign the staff member out here and on every other device (and any copy of the cookie)."""
    sign_out(current_user)
    db.session.commit()
    sign_out_staff()
    flash(_("You are signed out."), "info")
    return redirect(url_for("participants.landing"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_own_password():
    """Change one's own password; every other session of the account ends."""
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not user.check_password(form.current_password.data):
            form.current_password.errors = [_("The current password is wrong.")]
        else:
            try:
                change_password(user, form.new_password.data, actor=user)
            except ConsultError as error:
                db.session.rollback()
                form.new_password.errors = [str(error.message)]
            else:
                db.session.commit()
                sign_in_staff(user)  # this browser goes on, with the new session version
                flash(_("Your password is changed. You are signed out on every other device."),
                      "success")
                return redirect(url_for("accounts.home"))
    return render_template("accounts/user_password.html", form=form), 400 if form.errors else 200


@bp.get("/")
@login_required
def home():
    """List the events a staff member works on."""
    return render_template("accounts/staff_home.html", events=staff_events(current_user),
                           role_labels=ROLE_LABELS,
                           status_labels=STATUS_LABELS)


# --- Staff accounts (admin) and the audit trail ----------------------------------------------


def _one_time_password_page(user, password: str, *, created: bool):
    """Show a one-time password once: in this response only, which no cache keeps."""
    response = make_response(render_template("accounts/staff_password.html", user=user,
                                             password=password, created=created))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/users")
@roles_required(Role.admin)
def list_staff():
    """List every staff account with its role, state, last sign-in and teams."""
    return render_template("accounts/staff_list.html", rows=staff_list(),
                           role_labels=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.admin)
def new_staff():
    """Create a staff account and show its one-time password once."""
    form = NewStaffForm()
    form.fill_events(all_events())
    if form.validate_on_submit():
        try:
            user, password = create_staff(
                form.username.data, form.role.data, display_name=form.display_name.data or "",
                event_ids=form.events.data or [], actor=current_user._get_current_object())
        except AccountError as error:
            db.session.rollback()
            field = form._fields.get(error.field or "", form.username)
            field.errors = [*field.errors, str(error.message)]
        else:
            db.session.commit()
            return _one_time_password_page(user, password, created=True)
    status = 400 if form.errors else 200
    return render_template("accounts/staff_new.html", form=form), status


def _staff_action(user_id: int, action, success):
    """Run ``action(user)`` on a staff account; say what happened on the staff list."""
    user = staff_user_or_404(user_id)
    try:
        result = action(user)
    except ConsultError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("accounts.list_staff") + f"#user-{user.id}")
    db.session.commit()
    for message in success(user, result):
        flash(message, "success")
    return redirect(url_for("accounts.list_staff") + f"#user-{user.id}")


@bp.post("/users/<int:user_id>/deactivate")
@roles_required(Role.admin)
def deactivate_staff(user_id: int):
    """Stop an account from signing in and end its sessions (its audit entries stay)."""
    return _staff_action(
        user_id, lambda user: set_active(user, False, actor=current_user._get_current_object()),
        lambda user, _result: [_("%(name)s is deactivated and signed out everywhere.",
                                 name=user.username)])


@bp.post("/users/<int:user_id>/reactivate")
@roles_required(Role.admin)
def reactivate_staff(user_id: int):
    """Let a deactivated account sign in again."""
    return _staff_action(
        user_id, lambda user: set_active(user, True, actor=current_user._get_current_object()),
        lambda user, _result: [_("%(name)s can sign in again.", name=user.username)])


@bp.post("/users/<int:user_id>/role")
@roles_required(Role.admin)
def change_staff_role(user_id: int):
    """Give an account another role."""
    form = RoleForm()
    form.validate()

    def success(user, left):
        messages = [_("%(name)s is now: %(role)s.", name=user.username,
                      role=ROLE_LABELS[user.role])]
        if user.role == Role.admin:
            if left:
                messages.append(_("Administrators work on every event: they left the teams "
                                  "of %(events)s.", events=format_list(left)))
        else:
            messages.append(_("They are on no event's team until you add them, from the "
                              "event's team page."))
        return messages

    def action(user):
        was = user.role
        left = change_role(user, form.role.data or "", actor=current_user._get_current_object())
        return left if was != user.role else None

    return _staff_action(user_id, action,
                         lambda user, left: [] if left is None else success(user, left))


@bp.post("/users/<int:user_id>/reset-password")
@roles_required(Role.admin)
def reset_staff_password(user_id: int):
    """Give an account a new one-time password (shown once) and end its sessions."""
    user = staff_user_or_404(user_id)
    try:
        password = reset_password(user, actor=current_user._get_current_object())
    except ConsultError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("accounts.list_staff") + f"#user-{user.id}")
    db.session.commit()
    return _one_time_password_page(user, password, created=False)


def _local_day_start(day: date, zone_name: str) -> datetime:
    """Midnight of ``day`` in the zone, as naive UTC (how times are stored)."""
    zone = get_timezone(zone_name)
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def _audit_filters(event=None) -> tuple[AuditFilterForm, AuditFilters, dict]:
    """The filter form from the query string, the filters it sets, and its arguments for links.

    Anything invalid counts as "all"; a date that is not one says so.
    """
    form = AuditFilterForm(formdata=request.args)
    form.fill_choices(FAMILY_LABELS, audit_users(event.id if event is not None else None),
                      None if event is not None else all_events())
    zone = event.timezone if event is not None else current_app.config["BABEL_DEFAULT_TIMEZONE"]

    def pick(field, empty):
        if field.data in (empty, None) or not field.validate(form):
            return None
        return field.data

    dates = {}
    for field in (form.since, form.until):
        if not field.validate(form):
            field.errors = [_("Please give a date as year-month-day, or leave it empty.")]
        elif field.data is not None:
            dates[field.name] = field.data
    until = dates.get("until")
    filters = AuditFilters(
        event_id=event.id if event is not None else pick(form.event, 0),
        family=pick(form.family, ""), user_id=pick(form.user, 0),
        since=_local_day_start(dates["since"], zone) if "since" in dates else None,
        until=_local_day_start(until + timedelta(days=1), zone) if until else None)
    args = {name: value for name, value in request.args.items()
            if name in ("family", "user", "event", "since", "until") and value not in ("", "0")}
    return form, filters, args


def _audit_page(template: str, event=None):
    form, filters, args = _audit_filters(event)
    total = audit_count(filters)
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    rows = audit_entries(filters, page)
    zone = event.timezone if event is not None else current_app.config["BABEL_DEFAULT_TIMEZONE"]
    status = 400 if form.since.errors or form.until.errors else 200  # other nonsense is "all"
    return render_template(template, event=event, form=form, rows=rows, total=total, page=page,
                           pages=pages, filter_args=args, zone=zone,
                           link_args={**request.view_args, **args},
                           action_label=action_label, target_label=target_label,
                           readable_details=readable_details), status


def _audit_csv(name: str, event=None):
    _form, filters, _args = _audit_filters(event)
    chunks = csv_chunks(audit_entries(filters), event)
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return Response(stream_with_context(chunks), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"'})


@bp.get("/events/<int:event_id>/audit")
@roles_required(Role.analyst, Role.facilitator)
def event_audit(event_id: int):
    """Show who did what, when, in an event: every staff member of its team reads it."""
    event = event_or_404(event_id)
    return _audit_page("accounts/audit_event.html", event)


@bp.get("/events/<int:event_id>/audit.csv")
@roles_required(Role.analyst, Role.facilitator)
def event_audit_csv(event_id: int):
    """Download the event's audit trail, filtered as on the page, as CSV."""
    event = event_or_404(event_id)
    return _audit_csv(f"audit-{event.join_code}", event)


@bp.get("/audit")
@roles_required(Role.admin)
def audit():
    """Show the whole audit trail, staff-wide entries too (admins)."""
    return _audit_page("accounts/audit_all.html")


@bp.get("/audit.csv")
@roles_required(Role.admin)
def audit_csv():
    """Download the whole audit trail, filtered as on the page, as CSV (admins)."""
    return _audit_csv("audit")
