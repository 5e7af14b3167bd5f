"""Staff sign-in and the staff home page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from consult.accounts.forms import LoginForm
from consult.accounts.models import ROLE_LABELS
from consult.accounts.operations import authenticate, record
from consult.events.models import STATUS_LABELS, Event
from consult.extensions import db, limiter

bp = Blueprint("accounts", __name__, url_prefix="/staff")


def _login_key() -> str:
    """Limit sign-in attempts per account and address together."""
    return f"login:{request.form.get('username', '').strip().lower()[:80]}:{request.remote_addr}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", key_func=_login_key, methods=["POST"],
               deduct_when=lambda response: response.status_code != 302)
def login():
    """Sign a staff member in."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        db.session.commit()
        if user is not None:
            login_user(user)
            target = request.args.get("next", "")
            parts = urlsplit(target)
            if not target.startswith("/") or target.startswith("//") or parts.netloc:
                target = url_for("accounts.home")
            return redirect(target)
        form.password.errors = [_("The user name or password is wrong.")]
    return render_template("accounts/user_login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign the staff member out."""
    record("user.logout", user=current_user, target=current_user)
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("participants.landing"))


@bp.get("/")
@login_required
def home():
    """List the events a staff member works on."""
    events = db.session.scalars(select(Event).order_by(Event.created_at.desc())).all()
    return render_template("accounts/staff_home.html", events=events, role_labels=ROLE_LABELS,
                           status_labels=STATUS_LABELS)
