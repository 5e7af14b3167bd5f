"""Staff sign-in and the staff home page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from consult.access import sign_in_staff, sign_out_staff
from consult.accounts.forms import ChangePasswordForm, LoginForm
from consult.accounts.models import ROLE_LABELS
from consult.accounts.operations import authenticate, change_password, sign_out
from consult.errors import ConsultError
from consult.events.models import STATUS_LABELS
from consult.events.queries import staff_events
from consult.extensions import db, limiter
from consult.inputs import safe_next

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
